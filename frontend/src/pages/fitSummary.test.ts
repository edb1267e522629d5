import { describe, expect, it } from "vitest";
import { fitSummary } from "./fitSummary";

describe("fitSummary", () => {
  it("says the residual in millimetres, then overlap, seen fraction and inliers", () => {
    expect(fitSummary({ rmse: 0.00084, overlap: 0.97, seen_fraction: 0.843, inlier_fraction: 0.93 }))
      .toBe("Residual (RMSE) 0.8 mm · overlap 97% · seen 84% · inliers 93%");
  });

  it("says how far the field's surface lies from the mesh when the fit allowed for it", () => {
    expect(fitSummary({ rmse: 0.0043, overlap: 0.95, surface_offset: -0.0039 }))
      .toBe("Residual (RMSE) 4.3 mm · overlap 95% · field surface 3.9 mm inside the mesh, allowed for");
    expect(fitSummary({ rmse: 0.0005, surface_offset: 0.00001 })).toBe("Residual (RMSE) 0.5 mm");
  });

  it("leaves out what an older fit lacks, and says nothing without a residual", () => {
    expect(fitSummary({ rmse: 0.002, inlier_fraction: 0.9 })).toBe("Residual (RMSE) 2.0 mm · inliers 90%");
    expect(fitSummary({})).toBeNull();
    expect(fitSummary(null)).toBeNull();
  });
});
