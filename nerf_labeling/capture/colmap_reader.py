"""Read COLMAP sparse models (``cameras`` and ``images``, text or binary) into a :class:`CaptureData`.

COLMAP stores world-to-camera rotations as quaternions ``(qw, qx, qy, qz)`` and translations in
OpenCV camera axes; :func:`nerf_labeling.cameras.colmap_to_camera_to_world` turns them into the
project's camera-to-world poses with OpenGL axes. ``points3D`` is not needed and not read.
"""
from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nerf_labeling.cameras import DISTORTION_KEYS, Camera, Intrinsics, colmap_to_camera_to_world
from nerf_labeling.capture.colmap_model import COLMAP_MODELS, COLMAP_MODELS_BY_ID
from nerf_labeling.capture.data import CaptureData, CaptureFrame
from nerf_labeling.capture.errors import CaptureFormatError, CaptureNotFoundError, CapturePathError, CapturePoseError
from nerf_labeling.capture.paths import relative_capture_path


@dataclass(frozen=True)
class ColmapCamera:
    model: str
    width: int
    height: int
    params: tuple[float, ...]


@dataclass(frozen=True)
class ColmapImage:
    image_id: int
    quaternion_wxyz: tuple[float, float, float, float]
    translation: tuple[float, float, float]
    camera_id: int
    name: str


def read_colmap_model(directory: str | Path, images_root: str | Path, *, where: str | None = None) -> CaptureData:
    """Read the model in ``directory`` (binary preferred when both forms exist).

    Frames are sorted by image name; their paths are relative to ``images_root``. Errors name the
    model folder as ``where`` (e.g. its path inside an upload), by default as ``directory``.
    """
    directory = Path(directory)
    where = str(directory) if where is None else where
    if (directory / "cameras.bin").is_file() and (directory / "images.bin").is_file():
        cameras = read_cameras_binary(directory / "cameras.bin")
        images = read_images_binary(directory / "images.bin")
        source = "colmap-binary"
    elif (directory / "cameras.txt").is_file() and (directory / "images.txt").is_file():
        cameras = read_cameras_text(directory / "cameras.txt")
        images = read_images_text(directory / "images.txt")
        source = "colmap-text"
    else:
        raise CaptureNotFoundError(
            f"{where}: no COLMAP model (expected cameras.bin + images.bin or cameras.txt + images.txt)"
        )
    frames = [_frame(image, cameras, source) for image in sorted(images, key=lambda image: image.name)]
    if not frames:
        raise CaptureFormatError(f"{where}: the COLMAP model has no registered images")
    seen: set[str] = set()
    for frame in frames:
        if frame.file_path in seen:
            raise CapturePathError(f"{where}: image name {frame.file_path!r} appears twice in the model")
        seen.add(frame.file_path)
    return CaptureData(root=Path(images_root), frames=tuple(frames), source_format=source, metadata={})


def _frame(image: ColmapImage, cameras: dict[int, ColmapCamera], source: str) -> CaptureFrame:
    where = f"{'images.bin' if source == 'colmap-binary' else 'images.txt'}: image {image.image_id}"
    if image.camera_id not in cameras:
        raise CaptureFormatError(f"{where}: refers to camera {image.camera_id}, which cameras lacks")
    values = (*image.quaternion_wxyz, *image.translation)
    if not all(math.isfinite(value) for value in values):
        raise CapturePoseError(f"{where}: pose has NaN or infinite values")
    norm = float(np.linalg.norm(image.quaternion_wxyz))
    if abs(norm - 1.0) > 1e-3:
        raise CapturePoseError(f"{where}: quaternion {image.quaternion_wxyz} is not a unit quaternion (norm {norm:.4g})")
    camera_model, intrinsics = _intrinsics(cameras[image.camera_id], f"camera {image.camera_id}")
    pose = colmap_to_camera_to_world(image.quaternion_wxyz, image.translation)
    path = relative_capture_path(image.name, f"{where}: name")
    return CaptureFrame(file_path=path, camera=Camera(intrinsics, pose), camera_model=camera_model)


def _intrinsics(camera: ColmapCamera, where: str) -> tuple[str, Intrinsics]:
    model = COLMAP_MODELS[camera.model]
    values = dict(zip(model.params, camera.params))
    if not all(math.isfinite(value) for value in camera.params):
        raise CaptureFormatError(f"{where}: parameters must be finite, got {camera.params}")
    fx = values.get("fx", values.get("f"))
    fy = values.get("fy", values.get("f"))
    if fx <= 0 or fy <= 0 or camera.width < 1 or camera.height < 1:
        raise CaptureFormatError(f"{where}: focal lengths and image size must be positive, got {camera}")
    distortion = tuple(values.get(key, 0.0) for key in DISTORTION_KEYS)
    return model.camera_model, Intrinsics(fx, fy, values["cx"], values["cy"], camera.width, camera.height, distortion)


