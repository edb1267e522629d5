/**
 * The three.js viewer of the scene page, made once per page in the element `container` is attached to. Its
 * events reach the handlers of the latest render. It is made in a layout effect, so the page's other hooks
 * find it in their effects.
 */
import type { RefObject } from "preact";
import { useLayoutEffect, useRef } from "preact/hooks";
import { SceneViewer, type ViewerEvents } from "../scene/SceneViewer";

export function useSceneViewer(viewer: RefObject<SceneViewer | null>, events: Required<ViewerEvents>) {
  const container = useRef<HTMLDivElement>(null);
  const latest = useRef(events);
  latest.current = events;
  useLayoutEffect(() => {
    const v = new SceneViewer(container.current!, {
      onPickFrame: (id) => latest.current.onPickFrame(id),
      onPickObject: (id) => latest.current.onPickObject(id),
      onObjectMoving: (id, pose) => latest.current.onObjectMoving(id, pose),
      onObjectMoved: (id, pose) => latest.current.onObjectMoved(id, pose),
    });
    viewer.current = v;
    (window as any).raylabelViewer = v; // for the e2e tests and the console
    return () => {
      v.dispose();
      viewer.current = null;
    };
  }, []);
  return container;
}
