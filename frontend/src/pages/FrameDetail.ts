/**
 * One frame under review: the photo with overlay layers and 2D boxes in class colours (zoom, pan, hide
 * single objects), and accept / reject with a note / fix, by button or by key (its commands go to the page).
 * Render it keyed by the frame's id: another frame gets a fresh component (empty note, no stale error)
 * instead of an effect that clears the state after paint, and so could wipe a note typed meanwhile.
 */
import { useRef, useState } from "preact/hooks";
import { api } from "../api/client";
import type { Frame, FrameLabels, LatestReview } from "../api/types";
import { urls } from "../api/urls";
import { navigate } from "../router";
import { ErrorMessage } from "../ui/feedback";
import { BoxesOverlay } from "../review/BoxesOverlay";
import { LabelsTable } from "../review/LabelsTable";
import { type FrameCommands, LAYER_NAMES, type LayerName } from "../review/reviewShortcuts";
import { ZoomStage } from "../review/ZoomStage";
import { FIT, zoomAt } from "../review/zoomPan";
import { confidenceClass, confidenceText } from "../ui/confidence";
import { html } from "../ui/html";
import { useSubmit } from "../ui/submit";
import { useResource } from "../ui/useResource";
import { verdictBadge } from "./fieldQuality";

/** The overlay layers drawn from server PNGs (the boxes are drawn here, in SVG). */
const IMAGE_LAYERS = ["instance", "depth", "confidence"] as const;
export type Layers = Record<LayerName, boolean>;
export const DEFAULT_LAYERS: Layers = { instance: true, depth: false, confidence: false, boxes: true };

interface Props {
  frame: Frame;
  onReviewed: (f: Frame) => void;
  /** Which layers are shown and how opaque: the page's, so they stay as set from one frame to the next. */
  layers: Layers;
  onLayers: (layers: Layers) => void;
  opacity: number;
  onOpacity: (opacity: number) => void;
  colorOf: (classId: number) => string;
  /** Filled with this frame's keyboard commands on each render. */
  commands: { current: FrameCommands | null };
}

export function FrameDetail({ frame, onReviewed, layers, onLayers, opacity, onOpacity, colorOf, commands }: Props) {
  const labels = useResource(() => api.get<FrameLabels>(urls.frameLabels(frame.id)), [frame.id]);
  const [view, setView] = useState(FIT);
  const [hidden, setHidden] = useState(new Set<number>());
  const noteBox = useRef<HTMLTextAreaElement>(null);
  const [note, setNote] = useState("");
  const [error, setError] = useState<Error | null>(null);
  const [overlayErrors, setOverlayErrors] = useState<Record<string, boolean>>({});
  const [review, reviewing] = useSubmit((decision: "accepted" | "rejected") =>
    api.post<Frame>(urls.frameReview(frame.id), { decision, note }).then((f) => {
      setError(null);
      onReviewed({ ...frame, ...f });
    }, setError));
  // Nothing is fixed yet: the scene page marks the frame fixed when the user says the fix is done.
  const fix = () => navigate(`/captures/${frame.capture}/scene?frame=${frame.id}`);
  commands.current = {
    accept: () => review("accepted"),
    startReject: () => noteBox.current?.focus(),
    fix,
    toggleLayer: (i) => onLayers({ ...layers, [LAYER_NAMES[i]]: !layers[LAYER_NAMES[i]] }),
    zoom: (factor) => setView((v) => zoomAt(v, factor)),
    resetZoom: () => setView(FIT),
  };
  // In the note, Ctrl+Enter rejects with it and Esc hands the keys back to the shortcuts.
  const onNoteKey = (event: KeyboardEvent) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      review("rejected");
    } else if (event.key === "Escape") {
      (event.target as HTMLElement).blur();
    }
  };
  // Messages that come and go (labels missing, last review…) sit in one .frame-facts box: a change among them
  // must not make Preact move the note's textarea, which would lose focus while the user types.
  const labelsMissing = labels.error && "status" in labels.error && (labels.error as any).status === 404;
  return html`<div class="frame-detail" data-frame=${frame.id}>
    <div class="title-row"><h2>Frame ${frame.index}</h2><span class=${`badge review-status status-${frame.review_status}`}>${frame.review_status}</span>
      <span class=${`badge ${confidenceClass(frame.confidence)}`} data-testid="frame-confidence"
        title="label confidence: the lowest mean confidence of the frame's visible objects">confidence ${confidenceText(frame.confidence)}</span>
      ${labels.data?.stale ? html`<span class="badge status-failed" title="Objects changed since these labels were rendered">stale labels</span>` : null}
      ${labels.data && labels.data.field_verdict !== "good" ? html`<span class=${verdictBadge(labels.data.field_verdict).className} data-testid="field-verdict"
        title="The quality verdict of the radiance field these labels were rendered from">${verdictBadge(labels.data.field_verdict).text}</span>` : null}</div>
    <${ZoomStage} width=${frame.width} height=${frame.height} view=${view} onView=${setView}>
      <img src=${frame.image_url} alt=${`frame ${frame.index}`} draggable=${false} />
      ${labels.data ? IMAGE_LAYERS.filter((l) => layers[l] && !overlayErrors[l]).map((l) => html`<img class=${`overlay overlay-${l}`}
        src=${urls.frameOverlay(frame.id, l)} style=${{ opacity }} alt=${`${l} overlay`}
        onError=${() => setOverlayErrors({ ...overlayErrors, [l]: true })} />`) : null}
      ${layers.boxes && labels.data ? html`<${BoxesOverlay} width=${frame.width} height=${frame.height} objects=${labels.data.objects}
        hidden=${hidden} colorOf=${colorOf} />` : null}
    <//>
    <div class="inline-form layer-toggles">
      ${LAYER_NAMES.map((l, i) => html`<label title=${`key ${i + 1}`}><input type="checkbox" checked=${layers[l]}
        onChange=${(e: any) => onLayers({ ...layers, [l]: e.target.checked })} /> ${l}</label>`)}
      <input type="range" min="0" max="1" step="0.05" value=${opacity} aria-label="Overlay opacity" onInput=${(e: any) => onOpacity(Number(e.target.value))} />
    </div>
    <div class="frame-facts">
      ${labelsMissing ? html`<div class="muted small-text">${labels.error!.message}</div>` : html`<${ErrorMessage} error=${labels.error} what="Labels" />`}
      ${Object.keys(overlayErrors).length ? html`<div class="muted small-text">Overlay not available: ${Object.keys(overlayErrors).join(", ")}.</div>` : null}
      ${labels.data ? html`<${LabelsTable} objects=${labels.data.objects} hidden=${hidden} onHidden=${setHidden} colorOf=${colorOf} />` : null}
      ${frame.latest_review ? html`<${LastReview} review=${frame.latest_review} />` : null}
    </div>
    <textarea placeholder="Note (why rejected, what to fix) · R to write, Ctrl+Enter rejects" value=${note} ref=${noteBox}
      aria-label="Review note" onInput=${(e: any) => setNote(e.target.value)} onKeyDown=${onNoteKey} rows="2"></textarea>
    <div class="inline-form review-actions">
      <button class="accept" onClick=${() => review("accepted")} disabled=${reviewing} title="A">Accept</button>
      <button class="reject" onClick=${() => review("rejected")} disabled=${reviewing} title="R, then Ctrl+Enter in the note">Reject</button>
      <button onClick=${fix} title="F: open the 3D view from this camera; mark the frame fixed there once it is">Fix in 3D</button>
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
