/** The shell: header with the user, and the page for the current client route. */
import { api } from "./api/client";
import { MeContext } from "./api/roles";
import type { Me } from "./api/types";
import { urls } from "./api/urls";
import { BenchPage } from "./bench/BenchPage";
import { DashboardPage } from "./pages/DashboardPage";
import { ExportPage } from "./pages/ExportPage";
import { ProjectPage } from "./pages/ProjectPage";
import { ProjectsPage } from "./pages/ProjectsPage";
import { ReviewPage } from "./pages/ReviewPage";
import { ScenePage } from "./pages/ScenePage";
import { match, useLocation } from "./router";
import { ErrorMessage } from "./ui/feedback";
import { html } from "./ui/html";
import { useResource } from "./ui/useResource";

function page(path: string, params: URLSearchParams, me: Me | undefined) {
  let m: Record<string, number> | null;
  if (path === "/") return html`<${ProjectsPage} />`;
  if ((m = match("/projects/:id", path))) return html`<${ProjectPage} projectId=${m.id} me=${me} />`;
  if ((m = match("/projects/:id/dashboard", path))) return html`<${DashboardPage} projectId=${m.id} me=${me} />`;
  if ((m = match("/projects/:id/export", path))) return html`<${ExportPage} projectId=${m.id} />`;
  if ((m = match("/captures/:id/scene", path)))
    return html`<${ScenePage} captureId=${m.id} frameId=${Number(params.get("frame")) || null} />`;
  if ((m = match("/captures/:id/review", path)))
    return html`<${ReviewPage} captureId=${m.id} initialBatch=${params.get("batch") ?? ""} />`;
  if (path === "/bench/scene") return html`<${BenchPage} params=${params} />`;
  return html`<${ErrorMessage} error=${`There is no page at ${path}.`} />`;
}

export function App() {
  const { path, params } = useLocation();
  const me = useResource(() => api.get<Me>(urls.me()), []);
  return html`<div class="shell">
    <header class="topbar">
      <a class="brand" href="/app/">Raylabel</a>
      <span class="user ellipsis">${me.data ? me.data.username : ""}</span>
      <form method="post" action="/logout/" class="logout">
        <input type="hidden" name="csrfmiddlewaretoken" value=${document.cookie.match(/csrftoken=([^;]+)/)?.[1] ?? ""} />
        <button class="small" type="submit">Log out</button>
      </form>
    </header>
    <${MeContext.Provider} value=${me.data}>
      <main class="content"><${ErrorMessage} error=${me.error} what="Your account" />${page(path, params, me.data)}</main>
    <//>
  </div>`;
}
