"""Write a :class:`CaptureData` as a nerfstudio ``transforms.json`` that reads back exactly."""
from __future__ import annotations

import json
from pathlib import Path

from nerf_labeling.capture.data import CaptureData, CaptureFrame
from nerf_labeling.capture.transforms_reader import DISTORTION_KEYS


def _intrinsics_dict(frame: CaptureFrame) -> dict:
    intr = frame.camera.intrinsics
    entry = {
        "camera_model": frame.camera_model,
        "fl_x": intr.fx,
        "fl_y": intr.fy,
        "cx": intr.cx,
        "cy": intr.cy,
        "w": intr.width,
        "h": intr.height,
    }
    if frame.camera_model != "PINHOLE" or intr.has_distortion:
        entry.update(zip(DISTORTION_KEYS, intr.distortion))
    return entry


def _frame_dict(frame: CaptureFrame, with_intrinsics: bool) -> dict:
    entry = {"file_path": frame.file_path, "transform_matrix": frame.camera.camera_to_world.tolist()}
    if with_intrinsics:
        entry.update(_intrinsics_dict(frame))
    if frame.depth_path is not None:
        entry["depth_file_path"] = frame.depth_path
    if frame.mask_path is not None:
        entry["mask_path"] = frame.mask_path
    return {**frame.metadata, **entry}


def transforms_dict(capture: CaptureData) -> dict:
    """The JSON object of :func:`write_transforms_json`: shared intrinsics at the top when all frames agree."""
    per_frame = [_intrinsics_dict(frame) for frame in capture.frames]
    shared = all(entry == per_frame[0] for entry in per_frame)
    top = per_frame[0] if shared else {}
    frames = [_frame_dict(frame, with_intrinsics=not shared) for frame in capture.frames]
    return {**capture.metadata, **top, "frames": frames}


def write_transforms_json(capture: CaptureData, path: str | Path) -> None:
    """Write ``capture`` to ``path``; frame paths stay relative, so put it where they resolve.

    ``read_transforms_json(path)`` returns the same frames and metadata.
    """
    Path(path).write_text(json.dumps(transforms_dict(capture), indent=1, allow_nan=False))
