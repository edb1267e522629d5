"""Write a :class:`CaptureData` as a COLMAP sparse model (cameras, images, empty points3D), text or binary.

Each frame gets its own COLMAP camera; images carry no 2D points. Used by exports and by tests that
need COLMAP input.
"""
from __future__ import annotations

import struct
from pathlib import Path

from nerf_labeling.cameras import DISTORTION_KEYS, camera_to_world_to_colmap
from nerf_labeling.capture.colmap_model import COLMAP_MODEL_OF, COLMAP_MODELS
from nerf_labeling.capture.data import CaptureData, CaptureFrame


def _camera_params(frame: CaptureFrame) -> tuple[str, list[float]]:
    model = COLMAP_MODELS[COLMAP_MODEL_OF[frame.camera_model]]
    intr = frame.camera.intrinsics
    values = {"fx": intr.fx, "fy": intr.fy, "cx": intr.cx, "cy": intr.cy, **dict(zip(DISTORTION_KEYS, intr.distortion))}
    dropped = [key for key in DISTORTION_KEYS if key not in model.params and values[key] != 0.0]
    if dropped:
        raise ValueError(f"frame {frame.file_path}: COLMAP {model.name} cannot hold distortion {dropped}")
    return model.name, [values[name] for name in model.params]


def write_colmap_model(capture: CaptureData, directory: str | Path, *, binary: bool) -> None:
    """Write ``cameras``, ``images`` and ``points3D`` (``.bin`` or ``.txt``) into ``directory``."""
    records = []
    for index, frame in enumerate(capture.frames, start=1):
        model, params = _camera_params(frame)
        quaternion, translation = camera_to_world_to_colmap(frame.camera.camera_to_world)
        records.append((index, model, frame.camera.intrinsics, params, quaternion, translation, frame.file_path))
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (_write_binary if binary else _write_text)(records, directory)


def _write_text(records, directory: Path) -> None:
    cameras = ["# CAMERA_ID MODEL WIDTH HEIGHT PARAMS[]"]
    images = ["# IMAGE_ID QW QX QY QZ TX TY TZ CAMERA_ID NAME", "# POINTS2D[] as (X, Y, POINT3D_ID)"]
    for index, model, intr, params, quaternion, translation, name in records:
        cameras.append(" ".join([str(index), model, str(intr.width), str(intr.height), *map(repr, params)]))
        pose = " ".join(repr(float(value)) for value in (*quaternion, *translation))
        images += [f"{index} {pose} {index} {name}", ""]
    (directory / "cameras.txt").write_text("\n".join(cameras) + "\n")
    (directory / "images.txt").write_text("\n".join(images) + "\n")
    (directory / "points3D.txt").write_text("# POINT3D_ID X Y Z R G B ERROR TRACK[]\n")


def _write_binary(records, directory: Path) -> None:
    cameras = [struct.pack("<Q", len(records))]
    images = [struct.pack("<Q", len(records))]
    for index, model, intr, params, quaternion, translation, name in records:
        model_id = COLMAP_MODELS[model].model_id
        cameras.append(struct.pack("<iiQQ", index, model_id, intr.width, intr.height))
        cameras.append(struct.pack("<" + "d" * len(params), *params))
        images.append(struct.pack("<idddddddi", index, *quaternion, *translation, index))
        images.append(name.encode("utf-8") + b"\x00" + struct.pack("<Q", 0))
    (directory / "cameras.bin").write_bytes(b"".join(cameras))
    (directory / "images.bin").write_bytes(b"".join(images))
    (directory / "points3D.bin").write_bytes(struct.pack("<Q", 0))
