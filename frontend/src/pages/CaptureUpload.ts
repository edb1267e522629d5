/** Upload a capture zip: the bytes' progress (XHR), then the ingest job's progress. */
import { useState } from "preact/hooks";
import { uploadWithProgress } from "../api/client";
import type { Capture, Job } from "../api/types";
import { urls } from "../api/urls";
import { ErrorMessage, ProgressBar } from "../ui/feedback";
import { html } from "../ui/html";
import { JobPanel } from "../ui/JobPanel";
import { useSubmit } from "../ui/submit";

export function CaptureUpload({ projectId, onChange }: { projectId: number; onChange: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState("");
  const [sent, setSent] = useState<number | null>(null);
  const [jobId, setJobId] = useState<number | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [upload, uploading] = useSubmit(async () => {
    if (!file) return;
    const form = new FormData();
    form.append("file", file);
    form.append("name", name || file.name.replace(/\.zip$/i, ""));
    setError(null);
    setJobId(null);
    setSent(0);
    try {
      const answer = await uploadWithProgress<{ capture: Capture; job: Job }>(
        urls.projectCaptures(projectId), form, setSent);
      setJobId(answer.job.id);
      onChange();
    } catch (reason) {
      setError(reason as Error);
    }
  });
  const submit = (event: Event) => {
    event.preventDefault();
    upload();
  };
  return html`<form class="panel upload" onSubmit=${submit}>
    <h2>Upload a capture</h2>
    <p class="muted">A zip with transforms.json (nerfstudio / instant-ngp) or a COLMAP model, and the images.</p>
    <div class="inline-form">
      <input type="file" name="file" accept=".zip,application/zip" required aria-label="Capture archive (.zip)"
        onChange=${(e: any) => setFile(e.target.files?.[0] ?? null)} />
      <input placeholder="Name (optional)" aria-label="Capture name (optional)" value=${name} onInput=${(e: any) => setName(e.target.value)} maxlength="200" />
      <button type="submit" disabled=${!file || uploading}>Upload</button>
    </div>
    ${sent !== null ? html`<div class="upload-progress"><${ProgressBar} fraction=${sent} label="Upload" /></div>` : null}
    <${ErrorMessage} error=${error} what="Upload" />
    <${JobPanel} jobId=${jobId} title="Ingest" onEnd=${onChange} />
  </form>`;
}
