import { describe, expect, it } from "vitest";
import type { Job } from "../api/types";
import { formatDuration, jobTiming } from "./jobTiming";

const job = (status: string, result: Record<string, unknown> | null) => ({ status, result }) as Pick<Job, "status" | "result">;

describe("a job's elapsed time and time left", () => {
  it("writes durations in seconds, minutes or hours", () => {
    expect(formatDuration(0)).toBe("0 s");
    expect(formatDuration(44.6)).toBe("45 s");
    expect(formatDuration(185)).toBe("3 min 05 s");
    expect(formatDuration(3720)).toBe("1 h 02 min");
  });

  it("shows elapsed time and the estimate while the job runs", () => {
    expect(jobTiming(job("running", { elapsed_s: 65.2, eta_s: 130 }))).toBe("1 min 05 s elapsed · about 2 min 10 s left");
  });

  it("shows only the elapsed time before an estimate exists and once the job has ended", () => {
    expect(jobTiming(job("running", { elapsed_s: 3, eta_s: null }))).toBe("3 s elapsed");
    expect(jobTiming(job("succeeded", { elapsed_s: 200, eta_s: 0 }))).toBe("3 min 20 s elapsed");
  });

  it("shows nothing for jobs that report no timing", () => {
    expect(jobTiming(job("running", null))).toBeNull();
    expect(jobTiming(job("running", { curve: [] }))).toBeNull();
  });
});