def _camera_from_fields(model: str, width: int, height: int, params: list[float], where: str) -> ColmapCamera:
    if model not in COLMAP_MODELS:
        raise CaptureFormatError(f"{where}: unsupported COLMAP camera model {model}; supported: {sorted(COLMAP_MODELS)}")
    expected = len(COLMAP_MODELS[model].params)
    if len(params) != expected:
        raise CaptureFormatError(f"{where}: {model} takes {expected} parameters, got {len(params)}")
    return ColmapCamera(model, int(width), int(height), tuple(float(p) for p in params))


def _data_lines(path: Path):
    """``(line number, stripped text)`` of every line, comments included (the caller skips them)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CaptureFormatError(f"{path.name}: cannot be read as text ({error})") from None
    return [(number, line.strip()) for number, line in enumerate(text.splitlines(), start=1)]


def read_cameras_text(path: Path) -> dict[int, ColmapCamera]:
    cameras = {}
    for number, line in _data_lines(path):
        if not line or line.startswith("#"):
            continue
        fields = line.split()
        where = f"{path.name} line {number}"
        try:
            camera_id, model, width, height = int(fields[0]), fields[1], int(fields[2]), int(fields[3])
            params = [float(value) for value in fields[4:]]
        except (IndexError, ValueError):
            raise CaptureFormatError(f"{where}: expected 'CAMERA_ID MODEL WIDTH HEIGHT PARAMS...', got {line!r}") from None
        cameras[camera_id] = _camera_from_fields(model, width, height, params, where)
    return cameras


def read_images_text(path: Path) -> list[ColmapImage]:
    """Each image takes two lines; the second (its 2D points) may be empty, so it is skipped blindly."""
    images = []
    lines = _data_lines(path)
    index = 0
    while index < len(lines):
        number, line = lines[index]
        index += 1
        if not line or line.startswith("#"):
            continue
        fields = line.split()
        try:
            image_id, camera_id = int(fields[0]), int(fields[8])
            qvec = tuple(float(value) for value in fields[1:5])
            tvec = tuple(float(value) for value in fields[5:8])
            name = " ".join(fields[9:])
        except (IndexError, ValueError):
            raise CaptureFormatError(
                f"{path.name} line {number}: expected 'IMAGE_ID QW QX QY QZ TX TY TZ CAMERA_ID NAME', got {line!r}"
            ) from None
        if not name:
            raise CaptureFormatError(f"{path.name} line {number}: image {image_id} has no name")
        images.append(ColmapImage(image_id, qvec, tvec, camera_id, name))
        index += 1  # the POINTS2D line
    return images


class _BinaryReader:
    """Little-endian reads with an error naming the file and offset when the data runs out."""

    def __init__(self, path: Path) -> None:
        self.name = path.name
        self.data = path.read_bytes()
        self.offset = 0

    def read(self, fmt: str) -> tuple:
        size = struct.calcsize("<" + fmt)
        if self.offset + size > len(self.data):
            raise CaptureFormatError(f"{self.name}: truncated at byte {self.offset} (needed {size} more bytes)")
        values = struct.unpack_from("<" + fmt, self.data, self.offset)
        self.offset += size
        return values

    def read_name(self) -> str:
        end = self.data.find(b"\x00", self.offset)
        if end < 0:
            raise CaptureFormatError(f"{self.name}: unterminated image name at byte {self.offset}")
        raw = self.data[self.offset : end]
        self.offset = end + 1
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise CaptureFormatError(f"{self.name}: image name at byte {self.offset} is not UTF-8") from None

    def skip(self, count: int) -> None:
        if self.offset + count > len(self.data):
            raise CaptureFormatError(f"{self.name}: truncated at byte {self.offset} (needed {count} more bytes)")
        self.offset += count


def read_cameras_binary(path: Path) -> dict[int, ColmapCamera]:
    reader = _BinaryReader(path)
    cameras = {}
    (count,) = reader.read("Q")
    for _ in range(count):
        camera_id, model_id, width, height = reader.read("iiQQ")
        where = f"{path.name}: camera {camera_id}"
        if model_id not in COLMAP_MODELS_BY_ID:
            raise CaptureFormatError(f"{where}: unsupported COLMAP camera model id {model_id}")
        model = COLMAP_MODELS_BY_ID[model_id]
        params = list(reader.read("d" * len(model.params)))
        cameras[camera_id] = _camera_from_fields(model.name, width, height, params, where)
    _expect_end(reader)
    return cameras


def read_images_binary(path: Path) -> list[ColmapImage]:
    reader = _BinaryReader(path)
    images = []
    (count,) = reader.read("Q")
    for _ in range(count):
        image_id, qw, qx, qy, qz, tx, ty, tz, camera_id = reader.read("idddddddi")
        name = reader.read_name()
        (points,) = reader.read("Q")
        reader.skip(24 * points)  # x, y (double) and point3D id (int64) per 2D point
        images.append(ColmapImage(image_id, (qw, qx, qy, qz), (tx, ty, tz), camera_id, name))
    _expect_end(reader)
    return images


def _expect_end(reader: _BinaryReader) -> None:
    if reader.offset != len(reader.data):
        raise CaptureFormatError(f"{reader.name}: {len(reader.data) - reader.offset} unexpected bytes after the last record")
