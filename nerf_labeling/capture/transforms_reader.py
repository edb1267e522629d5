"""Read nerfstudio and instant-ngp ``transforms.json`` captures, validating everything on the way.

Intrinsics may sit at the top level or in each frame (a frame's keys win). instant-ngp files may give
``camera_angle_x`` / ``camera_angle_y`` (radians) instead of focal lengths, omit ``cx``/``cy`` (image
centre) and ``camera_model`` (PINHOLE, or OPENCV when distortion is given). Without ``w``/``h`` the size
is read from the frame's image. Blender-style file paths without an extension are resolved to an
existing ``.png``/``.jpg`` next to the json.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from nerf_labeling.cameras import DISTORTION_KEYS, Camera, Intrinsics, PoseError, check_rigid
from nerf_labeling.capture.data import CAMERA_MODELS, CaptureData, CaptureFrame
from nerf_labeling.capture.errors import CaptureFormatError, CapturePathError, CapturePoseError
from nerf_labeling.capture.paths import relative_capture_path

INTRINSIC_KEYS = ("camera_model", "fl_x", "fl_y", "cx", "cy", "w", "h", "camera_angle_x", "camera_angle_y")
INTRINSIC_KEYS += DISTORTION_KEYS
FRAME_KEYS = ("file_path", "transform_matrix", "depth_file_path", "depth_path", "mask_path")
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


def read_transforms_json(path: str | Path) -> CaptureData:
    """Read and validate a ``transforms.json``; frame paths are relative to the json's folder.

    Raises :class:`~nerf_labeling.capture.errors.CaptureError` subclasses naming the file, the frame
    index and the key at fault.
    """
    path = Path(path)
    data = _load_json(path)
    name = path.name
    frames_raw = data.get("frames")
    if not isinstance(frames_raw, list) or not frames_raw:
        raise CaptureFormatError(f"{name}: 'frames' must be a non-empty list, got {type(frames_raw).__name__}")
    top = {key: data[key] for key in INTRINSIC_KEYS if key in data}
    frames = [_read_frame(raw, top, f"{name}: frames[{i}]", path.parent) for i, raw in enumerate(frames_raw)]
    _refuse_duplicates(frames, name)
    named_model = "camera_model" in data or any("camera_model" in f for f in frames_raw if isinstance(f, dict))
    metadata = {key: value for key, value in data.items() if key not in INTRINSIC_KEYS and key != "frames"}
    _check_applied_transform(metadata, name)
    return CaptureData(
        root=path.parent,
        frames=tuple(frames),
        source_format="nerfstudio" if named_model else "instant-ngp",
        metadata=metadata,
    )


def _load_json(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CaptureFormatError(f"{path.name}: file does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise CaptureFormatError(f"{path.name}: cannot be read as UTF-8 text ({error})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise CaptureFormatError(
            f"{path.name}: malformed JSON at line {error.lineno} column {error.colno}: {error.msg}"
        ) from None
    if not isinstance(data, dict):
        raise CaptureFormatError(f"{path.name}: the top level must be a JSON object, got {type(data).__name__}")
    return data


def _read_frame(raw: object, top: dict, where: str, root: Path) -> CaptureFrame:
    if not isinstance(raw, dict):
        raise CaptureFormatError(f"{where}: must be a JSON object, got {type(raw).__name__}")
    for key in ("file_path", "transform_matrix"):
        if key not in raw:
            raise CaptureFormatError(f"{where}: missing key '{key}'")
    file_path = _image_path(raw["file_path"], f"{where}.file_path", root)
    merged = {**top, **{key: raw[key] for key in INTRINSIC_KEYS if key in raw}}
    if "w" not in merged or "h" not in merged:
        merged.update(_size_from_image(root / file_path, where))
    camera_model, intrinsics = _intrinsics(merged, where)
    pose = _pose(raw["transform_matrix"], f"{where}.transform_matrix")
    depth_key = "depth_file_path" if "depth_file_path" in raw else "depth_path"
    return CaptureFrame(
        file_path=file_path,
        camera=Camera(intrinsics, pose),
        camera_model=camera_model,
        depth_path=_optional_path(raw.get(depth_key), f"{where}.{depth_key}"),
        mask_path=_optional_path(raw.get("mask_path"), f"{where}.mask_path"),
        metadata={key: value for key, value in raw.items() if key not in FRAME_KEYS + INTRINSIC_KEYS},
    )


def _size_from_image(image_path: Path, where: str) -> dict:
    """instant-ngp and Blender files may leave the image size to the images themselves."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(image_path) as image:
            width, height = image.size
    except (OSError, UnidentifiedImageError):
        raise CaptureFormatError(
            f"{where}: missing intrinsics keys 'w'/'h' and the image {image_path.name} cannot be read for its size"
        ) from None
    return {"w": width, "h": height}


