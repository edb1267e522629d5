"""Training frames: an image and its calibrated camera, checked and turned into normalised rays."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from nerf_labeling.cameras import Camera, camera_rays
from nerf_labeling.fields.normalisation import SceneNormalisation


@dataclass(frozen=True)
class TrainingFrame:
    """One view to fit: ``image`` (H, W, 3) float32 RGB in [0, 1] and its :class:`Camera`."""

    image: np.ndarray
    camera: Camera


def as_training_frame(frame: TrainingFrame | tuple[np.ndarray, Camera]) -> TrainingFrame:
    """Accept ``(image, camera)`` pairs with uint8 or float images (RGBA keeps RGB); check the shape."""
    image, camera = (frame.image, frame.camera) if isinstance(frame, TrainingFrame) else frame
    image = np.asarray(image)
    intr = camera.intrinsics
    if image.ndim != 3 or image.shape[2] not in (3, 4) or image.shape[:2] != (intr.height, intr.width):
        raise ValueError(
            f"image must be (H, W, 3|4) matching the camera's {intr.height}x{intr.width}, got {image.shape}"
        )
    rgb = image[..., :3]
    rgb = rgb.astype(np.float32) / 255.0 if rgb.dtype == np.uint8 else rgb.astype(np.float32)
    return TrainingFrame(image=rgb, camera=camera)


@dataclass(frozen=True)
class RaySet:
    """All pixels of some frames as rays in the normalised frame.

    origins, directions : (N, 3) float32 (directions unit length)
    colours : (N, 3) float32 in [0, 1]
    """

    origins: torch.Tensor
    directions: torch.Tensor
    colours: torch.Tensor

    def __len__(self) -> int:
        return len(self.origins)


def frames_to_rays(frames: Sequence[TrainingFrame], normalisation: SceneNormalisation) -> RaySet:
    """Every pixel centre of every frame, row-major per frame, frames in order."""
    origins, directions, colours = [], [], []
    for frame in frames:
        rays = camera_rays(frame.camera)
        origins.append(normalisation.points_to_normalised(rays.origins).astype(np.float32))
        directions.append(normalisation.directions_to_normalised(rays.directions).astype(np.float32))
        colours.append(frame.image.reshape(-1, 3))
    return RaySet(
        origins=torch.from_numpy(np.concatenate(origins)),
        directions=torch.from_numpy(np.concatenate(directions)),
        colours=torch.from_numpy(np.concatenate(colours)),
    )
