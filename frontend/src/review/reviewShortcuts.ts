/**
 * The review page's keys, chosen as CVAT and Label Studio users expect: arrows or J/K step through the
 * gallery, A accepts, R starts a rejection (the note takes focus; Ctrl+Enter there rejects), F opens
 * the 3D fix, 1–4 toggle overlay layers, +/−/0 zoom, ? lists them all.
 */
import type { Shortcut } from "../ui/shortcuts";
import { ZOOM_STEP } from "./zoomPan";

/** What the open frame can do; set by the frame panel on each render, empty while no frame is open. */
export interface FrameCommands {
  accept: () => void;
  startReject: () => void;
  fix: () => void;
  toggleLayer: (index: number) => void;
  zoom: (factor: number) => void;
  resetZoom: () => void;
}

export const LAYER_NAMES = ["instance", "depth", "confidence", "boxes"] as const;
export type LayerName = (typeof LAYER_NAMES)[number];

interface PageActions {
  next: () => void;
  previous: () => void;
  help: () => void;
  /** The open frame's commands, read when a key is pressed (the frame panel renders after the page). */
  frame: { current: FrameCommands | null };
  frameOpen: boolean;
}

export function reviewShortcuts({ next, previous, help, frame, frameOpen }: PageActions): Shortcut[] {
  const onFrame = (label: string, keys: string[], run: (f: FrameCommands) => void, repeats = false): Shortcut =>
    ({ keys, label, run: () => frame.current && run(frame.current), disabled: !frameOpen, repeats });
  return [
    { keys: ["ArrowRight", "j"], label: "Next frame (gallery order)", run: next, repeats: true },
    { keys: ["ArrowLeft", "k"], label: "Previous frame", run: previous, repeats: true },
    onFrame("Accept the frame", ["a"], (f) => f.accept()),
    onFrame("Reject: write the note, then Ctrl+Enter rejects (Esc leaves the note)", ["r"], (f) => f.startReject()),
    onFrame("Fix in 3D", ["f"], (f) => f.fix()),
    ...LAYER_NAMES.map((name, i) => onFrame(`Show or hide the ${name} layer`, [String(i + 1)], (f) => f.toggleLayer(i))),
    onFrame("Zoom in", ["+", "="], (f) => f.zoom(ZOOM_STEP), true),
    onFrame("Zoom out", ["-"], (f) => f.zoom(1 / ZOOM_STEP), true),
    onFrame("Fit the frame (reset zoom)", ["0"], (f) => f.resetZoom()),
    { keys: ["?"], label: "Show or hide this list", run: help },
  ];
}
