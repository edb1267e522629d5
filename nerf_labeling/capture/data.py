"""What a capture reader returns: frames (image path, camera, optional depth and mask) and metadata."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nerf_labeling.cameras import Camera

#: camera models a capture may declare (nerfstudio names)
CAMERA_MODELS = ("PINHOLE", "OPENCV", "OPENCV_FISHEYE")


@dataclass(frozen=True, eq=False)
class CaptureFrame:
    """One frame of a capture.

    file_path : image path relative to the capture root, POSIX separators, never escaping the root
    camera : intrinsics and camera-to-world ``(4, 4)`` pose, OpenGL axes; ``camera.intrinsics.distortion``
        holds ``(k1, k2, p1, p2, k3, k4)``, read with the frame's ``camera_model`` (a fisheye model
        uses only k1..k4)
    camera_model : one of :data:`CAMERA_MODELS`
    depth_path, mask_path : optional paths relative to the capture root
    metadata : other keys of the frame, kept as they were read
    """

    file_path: str
    camera: Camera
    camera_model: str = "PINHOLE"
    depth_path: str | None = None
    mask_path: str | None = None
    metadata: dict = field(default_factory=dict)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CaptureFrame):
            return NotImplemented
        return (
            (self.file_path, self.camera_model, self.depth_path, self.mask_path, self.metadata)
            == (other.file_path, other.camera_model, other.depth_path, other.mask_path, other.metadata)
            and self.camera.intrinsics == other.camera.intrinsics
            and np.array_equal(self.camera.camera_to_world, other.camera.camera_to_world)
        )

    __hash__ = None  # holds a mutable pose array


@dataclass(frozen=True)
class CaptureData:
    """A whole capture as read from disk.

    root : directory the frame paths are relative to
    frames : in file order (transforms.json) or sorted by image name (COLMAP)
    source_format : ``"nerfstudio"``, ``"instant-ngp"``, ``"colmap-text"`` or ``"colmap-binary"``
    metadata : other top-level keys kept as read (``aabb_scale``, ``scale``, ``offset``,
        ``applied_transform``, ...)
    """

    root: Path
    frames: tuple[CaptureFrame, ...]
    source_format: str
    metadata: dict = field(default_factory=dict)

    @property
    def cameras(self) -> list[Camera]:
        return [frame.camera for frame in self.frames]

    def image_path(self, index: int) -> Path:
        """Absolute-or-relative filesystem path of frame ``index``'s image."""
        return self.root / self.frames[index].file_path