def _number(source: dict, key: str, where: str) -> float:
    value = source[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CaptureFormatError(f"{where}: '{key}' must be a number, got {value!r}")
    if not math.isfinite(value):
        raise CaptureFormatError(f"{where}: '{key}' must be finite, got {value!r}")
    return float(value)


def _image_extent(source: dict, key: str, where: str) -> int:
    if key not in source:
        raise CaptureFormatError(f"{where}: missing intrinsics key '{key}' (at the top level or in the frame)")
    value = _number(source, key, where)
    if value < 1 or value != int(value):
        raise CaptureFormatError(f"{where}: '{key}' must be a positive whole number of pixels, got {value!r}")
    return int(value)


def _focal(source: dict, key: str, angle_key: str, extent: int, where: str) -> float | None:
    if key in source:
        focal = _number(source, key, where)
    elif angle_key in source:
        angle = _number(source, angle_key, where)
        if not 0.0 < angle < math.pi:
            raise CaptureFormatError(f"{where}: '{angle_key}' must be in (0, pi) radians, got {angle!r}")
        focal = 0.5 * extent / math.tan(0.5 * angle)
    else:
        return None
    if focal <= 0:
        raise CaptureFormatError(f"{where}: '{key}' must be positive, got {focal!r}")
    return focal


def _intrinsics(source: dict, where: str) -> tuple[str, Intrinsics]:
    width = _image_extent(source, "w", where)
    height = _image_extent(source, "h", where)
    fx = _focal(source, "fl_x", "camera_angle_x", width, where)
    fy = _focal(source, "fl_y", "camera_angle_y", height, where)
    if fx is None and fy is None:
        raise CaptureFormatError(
            f"{where}: missing intrinsics key 'fl_x' (give fl_x or camera_angle_x at the top level or in the frame)"
        )
    fx, fy = (fy if fx is None else fx), (fx if fy is None else fy)
    distortion = tuple(_number(source, key, where) if key in source else 0.0 for key in DISTORTION_KEYS)
    camera_model = source.get("camera_model", "OPENCV" if any(distortion) else "PINHOLE")
    if camera_model not in CAMERA_MODELS:
        raise CaptureFormatError(f"{where}: unsupported camera_model {camera_model!r}; supported: {CAMERA_MODELS}")
    cx = _number(source, "cx", where) if "cx" in source else width / 2.0
    cy = _number(source, "cy", where) if "cy" in source else height / 2.0
    return camera_model, Intrinsics(fx, fy, cx, cy, width, height, distortion)


def _pose(raw: object, where: str) -> np.ndarray:
    try:
        matrix = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise CapturePoseError(f"{where}: must be a 4x4 list of numbers") from None
    try:
        return check_rigid(matrix, name=where)
    except PoseError as error:
        raise CapturePoseError(str(error)) from None


def _image_path(raw: object, where: str, root: Path) -> str:
    path = relative_capture_path(raw, where)
    if Path(path).suffix or (root / path).exists():
        return path
    for suffix in _IMAGE_SUFFIXES:
        if (root / (path + suffix)).is_file():
            return path + suffix
    return path


def _optional_path(raw: object, where: str) -> str | None:
    return None if raw is None else relative_capture_path(raw, where)


def _refuse_duplicates(frames: list[CaptureFrame], name: str) -> None:
    first_index: dict[str, int] = {}
    for index, frame in enumerate(frames):
        if frame.file_path in first_index:
            raise CapturePathError(
                f"{name}: frames[{index}].file_path {frame.file_path!r} repeats frames[{first_index[frame.file_path]}]"
            )
        first_index[frame.file_path] = index


def _check_applied_transform(metadata: dict, name: str) -> None:
    if "applied_transform" not in metadata:
        return
    matrix = np.asarray(metadata["applied_transform"], dtype=object)
    try:
        matrix = matrix.astype(np.float64)
    except (TypeError, ValueError):
        raise CaptureFormatError(f"{name}: 'applied_transform' must be a 3x4 or 4x4 list of numbers") from None
    if matrix.shape not in ((3, 4), (4, 4)) or not np.all(np.isfinite(matrix)):
        raise CaptureFormatError(
            f"{name}: 'applied_transform' must be a finite 3x4 or 4x4 matrix, got shape {matrix.shape}"
        )
