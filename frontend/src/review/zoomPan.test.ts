import { describe, expect, it } from "vitest";
import { clampView, FIT, MAX_SCALE, panBy, viewTransform, zoomAt } from "./zoomPan";

describe("frame viewer zoom and pan", () => {
  it("keeps the frame point under the pointer in place", () => {
    const view = zoomAt(FIT, 2, 0.25, 0.75);
    expect(view).toEqual({ scale: 2, x: -0.25, y: -0.75 });
    // the point at stage (0.25, 0.75) is still frame point (0.25, 0.75)
    expect((0.25 - view.x) / view.scale).toBeCloseTo(0.25);
    expect((0.75 - view.y) / view.scale).toBeCloseTo(0.75);
  });

  it("never zooms out past fit or in past the maximum, never pans past an edge", () => {
    expect(zoomAt(FIT, 0.5)).toEqual(FIT);
    expect(zoomAt({ scale: 6, x: 0, y: 0 }, 4).scale).toBe(MAX_SCALE);
    expect(panBy({ scale: 2, x: -0.5, y: -0.5 }, 1, -1)).toEqual({ scale: 2, x: 0, y: -1 });
    expect(panBy(FIT, 0.3, 0.3)).toEqual(FIT);
    expect(clampView({ scale: 2, x: -3, y: 0.2 })).toEqual({ scale: 2, x: -1, y: 0 });
  });

  it("zooming back out returns to the fitted frame", () => {
    const zoomed = zoomAt(zoomAt(FIT, 1.25, 0.9, 0.1), 1.25, 0.2, 0.6);
    expect(zoomAt(zoomAt(zoomed, 0.8), 0.8)).toEqual(FIT);
  });

  it("writes the view as a CSS transform in stage percentages", () => {
    expect(viewTransform({ scale: 2, x: -0.25, y: -0.5 })).toBe("translate(-25.0000%, -50.0000%) scale(2.0000)");
  });
});
