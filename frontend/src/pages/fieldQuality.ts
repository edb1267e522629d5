/** How the app shows a trained field's quality verdict (good / usable / poor) and the figures behind it. */
import type { FieldQuality } from "../api/types";

/** "held-out PSNR 26.9 dB · depth disagreement 0.6% · crisp 87%", leaving out what was not measured. */
export function qualitySummary(quality: FieldQuality | null | undefined): string | null {
  if (!quality || !quality.verdict) return null;
  const parts: string[] = [];
  if (typeof quality.held_out_psnr === "number") parts.push(`held-out PSNR ${quality.held_out_psnr.toFixed(1)} dB`);
  if (typeof quality.depth_disagreement === "number") parts.push(`depth disagreement ${(100 * quality.depth_disagreement).toFixed(1)}%`);
  if (typeof quality.crisp_fraction === "number") parts.push(`crisp ${(100 * quality.crisp_fraction).toFixed(0)}%`);
  return parts.join(" · ");
}

/** The badge text and class of a verdict; fields trained before verdicts existed are "not assessed". */
export function verdictBadge(verdict: string | null | undefined): { text: string; className: string } {
  if (!verdict) return { text: "field not assessed", className: "badge verdict verdict-none" };
  return { text: `field ${verdict}`, className: `badge verdict verdict-${verdict}` };
}
