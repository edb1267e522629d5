/**
 * The frame viewer's stage: the photo and its overlays, zoomed with the wheel (about the pointer) and
 * panned by dragging while zoomed; a badge shows the zoom and resets it. The view is the caller's, so
 * keys can zoom too.
 */
import { useEffect, useRef } from "preact/hooks";
import { html } from "../ui/html";
import { FIT, panBy, viewTransform, type View, ZOOM_STEP, zoomAt } from "./zoomPan";

interface Props {
  width: number;
  height: number;
  view: View;
  onView: (view: View) => void;
  children: unknown;
}

export function ZoomStage({ width, height, view, onView, children }: Props) {
  const stage = useRef<HTMLDivElement>(null);
  const latest = useRef({ view, onView });
  latest.current = { view, onView };
  const drag = useRef<{ x: number; y: number; id: number } | null>(null);
  // A wheel listener must be non-passive to keep the page from scrolling while it zooms.
  useEffect(() => {
    const element = stage.current!;
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      const box = element.getBoundingClientRect();
      const factor = event.deltaY < 0 ? ZOOM_STEP : 1 / ZOOM_STEP;
      latest.current.onView(zoomAt(latest.current.view, factor, (event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height));
    };
    element.addEventListener("wheel", onWheel, { passive: false });
    return () => element.removeEventListener("wheel", onWheel);
  }, []);
  const onPointerDown = (event: PointerEvent) => {
    if (view.scale === 1 || event.button !== 0) return;
    drag.current = { x: event.clientX, y: event.clientY, id: event.pointerId };
    (event.currentTarget as HTMLElement).setPointerCapture(event.pointerId);
  };
  const onPointerMove = (event: PointerEvent) => {
    if (!drag.current || drag.current.id !== event.pointerId) return;
    const box = stage.current!.getBoundingClientRect();
    onView(panBy(view, (event.clientX - drag.current.x) / box.width, (event.clientY - drag.current.y) / box.height));
    drag.current = { ...drag.current, x: event.clientX, y: event.clientY };
  };
  const endDrag = () => (drag.current = null);
  const zoomed = view.scale > 1;
  return html`<div class=${`stage ${zoomed ? "zoomed" : ""}`} ref=${stage} style=${{ aspectRatio: `${width} / ${height}` }}
      data-zoom=${view.scale.toFixed(2)} onPointerDown=${onPointerDown} onPointerMove=${onPointerMove}
      onPointerUp=${endDrag} onPointerCancel=${endDrag} onDblClick=${() => onView(FIT)}>
    <div class="stage-content" style=${{ transform: viewTransform(view) }}>${children}</div>
    ${zoomed ? html`<button class="small zoom-reset" onClick=${() => onView(FIT)} onPointerDown=${(e: Event) => e.stopPropagation()}
      title="Fit the frame (0, or double-click)">${Math.round(view.scale * 100)}% · fit</button>` : null}
  </div>`;
}
