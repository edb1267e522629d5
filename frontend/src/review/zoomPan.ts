/**
 * Zoom and pan of the frame viewer as plain numbers: `scale` (1 = the whole frame fits) and the offset
 * `x`, `y` of the frame's top-left corner in fractions of the stage, so a resize keeps the same view.
 * The frame always covers the stage: no zooming out past fit, no panning past an edge.
 */

export interface View {
  scale: number;
  x: number;
  y: number;
}

export const FIT: View = { scale: 1, x: 0, y: 0 };
export const MAX_SCALE = 8;
/** One key press or wheel notch zooms by this factor. */
export const ZOOM_STEP = 1.25;

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** `view` with the offset kept where the frame still covers the stage. */
export function clampView(view: View): View {
  const scale = clamp(view.scale, 1, MAX_SCALE);
  return { scale, x: clamp(view.x, 1 - scale, 0), y: clamp(view.y, 1 - scale, 0) };
}

/** Zoom by `factor` keeping the frame point under (`fx`, `fy`) (stage fractions, 0–1) where it is. */
export function zoomAt(view: View, factor: number, fx = 0.5, fy = 0.5): View {
  const scale = clamp(view.scale * factor, 1, MAX_SCALE);
  const ratio = scale / view.scale;
  return clampView({ scale, x: fx - (fx - view.x) * ratio, y: fy - (fy - view.y) * ratio });
}

/** Move the frame by (`dx`, `dy`) stage fractions. */
export function panBy(view: View, dx: number, dy: number): View {
  return clampView({ scale: view.scale, x: view.x + dx, y: view.y + dy });
}

/** The CSS transform for the stage's content (transform-origin at the top-left corner). */
export function viewTransform(view: View): string {
  return `translate(${(view.x * 100).toFixed(4)}%, ${(view.y * 100).toFixed(4)}%) scale(${view.scale.toFixed(4)})`;
}
