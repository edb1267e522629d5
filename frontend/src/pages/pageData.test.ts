import { describe, expect, it } from "vitest";
import { isManager, roleIn } from "../api/roles";
import type { AlRound, Job, Me } from "../api/types";
import { confidenceClass, confidenceText } from "../ui/confidence";
import { metricKeys, qualityPoints } from "./DashboardPage";
import { curvePoints } from "./TrainingPanel";

describe("what the pages read from API answers", () => {
  it("plots only model-quality figures of rounds, not their bookkeeping", () => {
    const rounds = [
      { metrics: { labelled_frames: 0, redundancy_threshold: 0.5, sequence_share: 1 } },
      { metrics: { labelled_frames: 3, train_miou: 0.41, sequence_share: 1 } },
    ] as unknown as AlRound[];
    expect(metricKeys(rounds)).toEqual(["train_miou"]);
  });

  it("shows a frame's label confidence, and a dash before its labels are rendered", () => {
    expect(confidenceText(0.4249)).toBe("0.42");
    expect(confidenceText(null)).toBe("–");
    expect(confidenceText(undefined)).toBe("–");
    expect(confidenceClass(0.49)).toContain("confidence-low");
    expect(confidenceClass(0.5)).toContain("confidence-ok");
    expect(confidenceClass(null)).toContain("confidence-none");
  });

  it("reads the user's role per project from /api/me/, and shows no manager controls before it answers", () => {
    const me = { id: 1, username: "a", projects: { "3": "annotator", "7": "manager" } } as Me;
    expect(roleIn(me, 3)).toBe("annotator");
    expect(isManager(me, 3)).toBe(false);
    expect(isManager(me, 7)).toBe(true);
    expect(roleIn(me, 9)).toBeNull();
    expect(isManager(undefined, 7)).toBe(false);
  });

  it("offers train_miou first and plots it per round with the labelled-frame count", () => {
    const rounds = [
      { metrics: { labelled_frames: 0 } },
      { metrics: { labelled_frames: 1, train_miou: 0.2, val_accuracy: 0.5 } },
      { metrics: null },
      { metrics: { labelled_frames: 3, train_miou: 0.41 } },
    ] as unknown as AlRound[];
    expect(metricKeys(rounds)).toEqual(["train_miou", "val_accuracy"]);
    expect(qualityPoints(rounds, "train_miou")).toEqual({
      points: [[1, null], [2, 0.2], [3, null], [4, 0.41]],
      notes: ["0 fr", "1 fr", "", "3 fr"],
    });
  });

  it("splits the training curve into loss and held-out PSNR series", () => {
    const job = { result: { curve: [[25, 0.03, null], [60, 0.01, 14.2]] } } as unknown as Job;
    expect(curvePoints(job, 1)).toEqual([[25, 0.03], [60, 0.01]]);
    expect(curvePoints(job, 2)).toEqual([[25, null], [60, 14.2]]);
  });
});
