/** The scene toolbar's state: the gizmo mode, the class of new boxes, and adding a box on the ground ahead. */
import type { RefObject } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { LabelClass } from "../api/types";
import { IDENTITY_ROWS, snapToGround } from "../scene/boxGeometry";
import type { ObjectStore } from "../scene/objectStore";
import type { GizmoMode, SceneViewer } from "../scene/SceneViewer";

export function useBoxTools(viewer: RefObject<SceneViewer | null>, store: ObjectStore, classList: LabelClass[],
  onAdded: (objectId: number) => void) {
  const [mode, setMode] = useState<GizmoMode>("translate");
  const [newClass, setNewClass] = useState<number | null>(null);
  useEffect(() => viewer.current?.setMode(mode), [mode]);

  const addBox = async () => {
    const labelClass = classList.find((c) => c.id === newClass)?.id ?? classList[0]?.id;
    if (labelClass === undefined) return;
    const at = viewer.current!.groundPointAhead();
    const pose = { center: [at.x, at.y, 0], size: [0.5, 0.5, 0.5], rotation: IDENTITY_ROWS };
    const created = await store.create("box", { ...pose, center: snapToGround(pose), label_class: labelClass });
    if (created) onAdded(created.id);
  };
  return { mode, setMode, newClass: newClass ?? classList[0]?.id ?? null, setNewClass, addBox };
}
