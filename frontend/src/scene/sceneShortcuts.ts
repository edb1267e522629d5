/** The scene page's keys (W/E/R gizmo, B box, G ground, Del, Esc, F, [ ], Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y), as a
 * table for ui/shortcuts.ts so the help overlay lists the same keys that run. */
import type { Shortcut } from "../ui/shortcuts";
import type { GizmoMode } from "./SceneViewer";

interface SceneActions {
  undo: () => void;
  redo: () => void;
  setMode: (mode: GizmoMode) => void;
  addBox: () => void;
  /** Null while no object is selected. */
  selected: { ground: () => void; remove: () => void } | null;
  deselect: () => void;
  lookThroughFrame: () => void;
  step: (delta: number) => void;
  help: () => void;
}

export function sceneShortcuts(a: SceneActions): Shortcut[] {
  return [
    { keys: ["Mod+z"], label: "Undo", run: a.undo, repeats: true },
    { keys: ["Mod+Shift+z", "Mod+y"], label: "Redo", run: a.redo, repeats: true },
    { keys: ["w"], label: "Move (gizmo)", run: () => a.setMode("translate") },
    { keys: ["e"], label: "Rotate (gizmo)", run: () => a.setMode("rotate") },
    { keys: ["r"], label: "Resize (gizmo)", run: () => a.setMode("scale") },
    { keys: ["b"], label: "Add a box: click where it goes (B again: on the ground ahead)", run: a.addBox },
    { keys: ["g"], label: "Put the selected object on the ground", run: () => a.selected?.ground(), disabled: !a.selected },
    { keys: ["Delete", "Backspace"], label: "Delete the selected object", run: () => a.selected?.remove(), disabled: !a.selected },
    { keys: ["Escape"], label: "Stop placing a box; deselect the object", run: a.deselect },
    { keys: ["f"], label: "Look through the selected frame's camera", run: a.lookThroughFrame },
    { keys: ["]"], label: "Next frame", run: () => a.step(1), repeats: true },
    { keys: ["["], label: "Previous frame", run: () => a.step(-1), repeats: true },
    { keys: ["?"], label: "Show or hide this list", run: a.help },
  ];
}
