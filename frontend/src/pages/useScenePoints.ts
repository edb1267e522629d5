/**
 * The point cloud in the viewer, and a note on it for the page: the newest field's preview points, or,
 * before any field is trained, the sparse points structure-from-motion found (a look at a capture posed
 * by SfM before spending a training job on it). The note says loading, how many points from where, why
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

/** Where the points come from: the field's preview, else the capture's sparse points, else nowhere yet. */
export function pointSource(capture: Capture | undefined, fields: Field[] | undefined): PointSource | null {
  const field = fields?.[0];
  if (field?.preview_url) {
    return {
      key: `field:${field.id}`, url: field.preview_url, what: "preview",
      describe: (count) => count
        ? `${count.toLocaleString()} preview points from field ${field.id} (${field.preset}).`
        : `The preview of field ${field.id} (${field.preset}) has no points: the field is still too rough to show surfaces; train longer or with another preset.`,
    };
  }
  if (fields && !field && capture?.metadata?.sfm?.sparse_points) {
    return {
      // the scale rewrites the points: the key follows the units so a rescaled capture loads them again
      key: `sparse:${capture.id}:${capture.units}`, url: urls.captureSparsePoints(capture.id), what: "sparse points",
      describe: (count) => `${count.toLocaleString()} sparse points from structure-from-motion: the capture as SfM saw it, before any training.`,
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
