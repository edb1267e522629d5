"""Shape checks at the library's boundaries, with errors that name the argument and the expected shape."""
from __future__ import annotations

import numpy as np


def check_ndim(name: str, array: np.ndarray, ndim: int, layout: str) -> None:
    """Raise ``ValueError`` unless ``array`` has ``ndim`` dimensions (``layout`` names them, e.g. "(N, C, H, W)")."""
    if np.ndim(array) != ndim:
        raise ValueError(f"{name} must be {layout}, got shape {np.shape(array)}")


def check_probabilities(name: str, probs: np.ndarray, ndim: int, layout: str) -> None:
    """Raise unless ``probs`` is ``layout`` with finite non-negative values."""
    check_ndim(name, probs, ndim, layout)
    if not np.all(np.isfinite(probs)) or np.any(probs < 0):
        raise ValueError(f"{name} must hold finite non-negative class probabilities")


def check_same_shape(name: str, array: np.ndarray, expected: tuple[int, ...]) -> None:
    if tuple(np.shape(array)) != tuple(expected):
        raise ValueError(f"{name} must have shape {tuple(expected)}, got {np.shape(array)}")
