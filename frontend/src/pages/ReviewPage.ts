/**
 * Frame review: a paged gallery with filters (status, batch, confidence), the selected frame's detail,
 * and keys for all of it (review/reviewShortcuts.ts; ? lists them). After a decision the next frame opens:
 * in a batch the queue's next frame for this user, elsewhere the next pending frame in gallery order.
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, items, type Page } from "../api/client";
import type { Batch, Capture, Frame, LabelClass } from "../api/types";
import { urls } from "../api/urls";
import { FramePager } from "../gallery/FramePager";
import { Gallery } from "../gallery/Gallery";
import { frameAt, indexOfFrame, nextPendingFrame } from "../review/frameNavigation";
import { type FrameCommands, reviewShortcuts } from "../review/reviewShortcuts";
import { classColor } from "../ui/classPalette";
import { ErrorMessage } from "../ui/feedback";
import { html } from "../ui/html";
import { ShortcutHelp } from "../ui/ShortcutHelp";
import { useShortcuts } from "../ui/shortcuts";
import { useSubmit } from "../ui/submit";
import { useResource } from "../ui/useResource";
import { DEFAULT_LAYERS, FrameDetail } from "./FrameDetail";

const STATUSES = ["", "pending", "accepted", "rejected", "fixed"];
const AUTO_ADVANCE_KEY = "raylabel.review.autoAdvance";

/** Bring the selected tile into the gallery's view (or near it, if the virtual grid has not drawn it yet). */
function revealTile(frameId: number, index: number, count: number): void {
  const tile = document.querySelector(`.gallery .tile[data-frame='${frameId}']`);
  if (tile) return tile.scrollIntoView({ block: "nearest" });
  const gallery = document.querySelector<HTMLElement>(".gallery");
  if (gallery && index >= 0 && count > 0) gallery.scrollTop = (index / count) * gallery.scrollHeight - gallery.clientHeight / 2;
}

