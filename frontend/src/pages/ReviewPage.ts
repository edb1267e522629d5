/** Frame review: a paged gallery with filters (status, batch, confidence), the selected frame's detail. */
import { useEffect, useMemo, useState } from "preact/hooks";
import { api, items } from "../api/client";
import type { Batch, Capture, Frame } from "../api/types";
import { FramePager } from "../gallery/FramePager";
import { Gallery } from "../gallery/Gallery";
import { ErrorMessage } from "../ui/feedback";
import { html } from "../ui/html";
import { useSubmit } from "../ui/submit";
import { useResource } from "../ui/useResource";
import { FrameDetail } from "./FrameDetail";

const STATUSES = ["", "pending", "accepted", "rejected", "fixed"];

export function ReviewPage({ captureId, initialBatch }: { captureId: number; initialBatch: string }) {
  const capture = useResource(() => api.get<Capture>(`/api/captures/${captureId}/`), [captureId]);
  const projectId = capture.data?.project;
  const batches = useResource<Batch[]>(
    () => (projectId ? api.get<Batch[]>(`/api/projects/${projectId}/batches/?limit=1000`).then(items) : Promise.resolve([])),
    [projectId]);
  const [status, setStatus] = useState("");
  const [batch, setBatch] = useState(initialBatch);
  const [maxConfidence, setMaxConfidence] = useState("");
  const [selected, setSelected] = useState<Frame | null>(null);
  const [nextError, setNextError] = useState<Error | null>(null);
  const [batchFinished, setBatchFinished] = useState(false);
  const filters = { review_status: status, batch, max_confidence: maxConfidence };
  const pager = useMemo(() => new FramePager(`/api/captures/${captureId}/frames/`, filters), [captureId, status, batch, maxConfidence]);
  const [, setTick] = useState(0);
  useEffect(() => pager.subscribe(() => setTick((t) => t + 1)), [pager]);
  (window as any).raylabelPager = pager; // for the e2e speed test and the console
  useEffect(() => setBatchFinished(false), [batch]);
  // The queue answers 204 (no frame) once nothing is left for this user: that is the batch done, not an error.
  const [nextInBatch, fetchingNext] = useSubmit(() => {
    setNextError(null);
    return api.post<Frame | null>(`/api/batches/${batch}/next/`).then((frame) => {
      setBatchFinished(!frame);
      if (frame) setSelected(frame);
    }, setNextError);
  });
  const reviewed = (frame: Frame) => {
    pager.update(frame);
    setSelected(frame);
    if (batch) nextInBatch(); // work through the batch one frame after another
  };
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
        ${batch ? html`<button onClick=${() => nextInBatch()} disabled=${fetchingNext}>Next frame for me</button>` : null}
        <span class="muted gallery-count" data-testid="gallery-count">${pager.count === null ? "…" : `${pager.count.toLocaleString()} frame${pager.count === 1 ? "" : "s"}`}</span>
      </div>
      <${ErrorMessage} error=${batches.error && (batches.error as any).status !== 404 ? batches.error : null} what="Batches" />
      <${ErrorMessage} error=${nextError} what="Next frame" />
      ${batchFinished ? html`<div class="ok batch-finished" role="status" data-testid="batch-finished">
        <strong>Batch finished</strong> — nothing is left for you in this batch. Thank you!</div>` : null}
      <${ErrorMessage} error=${pager.error} what="Frames" />
      <${Gallery} pager=${pager} selectedId=${selected?.id ?? null} onSelect=${setSelected} />
    </div>
    <aside class="review-side">
      ${selected ? html`<${FrameDetail} key=${selected.id} frame=${selected} onReviewed=${reviewed} />`
        : html`<div class="muted empty">Pick a frame in the gallery to review it.</div>`}
    </aside>
  </section>`;
}
