/** The landing page: the user's tasks (batches assigned to them), the projects they belong to, and a form to create one. */
import { useState } from "preact/hooks";
import { api, items, type Page } from "../api/client";
import type { Project } from "../api/types";
import { urls } from "../api/urls";
import { navigate } from "../router";
import { Empty, ErrorMessage, Loading } from "../ui/feedback";
import { html } from "../ui/html";
import { useSubmit } from "../ui/submit";
import { useResource } from "../ui/useResource";
import { MyTasks } from "./MyTasks";

export function ProjectsPage() {
  const projects = useResource(() => api.get<Page<Project>>(urls.projects({ limit: 1000 })).then(items), []);
  const [name, setName] = useState("");
  const [error, setError] = useState<Error | null>(null);
  const [createProject, creating] = useSubmit(() => api.post<Project>(urls.projects(), { name, description: "" })
    .then((project) => navigate(`/projects/${project.id}`), setError));
  const create = (event: Event) => {
    event.preventDefault();
    createProject();
  };
  return html`<section class="page">
    <h1>Projects</h1>
    <${MyTasks} />
    <${ErrorMessage} error=${projects.error} what="Projects" />
    ${projects.loading && !projects.data ? html`<${Loading} what="projects" />` : null}
    ${projects.data?.length === 0 ? html`<${Empty}>You are not a member of any project yet.<//>` : null}
    <ul class="cards">
      ${projects.data?.map((p) => html`<li class="card project-card">
        <a href=${`/app/projects/${p.id}`} class="ellipsis" title=${p.name}>${p.name}</a>
        <div class="muted clamp" title=${p.description}>${p.description}</div>
        <div class="meta"><span class="badge">${p.role ?? "member"}</span> ${p.capture_count} captures</div>
      </li>`)}
    </ul>
    <form class="inline-form" onSubmit=${create}>
      <input placeholder="New project name" aria-label="New project name" value=${name} onInput=${(e: any) => setName(e.target.value)} required maxlength="200" />
      <button type="submit" disabled=${creating}>Create project</button>
    </form>
    <${ErrorMessage} error=${error} what="Create project" />
  </section>`;
}
