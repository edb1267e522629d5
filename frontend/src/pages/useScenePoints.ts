/**
 * The point cloud in the viewer, and a note on it for the page: the newest field's preview points, or,
 * before any field is trained, the sparse points structure-from-motion found (a look at a capture posed
 * by SfM before spending a training job on it). A field trained before the capture's scale was set sits
 * in the old units, so its preview gives way to the sparse points, which the scale moved with the boxes. The note says loading, how many points from where, why
 * there are none, or the error.
 */
import type { RefObject } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { Capture, Field } from "../api/types";
import { urls } from "../api/urls";
import { parsePly } from "../scene/ply";
import type { SceneViewer } from "../scene/SceneViewer";

interface PointSource {
  key: string;
  url: string;
  what: string;
  describe: (count: number) => string;
}

/** Where the points come from: the field's preview (unless the field predates the scale), else the
 * capture's sparse points, else nowhere yet. */
export function pointSource(capture: Capture | undefined, fields: Field[] | undefined): PointSource | null {
  const field = fields?.[0];
  const scale = capture?.metadata?.scale;
  const stale = field !== undefined && (scale?.stale_fields ?? []).includes(field.id);
  if (field?.preview_url && !stale) {
    return {
      key: `field:${field.id}`, url: field.preview_url, what: "preview",
      describe: (count) => count
        ? `${count.toLocaleString()} preview points from field ${field.id} (${field.preset}).`
        : `The preview of field ${field.id} (${field.preset}) has no points: the field is still too rough to show surfaces; train longer or with another preset.`,
    };
  }
  if (fields && (!field || stale) && capture?.metadata?.sfm?.sparse_points) {
    const why = stale
      ? `field ${field.id} was trained before the scale was set, so its preview would sit in the old units; train again to see it.`
      : "the capture as SfM saw it, before any training.";
    return {
      // each scale rewrites the points: the key follows the scale's time so a rescaled capture loads them again
      key: `sparse:${capture.id}:${scale?.set_at ?? "unscaled"}`, url: urls.captureSparsePoints(capture.id), what: "sparse points",
      describe: (count) => `${count.toLocaleString()} sparse points from structure-from-motion: ${why}`,
    };
  }
  return null;
}

export function useScenePoints(viewer: RefObject<SceneViewer | null>, capture: Capture | undefined, fields: Field[] | undefined): string | Error | null {
  const [note, setNote] = useState<string | Error | null>(null);
  const source = pointSource(capture, fields);
  useEffect(() => {
    if (!source || !viewer.current) return;
    setNote(`Loading the ${source.what}…`);
    fetch(source.url, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(`The ${source.what} answered ${r.status}.`))))
      .then((buffer) => {
        const cloud = parsePly(buffer);
        viewer.current?.setPoints(cloud);
        setNote(source.describe(cloud.count));
      })
      .catch((e) => setNote(e));
  }, [source?.key]);
  return note;
}
