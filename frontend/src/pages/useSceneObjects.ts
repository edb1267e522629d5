/**
 * The placed objects of the scene page: the autosaving store, the selected object, meshes loaded once per
 * mesh and size, and the viewer kept showing them; a gizmo drag is one undo step.
 */
import type * as THREE from "three";
import type { RefObject } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { LabelClass, SceneObject } from "../api/types";
import type { Pose } from "../scene/boxGeometry";
import { loadMesh } from "../scene/meshLoader";
import { type Editable, ObjectStore } from "../scene/objectStore";
import type { SceneViewer } from "../scene/SceneViewer";

const UNCLASSED_COLOR = "#f97316";

/** Re-render whenever the store changes. */
function useStore(store: ObjectStore): void {
  const [, setTick] = useState(0);
  useEffect(() => store.subscribe(() => setTick((t) => t + 1)), [store]);
}

export function useSceneObjects(captureId: number, viewer: RefObject<SceneViewer | null>, classList: LabelClass[]) {
  const store = useMemo(() => new ObjectStore(captureId), [captureId]);
  useStore(store);
  const [error, setError] = useState<Error | null>(null);
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [meshes, setMeshes] = useState(new Map<string, THREE.BufferGeometry>());
  const meshesLoading = useRef(new Set<string>());
  const dragStart = useRef<Editable | null>(null);

  useEffect(() => {
    store.load().catch(setError);
    return () => void store.flush();
  }, [store]);

  const objects = store.list();
  const colorOf = (o: SceneObject) => classList.find((c) => c.id === o.label_class)?.color ?? UNCLASSED_COLOR;
  useEffect(() => {
    viewer.current?.setObjects(objects, colorOf, (o) => meshes.get(`${o.mesh_url}:${o.size}`) ?? null);
    for (const o of objects) {
      const key = `${o.mesh_url}:${o.size}`;
      if (o.kind === "mesh" && o.mesh_url && !meshes.has(key) && !meshesLoading.current.has(key)) {
        meshesLoading.current.add(key);
        loadMesh(o.mesh_url).then((g) => setMeshes((m) => new Map(m).set(key, g)), setError);
      }
    }
  });
  useEffect(() => viewer.current?.select(selectedId), [selectedId, objects.length, meshes]);

  /** While the gizmo drags: show the pose, remembering where the drag began. */
  const onObjectMoving = (id: number, pose: Pose) => {
    const object = store.objects.get(id);
    if (object && !dragStart.current) dragStart.current = { center: object.center, size: object.size, rotation: object.rotation, label_class: object.label_class };
    store.edit(id, pose, false);
  };
  /** At the end of the drag: keep the pose, undone in one step back to where the drag began. */
  const onObjectMoved = (id: number, pose: Pose) => {
    store.edit(id, pose, true, dragStart.current ?? undefined);
    dragStart.current = null;
  };
  // Read the selected object from the store when asked, not from this render: an edit may not have re-rendered yet.
  const selectedNow = () => (selectedId === null ? undefined : store.objects.get(selectedId));
  return {
    store, objects, error, colorOf, selectedId, setSelectedId, selected: selectedNow(), selectedNow,
    onObjectMoving, onObjectMoved,
  };
}
