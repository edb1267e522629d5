/** One line saying how well a refined mesh fits the field: residual, overlap and how much of it the cameras saw. */

/** A refinement's measures, as the refine job's result and the object's `fit` carry them. */
export interface FitMeasures {
  rmse?: number;
  inlier_fraction?: number;
  overlap?: number;
  seen_fraction?: number;
  /** metres the field's surface lies outside (+) or inside (-) the mesh, corrected for in the fit */
  surface_offset?: number;
}

const percent = (value: number) => `${(100 * value).toFixed(0)}%`;

/** "Residual (RMSE) 0.8 mm · overlap 97% · seen 84% · inliers 93% · field surface 3.9 mm inside the mesh, allowed
 * for", leaving out what a fit lacks
 * (fits saved before the overlap and seen fraction were measured have only the residual and inliers). */
export function fitSummary(fit: FitMeasures | null | undefined): string | null {
  if (!fit || typeof fit.rmse !== "number") return null;
  const parts = [`Residual (RMSE) ${(1000 * fit.rmse).toFixed(1)} mm`];
  if (typeof fit.overlap === "number") parts.push(`overlap ${percent(fit.overlap)}`);
  if (typeof fit.seen_fraction === "number") parts.push(`seen ${percent(fit.seen_fraction)}`);
  if (typeof fit.inlier_fraction === "number") parts.push(`inliers ${percent(fit.inlier_fraction)}`);
  if (typeof fit.surface_offset === "number" && Math.abs(fit.surface_offset) >= 0.00005) {
    const side = fit.surface_offset < 0 ? "inside" : "outside";
    parts.push(`field surface ${(1000 * Math.abs(fit.surface_offset)).toFixed(1)} mm ${side} the mesh, allowed for`);
  }
  return parts.join(" · ");
}
