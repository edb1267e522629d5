/**
 * The cameras of the scene page: the frames' frustums (all, thinned or hidden), the selected frame, flying to it with its photo
 * overlaid at a chosen opacity, and stepping to the previous or next one. The frame opened from review
 * (`frameId`) is flown to once the frames arrive.
 */
import type { RefObject } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { Frame } from "../api/types";
import type { FrustumDensity, SceneViewer } from "../scene/SceneViewer";

const PHOTO_OPACITY = 0.6;

export function useFrameView(viewer: RefObject<SceneViewer | null>, frames: Frame[] | undefined, frameId: number | null) {
  const [selected, setSelected] = useState<Frame | null>(null);
  const [photo, setPhoto] = useState(PHOTO_OPACITY);
  const [photoShown, setPhotoShown] = useState(false);
  const [frustums, setFrustums] = useState<FrustumDensity>("all");
  useEffect(() => viewer.current?.setFrustumDensity(frustums), [frustums]);

  const flyTo = (frame: Frame | null) => {
    if (!frame) return;
    setSelected(frame);
    viewer.current?.flyToFrame(frame);
    setPhotoShown(true);
  };

  useEffect(() => {
    if (!frames || !viewer.current) return;
    viewer.current.setFrames(frames);
    viewer.current.frameAll();
    flyTo(frames.find((f) => f.id === frameId) ?? null);
  }, [frames]);
  useEffect(() => {
    if (!viewer.current) return;
    viewer.current.selectFrame(selected);
    if (selected && photoShown) viewer.current.showPhoto(selected, photo);
    else viewer.current.hidePhoto();
  }, [selected, photoShown]);
  useEffect(() => viewer.current?.setPhotoOpacity(photo), [photo]);

  /** A camera clicked in the viewer: selected, not flown to. */
  const pick = (id: number) => setSelected(frames?.find((f) => f.id === id) ?? null);
  const step = (delta: number) => {
    const list = frames ?? [];
    const at = list.findIndex((f) => f.id === selected?.id);
    flyTo(list[(at + delta + list.length) % list.length] ?? null);
  };
  return { selected, setSelected, photo, setPhoto, photoShown, setPhotoShown, frustums, setFrustums, flyTo, step, pick };
}
