"""Procedural, view-independent textures: colour is a function of the surface point alone.

Solid (3D) textures avoid UV maps and stay identical from every viewpoint, which is what a NeRF can
fit exactly; their fine, non-repeating detail gives it parallax to learn depth from.
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
