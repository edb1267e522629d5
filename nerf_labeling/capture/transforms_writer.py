"""Write a :class:`CaptureData` as a nerfstudio ``transforms.json`` that reads back exactly.

:func:`intrinsics_keys` is the one writer of a camera's transforms.json keys; the nerfstudio export
(:mod:`nerf_labeling.formats.nerfstudio_format`) writes its cameras with it too.
"""
from __future__ import annotations

import json
from pathlib import Path

from nerf_labeling.cameras import DISTORTION_KEYS, Intrinsics
from nerf_labeling.capture.data import CaptureData, CaptureFrame


def intrinsics_keys(intrinsics: Intrinsics, camera_model: str | None = None) -> dict:
    """The transforms.json keys of one camera: camera_model, fl_x, fl_y, cx, cy, w, h and k1..k4, p1, p2.

    ``camera_model`` defaults to ``OPENCV`` for a distorted camera and ``PINHOLE`` otherwise. cx, cy
    need no shift: nerfstudio also centres pixels at +0.5.
    """
    if camera_model is None:
        camera_model = "OPENCV" if intrinsics.has_distortion else "PINHOLE"
    keys = {
        "camera_model": camera_model,
        "fl_x": float(intrinsics.fx),
        "fl_y": float(intrinsics.fy),
        "cx": float(intrinsics.cx),
        "cy": float(intrinsics.cy),
        "w": int(intrinsics.width),
        "h": int(intrinsics.height),
    }
    keys.update({key: float(value) for key, value in zip(DISTORTION_KEYS, intrinsics.distortion)})
    return keys


def _frame_dict(frame: CaptureFrame, with_intrinsics: bool) -> dict:
    entry = {"file_path": frame.file_path, "transform_matrix": frame.camera.camera_to_world.tolist()}
    if with_intrinsics:
        entry.update(intrinsics_keys(frame.camera.intrinsics, frame.camera_model))
    if frame.depth_path is not None:
        entry["depth_file_path"] = frame.depth_path
    if frame.mask_path is not None:
        entry["mask_path"] = frame.mask_path
    return {**frame.metadata, **entry}


def transforms_dict(capture: CaptureData) -> dict:
    """The JSON object of :func:`write_transforms_json`: shared intrinsics at the top when all frames agree."""
    per_frame = [intrinsics_keys(frame.camera.intrinsics, frame.camera_model) for frame in capture.frames]
    shared = all(entry == per_frame[0] for entry in per_frame)
    top = per_frame[0] if shared else {}
    frames = [_frame_dict(frame, with_intrinsics=not shared) for frame in capture.frames]
    return {**capture.metadata, **top, "frames": frames}


def write_transforms_json(capture: CaptureData, path: str | Path) -> None:
    """Write ``capture`` to ``path``; frame paths stay relative, so put it where they resolve.

    ``read_transforms_json(path)`` returns the same frames and metadata.
    """
    Path(path).write_text(json.dumps(transforms_dict(capture), indent=1, allow_nan=False))
