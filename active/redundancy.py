"""How redundant a pool is: the share of frames that have a near-duplicate in feature space."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from active.checks import check_ndim


@dataclass(frozen=True)
class RedundancyEstimate:
    """score : share of (sampled) frames with a near-duplicate, in [0, 1]: their nearest other frame in
    feature space is closer than ``ratio`` times the typical distance, or (with sequence order) is one of
    their own neighbours in time; the pool counts as redundant when ``score >= threshold``.

    typical_distance : median feature distance between random pairs of frames
    close_share : share of frames whose nearest neighbour is closer than ``ratio * typical_distance``
    sequence_share : share of frames whose nearest neighbour is within ``window`` frames in the same
        sequence (consecutive video frames), or None without sequence order
    """

    score: float
    threshold: float
    ratio: float
    typical_distance: float
    close_share: float
    sequence_share: float | None
    n_frames: int

    @property
    def is_redundant(self) -> bool:
        return self.score >= self.threshold


def estimate_redundancy(
    features: np.ndarray,
    rng: np.random.Generator,
    *,
    sequence_ids: np.ndarray | None = None,
    positions: np.ndarray | None = None,
    ratio: float = 0.3,
    threshold: float = 0.5,
    window: int = 3,
    max_queries: int = 2000,
    n_pairs: int = 20000,
) -> RedundancyEstimate:
    """Estimate redundancy from (N, D) frame features and, optionally, their sequence order.

    sequence_ids : (N,) int capture/video id of each frame, for frames in temporal order (not for
        independent views)
    positions : (N,) int frame number within its sequence (default: the order of ``features``)
    ratio : a neighbour closer than ``ratio * typical_distance`` is a near-duplicate. 0.3 separates the
        project's synthetic pools: with TinyUNet features the median nearest-neighbour / typical distance
        ratio was 0.22 for consecutive orbit frames and 0.45 for independent views (bench_al_curves)
    max_queries : frames (sampled with ``rng``) whose nearest neighbour is searched exactly among all N
    n_pairs : random pairs for the typical distance
    """
    check_ndim("features", features, 2, "(N, D)")
    n_frames = len(features)
    if n_frames < 2:
        raise ValueError("redundancy needs at least two frames")
    x = torch.from_numpy(np.ascontiguousarray(features, dtype=np.float32))
    first = rng.integers(0, n_frames, n_pairs)
    second = (first + rng.integers(1, n_frames, n_pairs)) % n_frames  # never the same frame
    typical = float(torch.linalg.vector_norm(x[first] - x[second], dim=1).median())
    queries = np.sort(rng.choice(n_frames, size=min(max_queries, n_frames), replace=False))
    neighbour, distance = _nearest_other(x, queries)
    close = distance <= ratio * typical
    near, sequence_share = close, None
    if sequence_ids is not None:
        sequence_ids = np.asarray(sequence_ids)
        positions = np.arange(n_frames) if positions is None else np.asarray(positions)
        same = sequence_ids[queries] == sequence_ids[neighbour]
        in_time = same & (np.abs(positions[queries] - positions[neighbour]) <= window)
        near, sequence_share = close | in_time, float(in_time.mean())
    return RedundancyEstimate(float(near.mean()), threshold, ratio, typical, float(close.mean()), sequence_share,
                              n_frames)


def _nearest_other(x: torch.Tensor, queries: np.ndarray, chunk: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Index and distance of each query's nearest other frame (exact, chunked; no N x N matrix)."""
    neighbours, distances = [], []
    for start in range(0, len(queries), chunk):
        rows = torch.from_numpy(queries[start : start + chunk])
        dist = torch.cdist(x[rows], x)
        dist[torch.arange(len(rows)), rows] = float("inf")
        best = dist.min(dim=1)
        neighbours.append(best.indices.numpy())
        distances.append(best.values.numpy())
    return np.concatenate(neighbours), np.concatenate(distances)
