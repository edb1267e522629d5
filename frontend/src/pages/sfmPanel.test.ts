import { describe, expect, it } from "vitest";
import type { Capture, Field, SceneObject } from "../api/types";
import { urls } from "../api/urls";
import { keptFrames, scaleRequest } from "./SfmPanel";
import { pointSource } from "./useScenePoints";

const boxes = [{ id: 4, center: [0, 0, 0] }, { id: 9, center: [0.5, 0, 0] }] as SceneObject[];
const sfmCapture = { id: 3, units: "arbitrary", metadata: { sfm: { sparse_points: "captures/1/3/sparse_points.npz" } } } as unknown as Capture;

describe("a capture posed by structure-from-motion", () => {
  it("scales by a side of the selected box or between two boxes' centres, and says what is missing", () => {
    expect(scaleRequest({ kind: "side", objectId: 4, axis: "y" }, boxes, 0.3)).toEqual({ object_id: 4, axis: "y", metres: 0.3 });
    expect(scaleRequest({ kind: "between", a: 4, b: 9 }, boxes, 2)).toEqual({ point_a: [0, 0, 0], point_b: [0.5, 0, 0], metres: 2 });
    expect(scaleRequest({ kind: "side", objectId: null, axis: "x" }, boxes, 1)).toBe("Select the box whose real size you know.");
    expect(scaleRequest({ kind: "between", a: 4, b: 4 }, boxes, 1)).toBe("Choose two different boxes.");
    expect(scaleRequest({ kind: "side", objectId: 4, axis: "x" }, boxes, Number(""))).toBe("Enter the real length in metres.");
  });

  it("shows SfM's sparse points until a field is trained, then the field's preview", () => {
    expect(pointSource(sfmCapture, undefined)).toBeNull(); // the fields have not answered yet
    expect(pointSource(sfmCapture, [])?.url).toBe(urls.captureSparsePoints(3));
    const field = { id: 8, preset: "fast", preview_url: "/api/fields/8/preview/" } as Field;
    expect(pointSource(sfmCapture, [field])?.url).toBe("/api/fields/8/preview/");
    expect(pointSource({ ...sfmCapture, metadata: {} }, [])).toBeNull();
  });

  it("shows the sparse points again when the newest field predates the scale, reloaded at each new scale", () => {
    const field = { id: 8, preset: "fast", preview_url: "/api/fields/8/preview/" } as Field;
    const scaled = (setAt: string) => ({
      ...sfmCapture, units: "metric",
      metadata: { ...sfmCapture.metadata, scale: { factor: 4, metres: 2, set_by: "m", set_at: setAt, stale_fields: [8] } },
    }) as Capture;
    const first = pointSource(scaled("2026-11-30T03:00:00Z"), [field]);
    expect(first?.url).toBe(urls.captureSparsePoints(3));
    expect(first?.describe(10)).toContain("field 8 was trained before the scale was set");
    expect(pointSource(scaled("2026-11-30T04:00:00Z"), [field])?.key).not.toBe(first?.key); // scaled twice: metric both times
    const retrained = { ...field, id: 9, preview_url: "/api/fields/9/preview/" } as Field;
    expect(pointSource(scaled("2026-11-30T03:00:00Z"), [retrained, field])?.url).toBe("/api/fields/9/preview/");
  });
});

describe("the frames kept from a video", () => {
  it("says how many were dropped only when some were", () => {
    expect(keptFrames(24, 24, 0)).toBe("Kept 24 of 24 video frames: the sharpest of each stretch.");
    expect(keptFrames(40, 120, 1)).toBe("Kept 40 of 120 video frames: the sharpest of each stretch (1 more was blurry or added no viewpoint).");
    expect(keptFrames(40, 120, 3)).toContain("(3 more were blurry or added no viewpoint)");
  });
});
