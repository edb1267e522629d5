/** The frame's objects as a table: class (in its colour), visible and truncated share, confidence, and a
 * checkbox that shows or hides each object's box over the photo. */
import type { ObjectLabel } from "../api/types";
import { confidenceClass, confidenceText } from "../ui/confidence";
import { html } from "../ui/html";

interface Props {
  objects: ObjectLabel[];
  hidden: Set<number>;
  onHidden: (hidden: Set<number>) => void;
  colorOf: (classId: number) => string;
}

export function LabelsTable({ objects, hidden, onHidden, colorOf }: Props) {
  const toggle = (id: number, shown: boolean) => {
    const next = new Set(hidden);
    if (shown) next.delete(id);
    else next.add(id);
    onHidden(next);
  };
  return html`<table class="table labels-table">
    <thead><tr><th>show</th><th>#</th><th>class</th><th>visible</th><th>truncated</th><th>confidence</th></tr></thead>
    <tbody>${objects.map((o) => html`<tr data-instance=${o.instance_id} class=${hidden.has(o.instance_id) ? "muted" : ""}>
      <td><input type="checkbox" checked=${!hidden.has(o.instance_id)} aria-label=${`show object ${o.instance_id}`}
        onChange=${(e: any) => toggle(o.instance_id, e.target.checked)} /></td>
      <td>${o.instance_id}</td>
      <td class="ellipsis"><span class="swatch" style=${{ background: colorOf(o.class_id) }}></span> ${o.class_name}</td>
      <td>${(o.visible_fraction * 100).toFixed(0)}%</td><td>${((o.truncation ?? 0) * 100).toFixed(0)}%</td>
      <td><span class=${`badge ${confidenceClass(o.confidence)}`}>${confidenceText(o.confidence)}</span></td></tr>`)}</tbody>
  </table>`;
}
