import { describe, expect, it } from "vitest";
import type { Job } from "../api/types";
import { activeJobs, jobTitle } from "./ActiveJobs";

const job = (id: number, kind: string, status: string, target?: string) =>
  ({ id, kind, status, target, progress: 0, message: "", error: "", result: null, artifact_url: null }) as unknown as Job & {
    target?: string;
  };

describe("the project's jobs in progress", () => {
  it("lists queued and running jobs of every kind, oldest first, and no ended ones", () => {
    const jobs = [
      job(9, "export", "running"),
      job(8, "al_round", "queued"),
      job(7, "render", "succeeded"),
      job(6, "refine", "failed"),
      job(5, "train", "running"),
      job(4, "ingest", "queued"),
      job(3, "ingest", "cancelled"),
    ];
    expect(activeJobs(jobs).map((j) => [j.id, j.kind])).toEqual([
      [4, "ingest"],
      [5, "train"],
      [8, "al_round"],
      [9, "export"],
    ]);
  });

  it("names each job by what it does and what it works on", () => {
    expect(jobTitle(job(5, "train", "running", "capture:3"))).toBe("Training · capture:3");
    expect(jobTitle(job(8, "al_round", "queued", "project:1"))).toBe("Active-learning round · project:1");
    expect(jobTitle(job(2, "something_new", "queued"))).toBe("something_new · job 2");
  });
});
