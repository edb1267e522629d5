"""Procedural, view-independent textures: colour is a function of the surface point alone.

Solid (3D) textures avoid UV maps and stay identical from every viewpoint, which is what a NeRF can
fit exactly; their fine, non-repeating detail gives it parallax to learn depth from.

Looks, by name in :data:`TEXTURES`: ``"checker"`` (checkers with slow ripples and blotches) and
``"speckle"`` (sharp-edged blobs at many scales that never repeat), which structure-from-motion needs:
SIFT cannot tell one checker corner from the next, so checkers give it wrong matches.
``"half_speckle"`` leaves half the ground without texture, where SfM must fail.
"""
from __future__ import annotations

import numpy as np


def object_albedo(points: np.ndarray, color, tiles_per_metre: float) -> np.ndarray:
    """``(N, 3)`` albedo in [0, 1] for object-frame ``points`` ``(N, 3)`` (metres) of a base ``color``."""
    scaled = points * tiles_per_metre
    checker = np.floor(scaled).sum(axis=1) % 2.0
    ripple = np.sin(2.0 * np.pi * (0.37 * scaled[:, 0] + 0.61 * scaled[:, 1] + 0.83 * scaled[:, 2]))
    brightness = (0.6 + 0.4 * checker) * (0.9 + 0.1 * ripple)
    return np.clip(np.asarray(color, dtype=np.float64)[None, :] * brightness[:, None], 0.0, 1.0)


def ground_albedo(points: np.ndarray) -> np.ndarray:
    """``(N, 3)`` albedo in [0, 1] for world ``points`` ``(N, 3)`` on the ground plane."""
    x, y = points[:, 0], points[:, 1]
    checker = (np.floor(x / 0.25) + np.floor(y / 0.25)) % 2.0
    # Incommensurate low frequencies so no two patches of the ground look alike.
    blotches = 0.5 + 0.25 * np.sin(1.7 * x + 0.3) * np.sin(2.3 * y + 1.1) + 0.25 * np.sin(0.9 * x - 1.3 * y)
    tone = 0.35 + 0.25 * checker + 0.3 * blotches
    tint = np.stack([0.95 + 0.05 * np.sin(3.1 * x), 0.85 + 0.1 * np.sin(2.7 * y), 0.7 * np.ones_like(x)], axis=1)
    return np.clip(tone[:, None] * tint, 0.0, 1.0)


# Fixed random waves: the speckle texture is the same in every run and every process.
_WAVES = np.random.default_rng(12345)
_WAVE_COUNT = 24
_WAVE_VECTORS = _WAVES.normal(size=(_WAVE_COUNT, 3))
_WAVE_VECTORS *= (np.geomspace(1.5, 24.0, _WAVE_COUNT) / np.linalg.norm(_WAVE_VECTORS, axis=1))[:, None]
_WAVE_PHASES = _WAVES.uniform(0.0, 2.0 * np.pi, _WAVE_COUNT)


def _speckle(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two independent ``(N,)`` fields in [0.15, 0.85] of ``(N, 3)`` points (metres): summed waves, squashed."""
    waves = np.sin(2.0 * np.pi * (points @ _WAVE_VECTORS.T) + _WAVE_PHASES)
    half = np.sqrt(_WAVE_COUNT / 2.0)
    return 0.5 + 0.35 * np.tanh(2.0 * waves[:, 0::2].sum(axis=1) / half), 0.5 + 0.35 * np.tanh(
        2.0 * waves[:, 1::2].sum(axis=1) / half
    )


def speckle_ground_albedo(points: np.ndarray) -> np.ndarray:
    """``(N, 3)`` albedo in [0, 1] for world ``points`` ``(N, 3)`` on the ground: two-tone blobs."""
    first, second = _speckle(points)
    return np.clip(np.stack([first, 0.5 * (first + second), second], axis=1), 0.0, 1.0)


def speckle_object_albedo(points: np.ndarray, color, tiles_per_metre: float) -> np.ndarray:
    """``(N, 3)`` albedo of object-frame ``points``: ``color`` darkened and brightened by blobs.

    ``tiles_per_metre`` scales the blobs as it scales the checkers (8 is the speckle's own size).
    """
    first, _ = _speckle(points * (tiles_per_metre / 8.0) * 1.7 + 3.0)
    return np.clip(np.asarray(color, dtype=np.float64)[None, :] * (0.4 + 0.9 * first)[:, None], 0.0, 1.0)


def half_speckle_ground_albedo(points: np.ndarray) -> np.ndarray:
    """Speckle where world ``x < 0``, a flat grey where ``x >= 0``: a ground with a textureless half."""
    return np.where((points[:, 0] < 0.0)[:, None], speckle_ground_albedo(points), 0.55)


#: texture name -> (ground albedo of world points, object albedo of object-frame points)
TEXTURES = {
    "checker": (ground_albedo, object_albedo),
    "speckle": (speckle_ground_albedo, speckle_object_albedo),
    "half_speckle": (half_speckle_ground_albedo, speckle_object_albedo),
}
