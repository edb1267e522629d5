"""The textbook k-center greedy in float64 with a full pass per pick: the reference for exactness tests
and the benchmark. Slow on purpose; use :func:`active.k_center_greedy.k_center_greedy`."""
from __future__ import annotations

import numpy as np

from active.k_center_greedy import KCenterResult, pool_mean


def k_center_greedy_reference(features: np.ndarray, k: int, *, centers: np.ndarray | None = None) -> KCenterResult:
    """Same contract as :func:`active.k_center_greedy.k_center_greedy`, in plain float64 numpy."""
    x = np.asarray(features, dtype=np.float64)
    min_sq = np.full(len(x), np.inf)
    for center in np.asarray(centers if centers is not None else np.empty((0, x.shape[1])), dtype=np.float64):
        min_sq = np.minimum(min_sq, ((x - center) ** 2).sum(axis=1))
    taken = np.zeros(len(x), dtype=bool)
    indices, distances = [], []
    for _ in range(k):
        if not np.isfinite(min_sq).any():
            to_mean = ((x - pool_mean(features)) ** 2).sum(axis=1)
            pick, sq = int(np.argmin(to_mean)), float(to_mean.min())
        else:
            pick = int(np.argmax(np.where(taken, -np.inf, min_sq)))
            sq = float(min_sq[pick])
        indices.append(pick)
        distances.append(np.sqrt(sq))
        taken[pick] = True
        min_sq = np.minimum(min_sq, ((x - x[pick]) ** 2).sum(axis=1))
    return KCenterResult(np.asarray(indices, dtype=np.int64), np.asarray(distances, dtype=np.float64))
