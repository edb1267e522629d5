/** How the app shows a label confidence (0..1, null before labels are rendered), and when it calls one low. */

export const LOW_CONFIDENCE = 0.5;

export function confidenceText(value: number | null | undefined): string {
  return value === null || value === undefined ? "–" : value.toFixed(2);
}

/** The badge class: low, fine, or none (no labels yet). */
export function confidenceClass(value: number | null | undefined): string {
  if (value === null || value === undefined) return "confidence confidence-none";
  return value < LOW_CONFIDENCE ? "confidence confidence-low" : "confidence confidence-ok";
}
