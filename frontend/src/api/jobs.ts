/** Follow a job: poll GET /api/jobs/<id>/ until it ends. */
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "./client";
import type { Job } from "./types";
import { urls } from "./urls";

export const POLL_MS = 700;

export function isFinished(job: Job | null | undefined): boolean {
  return !!job && !["queued", "running"].includes(job.status);
}

export function useJob(jobId: number | null, onEnd?: (job: Job) => void): { job: Job | null; error: Error | null } {
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const ended = useRef(onEnd);
  ended.current = onEnd;
  useEffect(() => {
    setJob(null);
    setError(null);
    if (jobId === null) return;
    let timer = 0;
    let stopped = false;
    const poll = async () => {
      try {
        const next = await api.get<Job>(urls.job(jobId));
        if (stopped) return;
        setJob(next);
        setError(null);
        if (isFinished(next)) {
          ended.current?.(next);
          return;
        }
      } catch (reason) {
        if (stopped) return;
        setError(reason as Error);
      }
      timer = window.setTimeout(poll, POLL_MS);
    };
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [jobId]);
  return { job, error };
}
