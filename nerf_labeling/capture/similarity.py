"""Similarity transforms of an SfM world (scale, rotation, translation) and their least-squares fit.

An SfM world is known only up to a similarity, so moving it (gravity up, a metric scale) or comparing
it with the truth means applying or estimating one: ``x -> scale * rotation @ x + translation``.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from nerf_labeling.capture.data import CaptureData
from nerf_labeling.typed import FloatArray


@dataclass(frozen=True)
class Similarity:
    """``x -> scale * rotation @ x + translation``; rotation ``(3, 3)`` proper, translation ``(3,)``."""

    scale: float
    rotation: np.ndarray
    translation: np.ndarray

    def apply(self, points: FloatArray) -> np.ndarray:
        """``(N, 3)`` points -> ``(N, 3)`` transformed points."""
        return self.scale * np.asarray(points, dtype=np.float64) @ self.rotation.T + self.translation

    def apply_to_pose(self, camera_to_world: FloatArray) -> np.ndarray:
        """A camera-to-world ``(4, 4)`` pose moved with the world; it stays rigid (the scale moves only its centre)."""
        pose = np.array(camera_to_world, dtype=np.float64)
        moved = np.eye(4)
        moved[:3, :3] = self.rotation @ pose[:3, :3]
        moved[:3, 3] = self.apply(pose[None, :3, 3])[0]
        return moved

    def then(self, other: "Similarity") -> "Similarity":
        """The similarity that applies ``self`` first, then ``other``."""
        return Similarity(
            scale=other.scale * self.scale,
            rotation=other.rotation @ self.rotation,
            translation=other.apply(self.translation[None])[0],
        )


def umeyama(source: FloatArray, target: FloatArray) -> Similarity:
    """Least-squares similarity taking ``(N, 3)`` ``source`` points onto ``target`` (Umeyama 1991), N >= 3."""
    source = np.asarray(source, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    if source.shape != target.shape or source.ndim != 2 or source.shape[1] != 3 or len(source) < 3:
        raise ValueError(f"need two (N, 3) arrays of the same shape with N >= 3, got {source.shape}, {target.shape}")
    source_mean, target_mean = source.mean(axis=0), target.mean(axis=0)
    source_centred, target_centred = source - source_mean, target - target_mean
    covariance = target_centred.T @ source_centred / len(source)
    u, singular, vt = np.linalg.svd(covariance)
    sign = np.diag([1.0, 1.0, np.sign(np.linalg.det(u @ vt)) or 1.0])
    rotation = u @ sign @ vt
    variance = np.mean(np.sum(source_centred**2, axis=1))
    scale = float(np.trace(np.diag(singular) @ sign) / variance)
    return Similarity(scale, rotation, target_mean - scale * rotation @ source_mean)


def transform_capture(capture: CaptureData, similarity: Similarity) -> CaptureData:
    """The same capture with every frame's pose moved by ``similarity``."""
    frames = tuple(
        replace(
            frame, camera=replace(frame.camera, camera_to_world=similarity.apply_to_pose(frame.camera.camera_to_world))
        )
        for frame in capture.frames
    )
    return replace(capture, frames=frames)
