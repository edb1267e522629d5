import { render } from "preact";
import { App } from "./App";
import { interceptLinks } from "./router";
import { html } from "./ui/html";
import "./style.css";

interceptLinks();
render(html`<${App} />`, document.getElementById("app")!);
