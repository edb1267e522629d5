/**
 * Every queued or running job of a project, with a cancel button where the user may cancel it (their
 * own jobs; a manager, any: `mayCancel` in api/roles.ts). The panels beside each action
 * follow only the job started from that page; this list also shows jobs started elsewhere, or before
 * the page was opened, so any job of any kind can be stopped.
 */
import { useContext, useEffect, useState } from "preact/hooks";
import { api, items, type Page } from "../api/client";
import { isFinished } from "../api/jobs";
import { MeContext, mayCancel } from "../api/roles";
import type { Job } from "../api/types";
import { urls } from "../api/urls";
import { ErrorMessage, ProgressBar } from "./feedback";
import { html } from "./html";
import { jobTiming } from "./jobTiming";

export const ACTIVE_JOBS_POLL_MS = 3000;

const KIND_TITLES: Record<string, string> = {
  ingest: "Ingest",
  train: "Training",
  render: "Label rendering",
  refine: "Refine",
  al_round: "Active-learning round",
  export: "Export",
};

/** The jobs still queued or running, oldest first (the order they were started in). */
export function activeJobs<T extends Job>(jobs: T[]): T[] {
  return jobs.filter((job) => !isFinished(job)).sort((a, b) => a.id - b.id);
}

/** "Training · capture:3": what the job does and what it works on. */
export function jobTitle(job: Job): string {
  return `${KIND_TITLES[job.kind] ?? job.kind} · ${job.target ?? `job ${job.id}`}`;
}

export function ActiveJobs({ projectId }: { projectId: number }) {
  const [jobs, setJobs] = useState<Job[]>([]);
  const [error, setError] = useState<Error | null>(null);
  const [cancelError, setCancelError] = useState<Error | null>(null);
  const [generation, setGeneration] = useState(0);
  const me = useContext(MeContext);
  useEffect(() => {
    let timer = 0;
    let stopped = false;
    const poll = async () => {
      try {
        const page = await api.get<Page<Job>>(urls.projectJobs(projectId, { limit: 100 }));
        if (stopped) return;
        setJobs(activeJobs(items(page)));
        setError(null);
      } catch (reason) {
        if (stopped) return;
        setError(reason as Error);
      }
      timer = window.setTimeout(poll, ACTIVE_JOBS_POLL_MS);
    };
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [projectId, generation]);
  const cancel = (job: Job) =>
    api.post(urls.jobCancel(job.id)).then(() => {
      setCancelError(null);
      setGeneration((value) => value + 1);
    }, setCancelError);
  if (!jobs.length && !error && !cancelError) return null;
  return html`<div class="panel active-jobs">
    <h2>Jobs in progress</h2>
    <${ErrorMessage} error=${error} what="Jobs" />
    <${ErrorMessage} error=${cancelError} what="Cancel" />
    ${jobs.map((job) => html`<div class="job" data-job=${job.id} data-job-status=${job.status}>
      <div class="job-head">
        <strong class="ellipsis" title=${jobTitle(job)}>${jobTitle(job)}</strong>
        <span class=${`badge status-${job.status}`}>${job.status}</span>
        ${mayCancel(me, job) ? html`<button class="small" onClick=${() => cancel(job)}>Cancel</button>` : null}
      </div>
      <${ProgressBar} fraction=${job.progress} label=${job.message || undefined} />
      ${jobTiming(job) ? html`<div class="muted small-text job-timing">${jobTiming(job)}</div>` : null}
    </div>`)}
  </div>`;
}
