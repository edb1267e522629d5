import { describe, expect, it } from "vitest";
import type { AlRound } from "../api/types";
import { roundFacts } from "./DashboardPage";

const round = (metrics: Record<string, number>): AlRound =>
  ({ id: 1, method: "coreset", reason: "", redundancy: 0.82, model_version: 3, metrics, picks: [],
    job: null, requested_method: "auto", batch_size: 10, created_at: "2026-01-01T00:00:00Z" });

describe("roundFacts", () => {
  it("says a round's figures in plain words and leaves bookkeeping out", () => {
    const facts = roundFacts(round({ labelled_frames: 12, train_miou: 0.41234, sequence_share: 1, redundancy_threshold: 0.5 }));
    expect(facts).toEqual([
      "82% of frames look alike",
      "scoring model version 3",
      "labelled frames 12",
      "model accuracy on the labelled frames (mean IoU) 0.412",
    ]);
    expect(facts.join(" ")).not.toMatch(/_|threshold|sequence/);
  });
});
