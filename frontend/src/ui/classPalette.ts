/**
 * A distinct colour per label class: 20 colours that stay apart from each other (Sasha Trubetskoy's
 * list), indexed by the class id, unless the project set the class its own colour. The server colours
 * the instance overlay from the same list (annotate/overlays.py: CLASS_PALETTE, kept equal by a test).
 */

export const CLASS_PALETTE = [
  "#e6194b", "#3cb44b", "#ffe119", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6", "#bcf60c", "#fabebe",
  "#008080", "#e6beff", "#9a6324", "#fffac8", "#800000", "#aaffc3", "#808000", "#ffd8b1", "#000075", "#808080",
] as const;

/** The colour a new class gets when nobody picks one (LabelClass.color's default): it means "not set". */
export const UNSET_CLASS_COLOR = "#e6194b";

/** The colour of class `classId` (1 and up): the project's own choice, else the palette's entry. */
export function classColor(classId: number, projectColor?: string | null): string {
  if (projectColor && /^#[0-9a-f]{6}$/i.test(projectColor) && projectColor.toLowerCase() !== UNSET_CLASS_COLOR) return projectColor;
  const n = CLASS_PALETTE.length;
  return CLASS_PALETTE[(((Math.trunc(classId) - 1) % n) + n) % n];
}
