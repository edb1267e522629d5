/**
 * The scene toolbar's state: the gizmo mode, the class of new boxes, and adding a box where the user clicks
 * on the reconstruction ("Add box", then a click; "Add box" again puts it on the ground ahead; Esc cancels).
 */
import type { RefObject } from "preact";
import { useEffect, useState } from "preact/hooks";
import type * as THREE from "three";
import type { LabelClass } from "../api/types";
import { boxCenterForClick, IDENTITY_ROWS, snapToGround } from "../scene/boxGeometry";
import type { ObjectStore } from "../scene/objectStore";
import type { GizmoMode, SceneViewer } from "../scene/SceneViewer";

const NEW_BOX_SIZE = [0.5, 0.5, 0.5];

export function useBoxTools(viewer: RefObject<SceneViewer | null>, store: ObjectStore, classList: LabelClass[],
  onAdded: (objectId: number) => void) {
  const [mode, setMode] = useState<GizmoMode>("translate");
  const [newClass, setNewClass] = useState<number | null>(null);
  const [placing, setPlacing] = useState(false);
  useEffect(() => viewer.current?.setMode(mode), [mode]);
  useEffect(() => () => viewer.current?.stopPlacing(), []);
  const labelClass = classList.find((c) => c.id === newClass)?.id ?? classList[0]?.id;

  const create = async (center: number[]) => {
    if (labelClass === undefined) return;
    const created = await store.create("box", { center, size: NEW_BOX_SIZE, rotation: IDENTITY_ROWS, label_class: labelClass });
    if (created) onAdded(created.id);
  };
  const cancelPlacing = () => {
    viewer.current?.stopPlacing();
    setPlacing(false);
  };
  const addBox = () => {
    if (labelClass === undefined || !viewer.current) return;
    if (placing) { // asked twice: the box goes on the ground ahead, as before there was a click to place
      cancelPlacing();
      const at = viewer.current.groundPointAhead();
      return create(snapToGround({ center: [at.x, at.y, 0], size: NEW_BOX_SIZE, rotation: IDENTITY_ROWS }));
    }
    setPlacing(true);
    viewer.current.startPlacing((hit: THREE.Vector3, viewDirection: THREE.Vector3) => {
      setPlacing(false);
      create(boxCenterForClick(hit.toArray(), viewDirection.toArray(), NEW_BOX_SIZE));
    });
  };
  return { mode, setMode, newClass: newClass ?? classList[0]?.id ?? null, setNewClass, addBox, placing, cancelPlacing };
}
