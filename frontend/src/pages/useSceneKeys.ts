/** The scene page's keyboard shortcuts, off while their help is open. */
import { useState } from "preact/hooks";
import { snapToGround } from "../scene/boxGeometry";
import { sceneShortcuts } from "../scene/sceneShortcuts";
import { useShortcuts } from "../ui/shortcuts";
import type { useBoxTools } from "./useBoxTools";
import type { useFrameView } from "./useFrameView";
import type { useSceneObjects } from "./useSceneObjects";

export function useSceneKeys(objects: ReturnType<typeof useSceneObjects>, view: ReturnType<typeof useFrameView>,
  tools: ReturnType<typeof useBoxTools>) {
  const { store } = objects;
  const [helpOpen, setHelpOpen] = useState(false);
  const shortcuts = sceneShortcuts({
    undo: () => store.undo(), redo: () => store.redo(), setMode: tools.setMode, addBox: tools.addBox,
    selected: objects.selectedId === null ? null : {
      ground: () => { const o = objects.selectedNow(); if (o) store.edit(o.id, { center: snapToGround(o) }); },
      remove: () => { const o = objects.selectedNow(); if (o) store.remove(o.id); },
    },
    deselect: () => { tools.cancelPlacing(); objects.setSelectedId(null); }, lookThroughFrame: () => view.flyTo(view.selected), step: view.step,
    help: () => setHelpOpen(true),
  });
  useShortcuts(shortcuts, !helpOpen);
  return { shortcuts, helpOpen, setHelpOpen };
}
