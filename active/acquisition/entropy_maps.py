"""Per-pixel information measures on class probabilities (natural log, nats)."""
from __future__ import annotations

import numpy as np

from active.checks import check_probabilities


def pixel_entropy(probs: np.ndarray, class_axis: int = 1) -> np.ndarray:
    """Shannon entropy over ``class_axis``; ``0 log 0`` counts as 0.

    probs : (..., C, ...) float probabilities summing to 1 over ``class_axis``
    Returns the input shape without ``class_axis``, float64 nats.
    """
    p = np.asarray(probs, dtype=np.float64)
    terms = np.zeros_like(p)
    np.multiply(p, np.log(p, where=p > 0, out=np.zeros_like(p)), out=terms, where=p > 0)
    return -terms.sum(axis=class_axis)


def frame_entropy_map(probs: np.ndarray) -> np.ndarray:
    """(N, H, W) entropy of (N, C, H, W) probabilities."""
    check_probabilities("probs", probs, 4, "(N, C, H, W)")
    return pixel_entropy(probs, class_axis=1)
