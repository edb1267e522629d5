"""Camera paths around a scene: camera-to-world ``(4, 4)`` poses with OpenGL axes, via ``look_at``."""
from __future__ import annotations

import numpy as np

from nerf_labeling.cameras import look_at


def orbit_poses(
    n_frames: int,
    *,
    radius: float = 2.2,
    height: float = 1.0,
    target=(0.0, 0.0, 0.25),
    bob: float = 0.25,
    turns: float = 1.0,
) -> np.ndarray:
    """``(n, 4, 4)`` poses on a smooth video-like loop: consecutive frames are close (redundant).

    The camera circles ``target`` at ``radius`` metres while its height rises and falls by ``bob``.
    """
    angles = 2.0 * np.pi * turns * np.arange(n_frames) / max(n_frames, 1)
    target = np.asarray(target, dtype=np.float64)
    eyes = np.stack(
        [radius * np.cos(angles), radius * np.sin(angles), height + bob * np.sin(2.0 * angles)], axis=1
    )
    return np.stack([look_at(eye + [target[0], target[1], 0.0], target) for eye in eyes])


def random_hemisphere_poses(
    rng: np.random.Generator,
    n_frames: int,
    *,
    radius_range=(1.8, 3.0),
    elevation_degrees=(12.0, 65.0),
    target=(0.0, 0.0, 0.25),
    target_jitter: float = 0.2,
) -> np.ndarray:
    """``(n, 4, 4)`` independent viewpoints on a hemisphere, each looking near ``target`` (diverse)."""
    azimuth = rng.uniform(0.0, 2.0 * np.pi, size=n_frames)
    elevation = np.deg2rad(rng.uniform(*elevation_degrees, size=n_frames))
    radius = rng.uniform(*radius_range, size=n_frames)
    targets = np.asarray(target, dtype=np.float64) + rng.uniform(-target_jitter, target_jitter, (n_frames, 3))
    offsets = radius[:, None] * np.stack(
        [np.cos(elevation) * np.cos(azimuth), np.cos(elevation) * np.sin(azimuth), np.sin(elevation)], axis=1
    )
    return np.stack([look_at(aim + offset, aim) for aim, offset in zip(targets, offsets)])
