/** JSX-free templates: htm bound to Preact's h, so the build needs no JSX transform. */
import { h } from "preact";
import htm from "htm";

export const html = htm.bind(h);
