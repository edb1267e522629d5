/** A project: its captures (with upload), members and label classes; links to the dashboard and exports. */
import { useState } from "preact/hooks";
import { api, items, type Page } from "../api/client";
import { isManager as managerOf } from "../api/roles";
import type { Capture, LabelClass, Me, Member, Project } from "../api/types";
import { urls } from "../api/urls";
import { ActiveJobs } from "../ui/ActiveJobs";
import { Empty, ErrorMessage, Loading } from "../ui/feedback";
import { html } from "../ui/html";
import { useSubmit } from "../ui/submit";
import { ConfirmDelete } from "../ui/ConfirmDelete";
import { useResource } from "../ui/useResource";
import { CaptureUpload } from "./CaptureUpload";

export function ProjectPage({ projectId, me }: { projectId: number; me?: Me }) {
  const project = useResource(() => api.get<Project>(urls.project(projectId)), [projectId]);
  const captures = useResource(
    () => api.get<Page<Capture>>(urls.projectCaptures(projectId, { limit: 1000 })).then(items), [projectId]);
  const isManager = managerOf(me, projectId);
  return html`<section class="page">
    <div class="crumbs"><a href="/app/">Projects</a> › <span class="ellipsis">${project.data?.name ?? projectId}</span></div>
    <${ErrorMessage} error=${project.error} what="Project" />
    <div class="title-row">
      <h1 class="ellipsis" title=${project.data?.name}>${project.data?.name ?? "Project"}</h1>
      <a class="button" href=${`/app/projects/${projectId}/dashboard`}>Dashboard</a>
      <a class="button" href=${`/app/projects/${projectId}/export`}>Export</a>
    </div>
    <p class="muted clamp">${project.data?.description}</p>
    <div class="columns">
      <div class="column wide">
        <h2>Captures</h2>
        <${ErrorMessage} error=${captures.error} what="Captures" />
        ${captures.loading && !captures.data ? html`<${Loading} what="captures" />` : null}
        ${captures.data?.length === 0 ? html`<${Empty}>No captures yet: upload a zip below.<//>` : null}
        ${captures.data?.length ? html`<table class="table captures">
          <thead><tr><th>Name</th><th>Status</th><th>Frames</th><th></th></tr></thead>
          <tbody>${captures.data?.map((c) => html`<tr data-capture=${c.id}>
            <td class="ellipsis name-cell" title=${c.name}>${c.name}</td>
            <td><span class=${`badge status-${c.status}`}>${c.status}</span>
              ${c.error ? html`<div class="error small-text">${c.error}</div>` : null}</td>
            <td>${c.frame_count ?? "–"}</td>
            <td class="actions">
              <a href=${`/app/captures/${c.id}/scene`}>Scene</a>
              <a href=${`/app/captures/${c.id}/review`}>Review</a>
              ${isManager ? html`<${ConfirmDelete} what=${`capture "${c.name}"`} consequences=${captureConsequences(c)}
                onConfirm=${() => api.delete(urls.capture(c.id))} onDeleted=${captures.reload} />` : null}
            </td>
          </tr>`)}</tbody>
        </table>` : null}
        <${CaptureUpload} projectId=${projectId} onChange=${captures.reload} />
      </div>
      <div class="column">
        <${ActiveJobs} projectId=${projectId} />
        <${Members} projectId=${projectId} isManager=${isManager} />
        <${Classes} projectId=${projectId} isManager=${isManager} />
      </div>
    </div>
  </section>`;
}

function Members({ projectId, isManager }: { projectId: number; isManager: boolean }) {
  const members = useResource(() => api.get<Page<Member>>(urls.projectMembers(projectId, { limit: 1000 })).then(items), [projectId]);
  const [username, setUsername] = useState("");
  const [role, setRole] = useState("annotator");
  const [error, setError] = useState<Error | null>(null);
  const [act, acting] = useSubmit((request: () => Promise<unknown>) =>
    request().then(() => { setError(null); members.reload(); }, setError));
  const add = (event: Event) => {
    event.preventDefault();
    act(() => api.post(urls.projectMembers(projectId), { username, role }));
  };
  return html`<div class="panel members">
    <h2>Members</h2>
    <${ErrorMessage} error=${members.error} what="Members" />
    <ul class="list">${members.data?.map((m) => html`<li>
      <span class="ellipsis" title=${m.username}>${m.username}</span><span class="badge">${m.role}</span>
      ${isManager ? html`<button class="small link" title="Remove" disabled=${acting} onClick=${() =>
        act(() => api.delete(urls.projectMember(projectId, m.username)))}>remove</button>` : null}
    </li>`)}</ul>
    ${isManager ? html`<form class="inline-form" onSubmit=${add}>
      <input placeholder="username" aria-label="Username of the new member" value=${username} onInput=${(e: any) => setUsername(e.target.value)} required />
      <select value=${role} aria-label="Role of the new member" onChange=${(e: any) => setRole(e.target.value)}>
        <option value="annotator">annotator</option><option value="manager">manager</option>
      </select>
      <button type="submit" disabled=${acting}>Add</button>
    </form>` : null}
    <${ErrorMessage} error=${error} />
  </div>`;
}

function Classes({ projectId, isManager }: { projectId: number; isManager: boolean }) {
  const classes = useResource(() => api.get<Page<LabelClass>>(urls.projectClasses(projectId, { limit: 1000 })).then(items), [projectId]);
  const [name, setName] = useState("");
  const [color, setColor] = useState("#e6194b");
  const [error, setError] = useState<Error | null>(null);
  const [addClass, adding] = useSubmit(() => api.post(urls.projectClasses(projectId), { name, color, kitti_type: "" })
    .then(() => { setError(null); setName(""); classes.reload(); }, setError));
  const add = (event: Event) => {
    event.preventDefault();
    addClass();
  };
  return html`<div class="panel classes">
    <h2>Label classes</h2>
    <${ErrorMessage} error=${classes.error} what="Classes" />
    <ul class="list">${classes.data?.map((c) => html`<li>
      <span class="swatch" style=${{ background: c.color }}></span>
      <span class="ellipsis" title=${c.name}>${c.name}</span><span class="muted">id ${c.class_id}</span>
      ${isManager ? html`<${ConfirmDelete} what=${`class "${c.name}"`}
        consequences="Only a class no object uses can be deleted; past exports keep it."
        onConfirm=${() => api.delete(urls.projectClass(projectId, c.id))} onDeleted=${classes.reload} />` : null}
    </li>`)}</ul>
    ${isManager ? html`<form class="inline-form" onSubmit=${add}>
      <input placeholder="class name" aria-label="Name of the new class" value=${name} onInput=${(e: any) => setName(e.target.value)} required />
      <input type="color" aria-label="Colour of the new class" value=${color} onInput=${(e: any) => setColor(e.target.value)} />
      <button type="submit" disabled=${adding}>Add</button>
    </form>` : null}
    <${ErrorMessage} error=${error} />
  </div>`;
}

/** What deleting a capture takes with it, in the words of the confirmation. */
function captureConsequences(capture: Capture): string {
  const frames = capture.frame_count ? `its ${capture.frame_count} frames` : "its frames";
  return `Its uploaded files, ${frames} with their labels, reviews and places in batches, its trained fields and its placed objects are deleted with it.`;
}
