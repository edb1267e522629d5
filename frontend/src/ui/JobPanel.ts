/** A job's progress bar, status and message, its error, and a cancel button while it runs (for whoever may cancel it). */
import { useContext, useState } from "preact/hooks";
import { api } from "../api/client";
import { isFinished, useJob } from "../api/jobs";
import { MeContext, mayCancel } from "../api/roles";
import type { Job } from "../api/types";
import { urls } from "../api/urls";
import { ErrorMessage, ProgressBar } from "./feedback";
import { html } from "./html";
import { jobTiming } from "./jobTiming";

interface Props {
  jobId: number | null;
  title: string;
  onEnd?: (job: Job) => void;
  children?: (job: Job) => unknown;
}

export function JobPanel({ jobId, title, onEnd, children }: Props) {
  const { job, error } = useJob(jobId, onEnd);
  const [cancelError, setCancelError] = useState<Error | null>(null);
  const me = useContext(MeContext);
  if (jobId === null) return null;
  const cancel = () => api.post(urls.jobCancel(jobId)).catch(setCancelError);
  return html`<div class="job" data-job-status=${job?.status ?? "loading"}>
    <div class="job-head">
      <strong class="ellipsis">${title}</strong>
      <span class=${`badge status-${job?.status ?? "queued"}`}>${job?.status ?? "…"}</span>
      ${job && !isFinished(job) && mayCancel(me, job) ? html`<button class="small" onClick=${cancel}>Cancel</button>` : null}
    </div>
    <${ProgressBar} fraction=${job?.progress ?? 0} label=${job?.message || undefined} />
    ${job && jobTiming(job) ? html`<div class="muted small-text job-timing">${jobTiming(job)}</div>` : null}
    ${job?.status === "failed" ? html`<${ErrorMessage} error=${job.error || "The job failed."} what="Job failed" />` : null}
    <${ErrorMessage} error=${error} what="Job status" />
    <${ErrorMessage} error=${cancelError} what="Cancel" />
    ${job && children ? children(job) : null}
  </div>`;
}
