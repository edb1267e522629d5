/** The 2D boxes of a frame's objects over the photo, each in its class colour, with class and visible share. */
import type { ObjectLabel } from "../api/types";
import { html } from "../ui/html";

interface Props {
  width: number;
  height: number;
  objects: ObjectLabel[];
  hidden: Set<number>;
  colorOf: (classId: number) => string;
}

export function BoxesOverlay({ width, height, objects, hidden, colorOf }: Props) {
  // The SVG is in image pixels and stretched to the panel: size the text to the image, not to the screen.
  const fontSize = Math.max(width, height) / 40;
  return html`<svg class="overlay boxes" viewBox=${`0 0 ${width} ${height}`} preserveAspectRatio="none">
    ${objects.filter((o) => o.modal_box && !hidden.has(o.instance_id)).map((o) => {
      const [x0, y0, x1, y1] = o.modal_box!;
      const color = colorOf(o.class_id);
      return html`<g data-instance=${o.instance_id}><rect x=${x0} y=${y0} width=${x1 - x0} height=${y1 - y0} class="box2d" style=${{ stroke: color }} />
        <text x=${x0 + fontSize * 0.2} y=${Math.max(y0 - fontSize * 0.3, fontSize)} class="box-label" font-size=${fontSize}
          style=${{ fill: color }}>${o.class_name} ${(o.visible_fraction * 100).toFixed(0)}%</text></g>`;
    })}
  </svg>`;
}
