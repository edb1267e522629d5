"""Frames as the libraries see them: a :class:`~nerf_labeling.cameras.Camera` and an RGB array."""
from __future__ import annotations

import numpy as np
from PIL import Image

from annotate.models import Frame
from nerf_labeling.cameras import Camera, Intrinsics


def frame_camera(frame: Frame) -> Camera:
    intrinsics = Intrinsics(
        fx=frame.fx, fy=frame.fy, cx=frame.cx, cy=frame.cy, width=frame.width, height=frame.height,
        distortion=tuple(frame.distortion or (0.0,) * 6),
    )
    return Camera(intrinsics, np.asarray(frame.camera_to_world, dtype=np.float64))


def frame_image(frame: Frame) -> np.ndarray:
    """``(H, W, 3)`` uint8 RGB of the stored image."""
    with frame.image.open("rb") as handle, Image.open(handle) as image:
        return np.asarray(image.convert("RGB"))
