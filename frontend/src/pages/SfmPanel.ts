/**
 * A capture posed by structure-from-motion: how many frames SfM placed and why it left the others out,
 * whether its units are still arbitrary, and (managers) setting the metric scale from a known length:
 * one side of a placed box of known size, or the distance between the centres of two boxes put on
 * marks whose real distance is known.
 */
import { useState } from "preact/hooks";
import { api } from "../api/client";
import type { Capture, CaptureScaleRequest, CaptureScaleResult, Field, SceneObject } from "../api/types";
import { urls } from "../api/urls";
import { ErrorMessage } from "../ui/feedback";
import { html } from "../ui/html";
import { useSubmit } from "../ui/submit";

const AXES = ["x", "y", "z"] as const;
export type ScaleReference =
  | { kind: "side"; objectId: number | null; axis: (typeof AXES)[number] }
  | { kind: "between"; a: number | null; b: number | null };

/** The scale request for a known length of `metres`, or a sentence saying what is still missing. */
export function scaleRequest(reference: ScaleReference, objects: SceneObject[], metres: number): CaptureScaleRequest | string {
  if (!(metres > 0)) return "Enter the real length in metres.";
  if (reference.kind === "side") {
    if (reference.objectId === null) return "Select the box whose real size you know.";
    return { object_id: reference.objectId, axis: reference.axis, metres };
  }
  const a = objects.find((o) => o.id === reference.a);
  const b = objects.find((o) => o.id === reference.b);
  if (!a || !b || a.id === b.id) return "Choose two different boxes.";
  return { point_a: a.center, point_b: b.center, metres };
}

export function SfmPanel({ capture, field, objects, selectedId, manager, beforeScale }: {
  capture: Capture; field: Field | undefined; objects: SceneObject[]; selectedId: number | null; manager: boolean;
  /** Called before the scale is sent (save pending box edits); the page reloads after it, as every pose changed. */
  beforeScale: () => Promise<void>;
}) {
  const { sfm, video } = capture.metadata;
  const scale = capture.metadata.scale;
  const [kind, setKind] = useState<ScaleReference["kind"]>("side");
  const [axis, setAxis] = useState<(typeof AXES)[number]>("x");
  const [pair, setPair] = useState<[number | null, number | null]>([null, null]);
  const [metres, setMetres] = useState("");
  const [error, setError] = useState<Error | string | null>(null);
  const reference: ScaleReference = kind === "side" ? { kind, objectId: selectedId, axis } : { kind, a: pair[0], b: pair[1] };
  const request = scaleRequest(reference, objects, Number(metres));
  const selected = objects.find((o) => o.id === selectedId);
  const [submit, sending] = useSubmit(async () => {
    if (typeof request === "string") return setError(request);
    setError(null);
    await beforeScale();
    await api.post<CaptureScaleResult>(urls.captureScale(capture.id), request)
      .then(() => location.reload(), setError);
  });
  if (!sfm) return null;
  const left = Object.entries(sfm.unregistered);
  return html`<div class="panel sfm-panel">
    <h3>Structure-from-motion</h3>
    ${video ? html`<div class="muted small-text">${keptFrames(video.kept, video.decoded, Object.keys(video.dropped).length)}</div>` : null}
    <div class="small-text sfm-registered">Placed ${sfm.registered} of ${sfm.images} frames.</div>
    ${sfm.notes.map((n) => html`<div class="muted small-text">${n}</div>`)}
    ${left.length ? html`<details class="unregistered"><summary>${left.length} frames left out (no training, no labels)</summary>
      <ul class="small-text">${left.map(([name, why]) => html`<li><code>${name}</code>: ${why}</li>`)}</ul></details>` : null}
    ${capture.units === "arbitrary"
      ? html`<div class="units-note small-text warn-text" role="status">Units arbitrary: SfM does not know the scene's size. Set the scale from a known length before exporting KITTI or BOP (COCO needs none).</div>`
      : html`<div class="units-note small-text muted">Units: metres${scale ? ` (scaled ×${scale.factor.toPrecision(4)} from a known length of ${scale.metres} m)` : ""}.</div>`}
    ${field && scale?.stale_fields.includes(field.id) ? html`<${ErrorMessage} error=${`Field ${field.id} was trained before the scale was set: train again to render labels.`} />` : null}
    ${manager ? html`<div class="scale-form">
      <select value=${kind} aria-label="Known length" onChange=${(e: any) => setKind(e.target.value)}>
        <option value="side">a side of the selected box</option>
        <option value="between">between two boxes' centres</option>
      </select>
      ${kind === "side" ? html`<div class="inline-form">
          <select value=${axis} aria-label="Box axis" onChange=${(e: any) => setAxis(e.target.value)}>
            ${AXES.map((a, i) => html`<option value=${a}>${a}${selected ? ` (now ${selected.size[i].toPrecision(3)})` : ""}</option>`)}
          </select>
          <span class="muted small-text">${selected ? `box #${selected.instance_id}` : "select a box"}</span></div>`
        : html`<div class="inline-form">${[0, 1].map((end) => html`<select aria-label=${`Box ${end + 1}`} value=${pair[end] ?? ""}
            onChange=${(e: any) => setPair(end ? [pair[0], Number(e.target.value)] : [Number(e.target.value), pair[1]])}>
            <option value="">box…</option>${objects.map((o) => html`<option value=${o.id}>#${o.instance_id} ${o.class_name ?? ""}</option>`)}
          </select>`)}</div>`}
      <div class="inline-form">
        <input type="number" min="0" step="any" aria-label="Real length in metres" placeholder="metres" value=${metres}
          onInput=${(e: any) => setMetres(e.target.value)} />
        <button onClick=${() => submit()} disabled=${sending}>Set scale</button>
      </div>
      <${ErrorMessage} error=${error} what="Scale" />
    </div>` : null}
  </div>`;
}

/** "Kept 40 of 120 video frames: the sharpest of each stretch (3 more were blurry or added no viewpoint)." */
export function keptFrames(kept: number, decoded: number, dropped: number): string {
  const why = dropped ? ` (${dropped} more ${dropped === 1 ? "was" : "were"} blurry or added no viewpoint)` : "";
  return `Kept ${kept} of ${decoded} video frames: the sharpest of each stretch${why}.`;
}
