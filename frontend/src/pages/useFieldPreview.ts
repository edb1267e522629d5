/**
 * The field's preview point cloud in the viewer, and a note on it for the page: loading, how many points
 * from which field, why there are none, or the error.
 */
import type { RefObject } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { Field } from "../api/types";
import { parsePly } from "../scene/ply";
import type { SceneViewer } from "../scene/SceneViewer";

export function useFieldPreview(viewer: RefObject<SceneViewer | null>, field: Field | undefined): string | Error | null {
  const [note, setNote] = useState<string | Error | null>(null);
  useEffect(() => {
    if (!field?.preview_url || !viewer.current) return;
    setNote("Loading the preview point cloud…");
    fetch(field.preview_url, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(`The preview answered ${r.status}.`))))
      .then((buffer) => {
        const cloud = parsePly(buffer);
        viewer.current?.setPoints(cloud);
        setNote(cloud.count
          ? `${cloud.count.toLocaleString()} preview points from field ${field.id} (${field.preset}).`
          : `The preview of field ${field.id} (${field.preset}) has no points: the field is still too rough to show surfaces; train longer or with another preset.`);
      })
      .catch((e) => setNote(e));
  }, [field?.id]);
  return note;
}
