/** Export: choose a format and which frames, follow the job, download the file; earlier exports. */
import { useState } from "preact/hooks";
import { api, items, type Page } from "../api/client";
import type { Batch, ExportFormats, Job, Project } from "../api/types";
import { urls } from "../api/urls";
import { Empty, ErrorMessage } from "../ui/feedback";
import { html } from "../ui/html";
import { JobPanel } from "../ui/JobPanel";
import { useSubmit } from "../ui/submit";
import { useResource } from "../ui/useResource";

export function ExportPage({ projectId }: { projectId: number }) {
  const project = useResource(() => api.get<Project>(urls.project(projectId)), [projectId]);
  const formats = useResource(() => api.get<ExportFormats>(urls.exportFormats()).then((answer) => answer.formats), []);
  const batches = useResource(() => api.get<Page<Batch>>(urls.projectBatches(projectId, { limit: 1000 })).then(items), [projectId]);
  const exports = useResource(() => api.get<Page<Job>>(urls.projectJobs(projectId, { kind: "export", limit: 20 })).then(items), [projectId]);
  const [format, setFormat] = useState("");
  const [frames, setFrames] = useState("all");
  const [jobId, setJobId] = useState<number | null>(null);
  const [error, setError] = useState<Error | null>(null);
  // Nothing is chosen until the user picks a format: an export in a format nobody asked for wastes a job.
  const chosen = format;
  const [start, starting] = useSubmit(() => {
    setError(null);
    return api.post<Job>(urls.projectExports(projectId), { format: chosen, frames, options: {} }).then((j) => setJobId(j.id), setError);
  });
  return html`<section class="page export-page">
    <div class="crumbs"><a href="/app/">Projects</a> › <a href=${`/app/projects/${projectId}`} class="ellipsis">${project.data?.name ?? projectId}</a> › Export</div>
    <h1>Export a dataset</h1>
    <div class="panel">
      <${ErrorMessage} error=${formats.error} what="Formats" />
      <div class="inline-form">
        <label>Format <select value=${chosen} onChange=${(e: any) => setFormat(e.target.value)} aria-label="Format">
          <option value="">Choose a format…</option>
          ${formats.data?.map((f) => html`<option value=${f.name} title=${f.description}>${f.name}</option>`)}</select></label>
        <label>Frames <select value=${frames} onChange=${(e: any) => setFrames(e.target.value)} aria-label="Frames">
          <option value="all">all frames</option><option value="accepted">accepted frames</option>
          <option value="status:pending">pending frames</option>
          ${batches.data?.map((b) => html`<option value=${`batch:${b.id}`}>batch ${b.name}</option>`)}</select></label>
        <button onClick=${() => start()} disabled=${!chosen || starting}>Export</button>
      </div>
      ${chosen ? null : html`<div class="muted small-text">Choose a format to export.</div>`}
      <dl class="format-descriptions">${formats.data?.map((f) => html`<div class=${f.name === chosen ? "chosen" : ""} data-format=${f.name}>
        <dt>${f.name}</dt><dd>${f.description}</dd></div>`)}</dl>
      <${ErrorMessage} error=${error} what="Export" />
      <${JobPanel} jobId=${jobId} title="Export" onEnd=${exports.reload}>
        ${(job: Job) => job.status === "succeeded" && job.artifact_url
          ? html`<a class="button download" href=${job.artifact_url} download>Download</a>` : null}
      <//>
    </div>
    <div class="panel">
      <h2>Earlier exports</h2>
      <${ErrorMessage} error=${exports.error} what="Exports" />
      ${exports.data?.length === 0 ? html`<${Empty}>None yet.<//>` : null}
      <table class="table"><tbody>${exports.data?.map((j) => html`<tr>
        <td>#${j.id}</td><td class="ellipsis">${String((j.params as any)?.format ?? "")}</td>
        <td><span class=${`badge status-${j.status}`}>${j.status}</span></td>
        <td>${j.artifact_url ? html`<a href=${j.artifact_url} download>download</a>` : j.error ? html`<span class="error-text">${j.error}</span>` : ""}</td>
      </tr>`)}</tbody></table>
    </div>
  </section>`;
}
