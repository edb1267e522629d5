/** A small SVG line chart: one series of (x, y) points with axis extents; gaps where y is null; an optional
note (e.g. a count) written above each point. */
import { html } from "./html";

/** Three significant digits, without exponent noise for everyday magnitudes. */
function label(value: number): string {
  return Math.abs(value) >= 1000 || value === 0 ? String(Math.round(value)) : String(Number(value.toPrecision(3)));
}

interface Props {
  points: [number, number | null][];
  /** Text above each point, parallel to ``points``; empty strings draw nothing. */
  notes?: string[];
  xLabel: string;
  yLabel: string;
  /** Fixed y extent (e.g. [0, 1] for a score), widened if a value falls outside; else the values' own. */
  yRange?: [number, number];
  width?: number;
  height?: number;
}

export function LineChart({ points, notes, xLabel, yLabel, yRange, width = 360, height = 160 }: Props) {
  const noteOf = new Map(points.map((p, i) => [p, notes?.[i] ?? ""]));
  const valid = points.filter((p): p is [number, number] => p[1] !== null && Number.isFinite(p[1]));
  if (valid.length === 0) return html`<div class="muted chart-empty">No ${yLabel} values yet.</div>`;
  const pad = { left: 44, right: 10, top: notes ? 22 : 10, bottom: 28 };
  const xs = valid.map((p) => p[0]);
  const ys = valid.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const extent = yRange ? [...ys, ...yRange] : ys;
  let [y0, y1] = [Math.min(...extent), Math.max(...extent)];
  if (y0 === y1) {
    const pad = Math.abs(y0) * 0.1 || 1;
    [y0, y1] = [y0 - pad, y1 + pad];
  }
  const sx = (x: number) => pad.left + ((x - x0) / (x1 - x0 || 1)) * (width - pad.left - pad.right);
  const sy = (y: number) => height - pad.bottom - ((y - y0) / (y1 - y0)) * (height - pad.top - pad.bottom);
  const path = valid.map((p, i) => `${i ? "L" : "M"}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join("");
  return html`<figure class="chart-figure"><figcaption class="muted small-text">${yLabel} by ${xLabel}</figcaption>
  <svg class="chart" width=${width} height=${height} role="img" aria-label=${`${yLabel} by ${xLabel}`}>
    <line x1=${pad.left} y1=${height - pad.bottom} x2=${width - pad.right} y2=${height - pad.bottom} class="axis" />
    <line x1=${pad.left} y1=${pad.top} x2=${pad.left} y2=${height - pad.bottom} class="axis" />
    <text x=${pad.left - 4} y=${pad.top + 8} text-anchor="end">${label(y1)}</text>
    <text x=${pad.left - 4} y=${height - pad.bottom} text-anchor="end">${label(y0)}</text>
    <text x=${pad.left} y=${height - 8}>${x0}</text>
    ${x1 !== x0 ? html`<text x=${width - pad.right} y=${height - 8} text-anchor="end">${x1}</text>` : null}
    <text x=${(width + pad.left) / 2} y=${height - 8} text-anchor="middle">${xLabel}</text>
    <path d=${path} class="series" />
    ${valid.map((p) => html`<circle cx=${sx(p[0])} cy=${sy(p[1])} r="2.5" class="dot" data-x=${p[0]} data-y=${p[1]} />`)}
    ${valid.map((p, i) => noteOf.get(p) ? html`<text x=${sx(p[0])} y=${sy(p[1]) - 7} class="note"
      text-anchor=${i === 0 ? "start" : i === valid.length - 1 ? "end" : "middle"}>${noteOf.get(p)}</text>` : null)}
  </svg></figure>`;
}