export function ReviewPage({ captureId, initialBatch }: { captureId: number; initialBatch: string }) {
  const capture = useResource(() => api.get<Capture>(urls.capture(captureId)), [captureId]);
  const projectId = capture.data?.project;
  const batches = useResource<Batch[]>(
    () => (projectId ? api.get<Page<Batch>>(urls.projectBatches(projectId, { limit: 1000 })).then(items) : Promise.resolve([])),
    [projectId]);
  const [status, setStatus] = useState("");
  const [batch, setBatch] = useState(initialBatch);
  const [maxConfidence, setMaxConfidence] = useState("");
  const [selected, setSelected] = useState<Frame | null>(null);
  const [nextError, setNextError] = useState<Error | null>(null);
  const [batchFinished, setBatchFinished] = useState(false);
  const [noPendingLeft, setNoPendingLeft] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const [autoAdvance, setAutoAdvance] = useState(() => localStorage.getItem(AUTO_ADVANCE_KEY) !== "off");
  const [layers, setLayers] = useState(DEFAULT_LAYERS);
  const [opacity, setOpacity] = useState(0.6);
  const frameCommands = useRef<FrameCommands | null>(null);
  // The open frame's id as of the last key, not the last render: a held → steps on before the page re-renders.
  const openId = useRef<number | null>(null);
  openId.current = selected?.id ?? null;
  const classes = useResource<LabelClass[]>(
    () => (projectId ? api.get<Page<LabelClass>>(urls.projectClasses(projectId, { limit: 1000 })).then(items) : Promise.resolve([])),
    [projectId]);
  const colorOf = (classId: number) => classColor(classId, classes.data?.find((c) => c.class_id === classId)?.color);
  const filters = { review_status: status, batch, max_confidence: maxConfidence };
  const pager = useMemo(() => new FramePager(urls.captureFrames(captureId), filters), [captureId, status, batch, maxConfidence]);
  const [, setTick] = useState(0);
  useEffect(() => pager.subscribe(() => setTick((t) => t + 1)), [pager]);
  (window as any).raylabelPager = pager; // for the e2e speed test and the console
  useEffect(() => setBatchFinished(false), [batch]);
  // The queue answers 204 (no frame) once nothing is left for this user: that is the batch done, not an error.
  const [nextInBatch, fetchingNext] = useSubmit(() => {
    setNextError(null);
    return api.post<Frame | null>(urls.batchNext(batch)).then((frame) => {
      setBatchFinished(!frame);
      if (frame) setSelected(frame);
    }, setNextError);
  });
  // Opened from "My tasks" (or a link with ?batch=): the user's next frame of that batch opens at once.
  useEffect(() => {
    if (initialBatch) nextInBatch();
  }, [initialBatch]);
  const open = (frame: Frame | undefined | null, index: number) => {
    if (!frame) return;
    setNoPendingLeft(false);
    openId.current = frame.id;
    setSelected(frame);
    revealTile(frame.id, index, pager.count ?? 0);
  };
  const step = async (delta: number) => {
    const at = indexOfFrame(pager, openId.current);
    const index = at < 0 ? 0 : at + delta;
    open(await frameAt(pager, index), index);
  };
  const reviewed = async (frame: Frame) => {
    pager.update(frame);
    setSelected(frame);
    if (batch) return nextInBatch(); // work through the batch one frame after another
    if (!autoAdvance) return;
    const next = await nextPendingFrame(pager, indexOfFrame(pager, frame.id));
    setNoPendingLeft(!next);
    if (next) open(next.frame, next.index);
  };
  const toggleAutoAdvance = (on: boolean) => {
    localStorage.setItem(AUTO_ADVANCE_KEY, on ? "on" : "off");
    setAutoAdvance(on);
  };
  const shortcuts = reviewShortcuts({
    next: () => step(1), previous: () => step(-1), help: () => setHelpOpen(true), frame: frameCommands, frameOpen: !!selected });
  useShortcuts(shortcuts, !helpOpen);
  return html`<section class="review-page">
    <div class="review-main">
      <div class="crumbs">
        ${projectId ? html`<a href=${`/app/projects/${projectId}`}>Project</a> › ` : null}
        <a href=${`/app/captures/${captureId}/scene`} class="ellipsis">${capture.data?.name ?? `Capture ${captureId}`}</a> › Review
      </div>
      <${ErrorMessage} error=${capture.error} what="Capture" />
      <div class="toolbar filters">
        <label>Status <select value=${status} onChange=${(e: any) => setStatus(e.target.value)} aria-label="Status filter">
          ${STATUSES.map((s) => html`<option value=${s}>${s || "all"}</option>`)}</select></label>
        <label>Batch <select value=${batch} onChange=${(e: any) => setBatch(e.target.value)} aria-label="Batch filter">
          <option value="">all frames</option>
          ${batches.data?.map((b) => html`<option value=${b.id}>${b.name}</option>`)}</select></label>
        <label>Confidence below <select value=${maxConfidence} onChange=${(e: any) => setMaxConfidence(e.target.value)} aria-label="Confidence filter">
          ${["", "0.9", "0.75", "0.5", "0.25"].map((c) => html`<option value=${c}>${c || "any"}</option>`)}</select></label>
        ${batch ? html`<button onClick=${() => nextInBatch()} disabled=${fetchingNext}>Next frame for me</button>`
          : html`<label title="After accept or reject, open the next pending frame"><input type="checkbox" checked=${autoAdvance}
            onChange=${(e: any) => toggleAutoAdvance(e.target.checked)} /> next pending after a decision</label>`}
        <button class="small" onClick=${() => setHelpOpen(true)} title="Keyboard shortcuts (?)" aria-haspopup="dialog">Keys ?</button>
        <span class="muted gallery-count" data-testid="gallery-count">${pager.count === null ? "…" : `${pager.count.toLocaleString()} frame${pager.count === 1 ? "" : "s"}`}</span>
      </div>
      <${ErrorMessage} error=${batches.error && (batches.error as any).status !== 404 ? batches.error : null} what="Batches" />
      <${ErrorMessage} error=${nextError} what="Next frame" />
      ${batchFinished ? html`<div class="ok batch-finished" role="status" data-testid="batch-finished">
        <strong>Batch finished</strong> — nothing is left for you in this batch. Thank you!</div>` : null}
      ${noPendingLeft && !batch ? html`<div class="muted small-text" role="status" data-testid="no-pending-left">No pending frame left in this gallery.</div>` : null}
      <${ErrorMessage} error=${pager.error} what="Frames" />
      <${Gallery} pager=${pager} selectedId=${selected?.id ?? null} onSelect=${setSelected} />
    </div>
    <aside class="review-side">
      ${selected ? html`<${FrameDetail} key=${selected.id} frame=${selected} onReviewed=${reviewed} layers=${layers} onLayers=${setLayers}
          opacity=${opacity} onOpacity=${setOpacity} colorOf=${colorOf} commands=${frameCommands} />`
        : html`<div class="muted empty">Pick a frame in the gallery to review it, or press → (? lists the keys).</div>`}
    </aside>
    ${helpOpen ? html`<${ShortcutHelp} title="Review keys" shortcuts=${shortcuts} onClose=${() => setHelpOpen(false)} />` : null}
  </section>`;
}
