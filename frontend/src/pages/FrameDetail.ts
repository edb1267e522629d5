/**
 * One frame under review: the photo with overlay layers and 2D boxes, and accept / reject with a note / fix.
 * Render it keyed by the frame's id: another frame gets a fresh component (empty note, no stale error)
 * instead of an effect that clears the state after paint, and so could wipe a note typed meanwhile.
 */
import { useState } from "preact/hooks";
import { api } from "../api/client";
import type { Frame, FrameLabels, LatestReview } from "../api/types";
import { navigate } from "../router";
import { ErrorMessage } from "../ui/feedback";
import { confidenceClass, confidenceText } from "../ui/confidence";
import { html } from "../ui/html";
import { useSubmit } from "../ui/submit";
import { useResource } from "../ui/useResource";
import { verdictBadge } from "./fieldQuality";

const LAYERS = ["instance", "depth", "confidence"] as const;
type Layer = (typeof LAYERS)[number];

export function FrameDetail({ frame, onReviewed }: { frame: Frame; onReviewed: (f: Frame) => void }) {
  const labels = useResource(() => api.get<FrameLabels>(`/api/frames/${frame.id}/labels/`), [frame.id]);
  const [layers, setLayers] = useState<Record<Layer | "boxes", boolean>>({ instance: true, depth: false, confidence: false, boxes: true });
  const [opacity, setOpacity] = useState(0.6);
  const [note, setNote] = useState("");
  const [error, setError] = useState<Error | null>(null);
  const [overlayErrors, setOverlayErrors] = useState<Record<string, boolean>>({});
  const [review, reviewing] = useSubmit((decision: "accepted" | "rejected") =>
    api.post<Frame>(`/api/frames/${frame.id}/review/`, { decision, note }).then((f) => {
      setError(null);
      onReviewed({ ...frame, ...f });
    }, setError));
  // Nothing is fixed yet: the scene page marks the frame fixed when the user says the fix is done.
  const fix = () => navigate(`/captures/${frame.capture}/scene?frame=${frame.id}`);
  // The SVG is in image pixels and stretched to the panel: size the text to the image, not to the screen.
  const fontSize = Math.max(frame.width, frame.height) / 40;
  const labelsMissing = labels.error && "status" in labels.error && (labels.error as any).status === 404;
  return html`<div class="frame-detail" data-frame=${frame.id}>
    <div class="title-row"><h2>Frame ${frame.index}</h2><span class=${`badge review-status status-${frame.review_status}`}>${frame.review_status}</span>
      <span class=${`badge ${confidenceClass(frame.confidence)}`} data-testid="frame-confidence"
        title="label confidence: the lowest mean confidence of the frame's visible objects">confidence ${confidenceText(frame.confidence)}</span>
      ${labels.data?.stale ? html`<span class="badge status-failed" title="Objects changed since these labels were rendered">stale labels</span>` : null}
      ${labels.data && labels.data.field_verdict !== "good" ? html`<span class=${verdictBadge(labels.data.field_verdict).className} data-testid="field-verdict"
        title="The quality verdict of the radiance field these labels were rendered from">${verdictBadge(labels.data.field_verdict).text}</span>` : null}</div>
    <div class="stage" style=${{ aspectRatio: `${frame.width} / ${frame.height}` }}>
      <img src=${frame.image_url} alt=${`frame ${frame.index}`} />
      ${labels.data ? LAYERS.filter((l) => layers[l] && !overlayErrors[l]).map((l) => html`<img class=${`overlay overlay-${l}`}
        src=${`/api/frames/${frame.id}/overlay/${l}/`} style=${{ opacity }} alt=${`${l} overlay`}
        onError=${() => setOverlayErrors({ ...overlayErrors, [l]: true })} />`) : null}
      ${layers.boxes && labels.data ? html`<svg class="overlay boxes" viewBox=${`0 0 ${frame.width} ${frame.height}`} preserveAspectRatio="none">
        ${labels.data.objects.filter((o) => o.modal_box).map((o) => {
          const [x0, y0, x1, y1] = o.modal_box!;
          return html`<g><rect x=${x0} y=${y0} width=${x1 - x0} height=${y1 - y0} class="box2d" />
            <text x=${x0 + fontSize * 0.2} y=${Math.max(y0 - fontSize * 0.3, fontSize)} class="box-label" font-size=${fontSize}>${o.class_name} ${(o.visible_fraction * 100).toFixed(0)}%</text></g>`;
        })}
      </svg>` : null}
    </div>
    <div class="inline-form layer-toggles">
      ${[...LAYERS, "boxes"].map((l) => html`<label><input type="checkbox" checked=${(layers as any)[l]}
        onChange=${(e: any) => setLayers({ ...layers, [l]: e.target.checked })} /> ${l}</label>`)}
      <input type="range" min="0" max="1" step="0.05" value=${opacity} aria-label="Overlay opacity" onInput=${(e: any) => setOpacity(Number(e.target.value))} />
    </div>
    ${labelsMissing ? html`<div class="muted small-text">${labels.error!.message}</div>` : html`<${ErrorMessage} error=${labels.error} what="Labels" />`}
    ${Object.keys(overlayErrors).length ? html`<div class="muted small-text">Overlay not available: ${Object.keys(overlayErrors).join(", ")}.</div>` : null}
    ${labels.data ? html`<table class="table labels-table">
      <thead><tr><th>#</th><th>class</th><th>visible</th><th>truncated</th><th>confidence</th></tr></thead>
      <tbody>${labels.data.objects.map((o) => html`<tr><td>${o.instance_id}</td><td class="ellipsis">${o.class_name}</td>
        <td>${(o.visible_fraction * 100).toFixed(0)}%</td><td>${((o.truncation ?? 0) * 100).toFixed(0)}%</td>
        <td><span class=${`badge ${confidenceClass(o.confidence)}`}>${confidenceText(o.confidence)}</span></td></tr>`)}</tbody>
    </table>` : null}
    ${frame.latest_review ? html`<${LastReview} review=${frame.latest_review} />` : null}
    <textarea placeholder="Note (why rejected, what to fix)" value=${note} onInput=${(e: any) => setNote(e.target.value)} rows="2"></textarea>
    <div class="inline-form review-actions">
      <button class="accept" onClick=${() => review("accepted")} disabled=${reviewing}>Accept</button>
      <button class="reject" onClick=${() => review("rejected")} disabled=${reviewing}>Reject</button>
      <button onClick=${fix} title="Open the 3D view from this camera; mark the frame fixed there once it is">Fix in 3D</button>
    </div>
    <${ErrorMessage} error=${error} what="Review" />
  </div>`;
}

/** Who decided what about the frame last, and their note: a rejection's reason must not vanish. */
function LastReview({ review }: { review: LatestReview }) {
  const when = new Date(review.created_at).toLocaleString();
  return html`<div class="last-review small-text" data-testid="last-review">
    <span class=${`badge review-status status-${review.decision}`}>${review.decision}</span>
    <span class="muted"> by ${review.reviewer ?? "a removed user"} · ${when}</span>
    ${review.note ? html`<div class="review-note">${review.note}</div>` : null}
  </div>`;
}
