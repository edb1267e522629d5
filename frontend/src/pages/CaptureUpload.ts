/** Upload a capture (a zip, or a video): the bytes' progress (XHR), then the ingest job's progress. */
import { useState } from "preact/hooks";
import { uploadWithProgress } from "../api/client";
import type { Capture, Job } from "../api/types";
import { urls } from "../api/urls";
import { ErrorMessage, ProgressBar } from "../ui/feedback";
import { html } from "../ui/html";
import { JobPanel } from "../ui/JobPanel";
import { useSubmit } from "../ui/submit";

/** What the file picker offers: the server's zip and video suffixes (nerf_labeling.capture.video.VIDEO_SUFFIXES). */
export const UPLOAD_ACCEPT = ".zip,application/zip,.mp4,.mov,.m4v,.webm,.mkv,video/mp4,video/quicktime,video/webm";

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
    form.append("name", name || file.name.replace(/\.[a-z0-9]+$/i, ""));
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
    <p class="muted">A zip with transforms.json (nerfstudio / instant-ngp) or a COLMAP model, and the images; or
      without poses, a zip of photos or a video (.mp4, .mov, .webm): structure-from-motion places them.</p>
    <div class="inline-form">
      <input type="file" name="file" accept=${UPLOAD_ACCEPT} required aria-label="Capture archive (.zip) or video"
        onChange=${(e: any) => setFile(e.target.files?.[0] ?? null)} />
      <input placeholder="Name (optional)" aria-label="Capture name (optional)" value=${name} onInput=${(e: any) => setName(e.target.value)} maxlength="200" />
      <button type="submit" disabled=${!file || uploading}>Upload</button>
    </div>
    ${sent !== null ? html`<div class="upload-progress"><${ProgressBar} fraction=${sent} label="Upload" /></div>` : null}
    <${ErrorMessage} error=${error} what="Upload" />
    <${JobPanel} jobId=${jobId} title="Ingest" onEnd=${onChange} />
  </form>`;
}
