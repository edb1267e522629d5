import { describe, expect, it } from "vitest";
import type { AlRound } from "../api/types";
import { methodsFor, roundFacts } from "./DashboardPage";

const round = (metrics: Record<string, number>): AlRound =>
  ({ id: 1, method: "coreset", reason: "", redundancy: 0.82, model_version: 3, metrics, picks: [],
    job: null, requested_method: "auto", batch_size: 10, created_at: "2026-01-01T00:00:00Z", scoring_model: "segmentation" });

describe("roundFacts", () => {
  it("says a round's figures in plain words and leaves bookkeeping out", () => {
    const facts = roundFacts(round({ labelled_frames: 12, train_miou: 0.41234, sequence_share: 1, redundancy_threshold: 0.5 }));
    expect(facts).toEqual([
      "82% of frames look alike",
      "ranked by the segmentation model version 3",
      "labelled frames 12",
      "model accuracy on the labelled frames (mean IoU) 0.412",
    ]);
    expect(facts.join(" ")).not.toMatch(/_|threshold|sequence/);
  });
});

describe("a detection round", () => {
  it("names the 3D detector, its size and what it learnt from", () => {
    const metrics = { labelled_frames: 4, labelled_boxes: 9, detector_size: "small", final_loss: 1.23456, train_seconds: 12 };
    const facts = roundFacts({ ...round({}), redundancy: null, model_version: 2, scoring_model: "detection3d",
      metrics: metrics as unknown as Record<string, number> });
    expect(facts).toEqual([
      "ranked by the 3D detector (small) version 2",
      "labelled frames 4",
      "labelled boxes 9",
      "final training loss 1.235",
      "training seconds 12",
    ]);
  });

  it("says when no model was trained yet", () => {
    expect(roundFacts({ ...round({}), model_version: null, scoring_model: "detection3d", metrics: {} }))
      .toContain("ranked by the 3D detector, untrained");
  });
});

describe("methodsFor", () => {
  it("offers only the methods that can rank with the chosen scoring model", () => {
    const methods = [
      { name: "auto", scoring_models: ["segmentation", "detection3d"] },
      { name: "coreset", scoring_models: ["segmentation"] },
      { name: "detection_entropy", scoring_models: ["detection3d"] },
    ].map((m) => ({ ...m, label: m.name, description: "", needs_trained_model: false }));
    expect(methodsFor(methods, "detection3d").map((m) => m.name)).toEqual(["auto", "detection_entropy"]);
    expect(methodsFor(methods, "segmentation").map((m) => m.name)).toEqual(["auto", "coreset"]);
  });
});
