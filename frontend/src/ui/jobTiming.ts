/**
 * Elapsed time and the estimate of the time left, from a running job's `result.elapsed_s` and
 * `result.eta_s` (seconds; written by jobs that report them, e.g. training: see docs/API.md).
 */
import type { Job } from "../api/types";

/** "45 s", "3 min 05 s", "1 h 02 min": short enough for a progress bar's line. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes} min ${String(total % 60).padStart(2, "0")} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

/** "3 min 05 s elapsed · about 1 min 30 s left", or null for a job that reports no timing. */
export function jobTiming(job: Pick<Job, "status" | "result">): string | null {
  const elapsed = job.result?.elapsed_s;
  if (typeof elapsed !== "number") return null;
  const parts = [`${formatDuration(elapsed)} elapsed`];
  const left = job.result?.eta_s;
  if (job.status === "running" && typeof left === "number") parts.push(`about ${formatDuration(left)} left`);
  return parts.join(" · ");
}
