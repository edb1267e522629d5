import { describe, expect, it } from "vitest";
import { fitSummary } from "./fitSummary";

describe("fitSummary", () => {
  it("says the residual in millimetres, then overlap, seen fraction and inliers", () => {
    expect(fitSummary({ rmse: 0.00084, overlap: 0.97, seen_fraction: 0.843, inlier_fraction: 0.93 }))
      .toBe("Residual (RMSE) 0.8 mm · overlap 97% · seen 84% · inliers 93%");
  });

  it("leaves out what an older fit lacks, and says nothing without a residual", () => {
    expect(fitSummary({ rmse: 0.002, inlier_fraction: 0.9 })).toBe("Residual (RMSE) 2.0 mm · inliers 90%");
    expect(fitSummary({})).toBeNull();
    expect(fitSummary(null)).toBeNull();
  });
});
