import { describe, expect, it } from "vitest";
import { qualitySummary, verdictBadge } from "./fieldQuality";

describe("qualitySummary", () => {
  it("gives held-out PSNR, depth disagreement and the crisp share", () => {
    expect(qualitySummary({ verdict: "good", reasons: [], held_out_psnr: 26.91, depth_disagreement: 0.0061, crisp_fraction: 0.874, frames: [] }))
      .toBe("held-out PSNR 26.9 dB · depth disagreement 0.6% · crisp 87%");
  });

  it("leaves out what was not measured, and says nothing for a field never assessed", () => {
    expect(qualitySummary({ verdict: "usable", reasons: [], held_out_psnr: null, depth_disagreement: 0.02, crisp_fraction: 0.5, frames: [] }))
      .toBe("depth disagreement 2.0% · crisp 50%");
    expect(qualitySummary({} as any)).toBeNull();
    expect(qualitySummary(null)).toBeNull();
  });
});

describe("verdictBadge", () => {
  it("names the verdict, and a field trained before verdicts as not assessed", () => {
    expect(verdictBadge("poor")).toEqual({ text: "field poor", className: "badge verdict verdict-poor" });
    expect(verdictBadge("")).toEqual({ text: "field not assessed", className: "badge verdict verdict-none" });
  });
});
