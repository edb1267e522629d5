/** A virtual grid of frame thumbnails: only the rows in view exist in the DOM; the pager fetches their pages. */
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { Frame } from "../api/types";
import { confidenceClass, confidenceText } from "../ui/confidence";
import { html } from "../ui/html";
import type { FramePager } from "./FramePager";

const TILE_W = 164;
const TILE_H = 150;
const OVERSCAN_ROWS = 2;

export function Gallery({ pager, selectedId, onSelect }: { pager: FramePager; selectedId: number | null; onSelect: (f: Frame) => void }) {
  const scroller = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 600, width: 800 });
  const [, setTick] = useState(0);
  useEffect(() => pager.subscribe(() => setTick((t) => t + 1)), [pager]);
  useLayoutEffect(() => {
    const element = scroller.current!;
    const measure = () => setView({ top: element.scrollTop, height: element.clientHeight, width: element.clientWidth });
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    element.addEventListener("scroll", measure, { passive: true });
    return () => {
      observer.disconnect();
      element.removeEventListener("scroll", measure);
    };
  }, []);
  useEffect(() => {
    scroller.current!.scrollTop = 0;
  }, [pager]);
  const columns = Math.max(1, Math.floor(view.width / TILE_W));
  const count = pager.count ?? 0;
  const rows = Math.ceil(count / columns);
  const firstRow = Math.max(0, Math.floor(view.top / TILE_H) - OVERSCAN_ROWS);
  const lastRow = Math.min(rows - 1, Math.ceil((view.top + view.height) / TILE_H) + OVERSCAN_ROWS);
  const first = firstRow * columns;
  const last = Math.min(count - 1, (lastRow + 1) * columns - 1);
  useEffect(() => {
    if (pager.count === null) pager.fetchPage(0);
    else if (count > 0) pager.ensure(first, last);
  }, [pager, first, last, pager.count]);
  const tiles = [];
  for (let i = first; i <= last; i++) {
    const frame = pager.get(i);
    const style = { left: `${(i % columns) * TILE_W}px`, top: `${Math.floor(i / columns) * TILE_H}px` };
    tiles.push(frame
      ? html`<button key=${i} class=${`tile ${frame.id === selectedId ? "selected" : ""}`} style=${style}
          data-frame=${frame.id} data-index=${i} onClick=${() => onSelect(frame)}>
          <img src=${frame.thumbnail_url} alt=${`frame ${frame.index}`} loading="lazy" />
          <span class="tile-caption"><span>#${frame.index}</span>
            <span class=${`badge ${confidenceClass(frame.confidence)}`} title="label confidence (lowest object mean)">${confidenceText(frame.confidence)}</span>
            <span class=${`badge review-status status-${frame.review_status}`}>${frame.review_status}</span></span>
        </button>`
      : html`<div key=${i} class="tile placeholder" style=${style}>…</div>`);
  }
  return html`<div class="gallery" ref=${scroller} data-count=${count}>
    <div class="gallery-inner" style=${{ height: `${rows * TILE_H}px` }}>${tiles}</div>
  </div>`;
}
