"""Coreset selection: k-center greedy on frame features with exact picks at float32 speed.

Each step picks the candidate farthest (Euclidean) from its nearest centre, where the centres are the
labelled frames and the frames picked so far; ties go to the lowest index. Minimum squared distances are
kept in float32 on ``device`` and updated in row chunks (never an N x N matrix). Every step, the few
candidates whose float32 value lies within a proven rounding bound of the maximum are re-checked in float64
against all centres, so the picks equal those of the float64 textbook algorithm
(:func:`active.k_center_reference.k_center_greedy_reference`).
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch

from active.checks import check_ndim

FLOAT32_UNIT_ROUNDOFF = 2.0**-24
FLOAT64_UNIT_ROUNDOFF = 2.0**-53


@dataclass(frozen=True)
class KCenterResult:
    """indices : (k,) int64 picks in pick order; distances : (k,) float64 Euclidean distance of each pick to
    its nearest centre when it was picked (to the pool mean for a first pick without labelled frames)."""

    indices: np.ndarray
    distances: np.ndarray


def pool_mean(features: np.ndarray) -> np.ndarray:
    """(D,) float64 mean of (N, D) features: the start of a greedy run with no labelled frames."""
    return np.asarray(features).mean(axis=0, dtype=np.float64)


def k_center_greedy(
    features: np.ndarray,
    k: int,
    *,
    centers: np.ndarray | None = None,
    device: str | torch.device | None = None,
    chunk_rows: int = 1 << 14,
    screen_dims: int = 32,
    num_threads: int | None = 1,
) -> KCenterResult:
    """Pick ``k`` of the N candidates by k-center greedy, starting from ``centers``.

    features : (N, D) float candidate features (float32 or float64; never copied in float64)
    centers : (M, D) float features of the labelled frames, or None; without them the first pick is the
        candidate nearest the pool mean
    device : torch device for the float32 pass (default CPU)
    chunk_rows : rows per chunk when converting features and computing distances to many centres
    screen_dims : dimensions of the principal subspace whose (provable) lower bound on distances lets a
        step skip the frames a new centre cannot come closer to
    num_threads : torch CPU threads during the run (restored after); None keeps the current setting
    """
    check_ndim("features", features, 2, "(N, D)")
    n_frames, dim = np.shape(features)
    if centers is not None:
        check_ndim("centers", centers, 2, "(M, D)")
        if np.shape(centers)[1] != dim:
            raise ValueError(f"centers have {np.shape(centers)[1]} dims, features {dim}")
        centers = centers if len(centers) else None
    if not 0 <= k <= n_frames:
        raise ValueError(f"cannot pick {k} of {n_frames} frames")
    with _torch_threads(num_threads):
        return _greedy(features, k, centers, torch.device(device or "cpu"), chunk_rows, screen_dims)


@contextmanager
def _torch_threads(count: int | None):
    """Temporarily set torch's CPU thread count: each step's vector ops are too small to gain from
    threads, and on a shared machine waiting for a busy core makes them many times slower."""
    previous = torch.get_num_threads()
    if count is not None:
        torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _greedy(features, k, centers, device, chunk_rows, screen_dims) -> KCenterResult:
    shift = pool_mean(features)
    distances32 = _Float32MinDistances(features, centers, shift, device, chunk_rows, screen_dims)
    exact = _ExactMinDistances(features, centers, k)
    indices, distances = [], []
    for step in range(k):
        if step == 0 and centers is None:
            pick, sq = _nearest_to(features, shift, chunk_rows)
        else:
            window = distances32.near_maximum()
            values = exact.min_sq(window)
            best = int(np.argmax(values))  # the window ascends, so the first maximum is the lowest index
            pick, sq = int(window[best]), float(values[best])
        indices.append(pick)
        distances.append(np.sqrt(sq))
        exact.add_center(pick)
        distances32.add_center(pick)
    return KCenterResult(np.asarray(indices, dtype=np.int64), np.asarray(distances, dtype=np.float64))


class _Float32MinDistances:
    """Squared distance of every candidate to its nearest centre in float32, within ``bound`` of float64.

    Features are centred on the pool mean before the cast to float32 (smaller norms, smaller rounding).
    A new centre updates only the frames whose distance lower bound, from an orthonormal projection onto
    ``screen_dims`` principal directions, does not prove it farther than their current nearest centre.
    """

    def __init__(self, features, centers, shift, device, chunk_rows: int, screen_dims: int) -> None:
        self.chunk_rows = chunk_rows
        self.pool = _centred_float32(features, shift, device, chunk_rows)
        self.pool_sq = _row_sq_norms(self.pool, chunk_rows)
        n_frames, dim = self.pool.shape
        radius = _max_norm(self.pool)
        self.min_sq = torch.full((n_frames,), float("inf"), dtype=torch.float32, device=device)
        if centers is not None:
            labelled = _centred_float32(centers, shift, device, chunk_rows)
            radius = max(radius, _max_norm(labelled))
            _min_sq_to_centers(self.pool, labelled, self.min_sq, chunk_rows)
        self.bound = _float32_error_bound(radius, dim)
        self.delta = 2.0 * FLOAT32_UNIT_ROUNDOFF * radius
        self._init_screen(min(screen_dims, dim), radius)
        # Where the screen keeps most frames (isotropic features) it only costs time: back off from it.
        self.screen_pause, self.screen_backoff = 0, 1

    def _init_screen(self, dims: int, radius: float) -> None:
        sample = self.pool[:: max(1, len(self.pool) // 65536)]
        _, vectors = np.linalg.eigh((sample.T @ sample).double().cpu().numpy())
        basis = vectors[:, ::-1][:, :dims].astype(np.float32)
        # The bound divides by the spectral norm of the float32 basis, which rounding may push above 1.
        self.inv_basis_norm = 1.0 / (float(np.linalg.norm(basis.astype(np.float64), 2)) * (1.0 + 1e-12))
        self.proj = self.pool @ torch.from_numpy(np.ascontiguousarray(basis)).to(self.pool.device)
        self.proj_sq = _row_sq_norms(self.proj, self.chunk_rows)
        dim = self.pool.shape[1]
        proj_radius = radius * 1.01
        self.proj_err = 2.0 * 2.0 * np.sqrt(dims) * (dim + 4) * FLOAT32_UNIT_ROUNDOFF * proj_radius
        self.proj_sq_err = 2.0 * (dims + 8) * FLOAT32_UNIT_ROUNDOFF * 4.0 * proj_radius**2
        self.screen_limit = self._limit(self.min_sq)

    def near_maximum(self) -> np.ndarray:
        """Ascending indices of every frame the float32 values cannot rule out as the float64 maximum."""
        threshold = float(self.min_sq.max()) - 2.0 * self.bound
        return torch.nonzero(self.min_sq >= threshold).flatten().cpu().numpy()

    def add_center(self, index: int) -> None:
        # -inf keeps a picked frame out of every later maximum and every later update.
        self.min_sq[index] = -float("inf")
        self.screen_limit[index] = -float("inf")
        if self.screen_pause > 0:
            self.screen_pause -= 1
            self._update_all(index)
            return
        to_center = torch.addmv(self.proj_sq, self.proj, self.proj[index], alpha=-2.0).add_(self.proj_sq[index])
        maybe_closer = torch.nonzero(to_center <= self.screen_limit).flatten()
        if len(maybe_closer) > len(self.pool) // 4:
            self.screen_pause, self.screen_backoff = self.screen_backoff, min(2 * self.screen_backoff, 64)
            self._update_all(index)
            return
        self.screen_backoff = 1
        if len(maybe_closer):
            center = self.pool[index][None]
            dist = torch.cdist(self.pool[maybe_closer], center, compute_mode="donot_use_mm_for_euclid_dist")[:, 0]
            self.min_sq[maybe_closer] = torch.minimum(self.min_sq[maybe_closer], dist * dist)
            self.screen_limit[maybe_closer] = self._limit(self.min_sq[maybe_closer])

    def _update_all(self, index: int) -> None:
        _update_min_sq(self.pool, self.pool_sq, index, self.min_sq, self.chunk_rows)
        self.screen_limit = self._limit(self.min_sq)

    def _limit(self, min_sq: torch.Tensor) -> torch.Tensor:
        """The projected squared distance to a new centre at or below which a frame must be updated.

        Inverts the lower bound ``((sqrt(p - e1) - e2) / |basis| - delta)^2 <= true squared distance``:
        a frame whose projected value ``p`` exceeds the limit is provably farther from the centre than
        ``min_sq + bound``. The relative margins cover float32 rounding in computing the limit itself.
        """
        reach = torch.sqrt((min_sq + self.bound) * (1.0 + 2e-5))
        return ((reach + self.delta) / self.inv_basis_norm + self.proj_err) ** 2 * (1.0 + 1e-5) + self.proj_sq_err


def _centred_float32(array: np.ndarray, shift: np.ndarray, device: torch.device, chunk_rows: int) -> torch.Tensor:
    """Float32 copy of ``array - shift``: centring shrinks norms and with them the float32 rounding bound."""
    out = torch.empty(np.shape(array), dtype=torch.float32, device=device)
    step = min(chunk_rows, 8192)  # bounds the float64 temporary
    for start in range(0, len(array), step):
        rows = np.asarray(array[start : start + step], dtype=np.float64) - shift
        out[start : start + len(rows)] = torch.from_numpy(rows.astype(np.float32)).to(device)
    return out


def _row_sq_norms(rows: torch.Tensor, chunk_rows: int) -> torch.Tensor:
    """(N,) squared row norms, chunked so no (N, D) temporary is made."""
    return torch.cat([(part * part).sum(dim=1) for part in rows.split(chunk_rows)]) if len(rows) else rows[:, 0]


def _max_norm(rows: torch.Tensor) -> float:
    # The 1e-4 margin covers the rounding of the float32 norm itself.
    return float(torch.linalg.vector_norm(rows, dim=1).max().double()) * (1.0 + 1e-4) if len(rows) else 0.0


def _float32_error_bound(radius: float, dim: int) -> float:
    """Bound on |float32 squared distance - float64 squared distance| for points within ``radius`` of the
    shift: input rounding moves each distance by at most ``delta = 2 u R``, and the sum of D squares (direct
    or expanded form) errs by at most ``(D + 8) u (2R)^2``; doubled for safety."""
    delta = 2.0 * FLOAT32_UNIT_ROUNDOFF * radius
    float32_error = (dim + 8) * FLOAT32_UNIT_ROUNDOFF * 4.0 * radius**2 + 4.0 * radius * delta + delta**2
    float64_error = (dim + 8) * FLOAT64_UNIT_ROUNDOFF * 4.0 * radius**2
    return 2.0 * (float32_error + float64_error)


def _min_sq_to_centers(pool: torch.Tensor, centers: torch.Tensor, min_sq: torch.Tensor, chunk_rows: int) -> None:
    """min_sq <- min over centers of squared distances, by the expanded form in (rows x centres) blocks."""
    rows_per_block = min(chunk_rows, max(1, (1 << 22) // len(centers)))
    center_sq = _row_sq_norms(centers, chunk_rows)
    for start in range(0, len(pool), rows_per_block):
        rows = pool[start : start + rows_per_block]
        sq = (rows * rows).sum(dim=1, keepdim=True) + center_sq - 2.0 * rows @ centers.T
        part = min_sq[start : start + len(rows)]
        torch.minimum(part, sq.clamp_min_(0.0).min(dim=1).values, out=part)


def _update_min_sq(
    pool: torch.Tensor, pool_sq: torch.Tensor, index: int, min_sq: torch.Tensor, chunk_rows: int
) -> None:
    """min_sq <- min(min_sq, |pool - pool[index]|^2) by the expanded form (one matrix-vector product)."""
    center = pool[index]
    for start in range(0, len(pool), chunk_rows):
        rows = slice(start, start + chunk_rows)
        sq = torch.addmv(pool_sq[rows], pool[rows], center, alpha=-2.0).add_(pool_sq[index]).clamp_min_(0.0)
        torch.minimum(min_sq[rows], sq, out=min_sq[rows])


def _nearest_to(features: np.ndarray, point: np.ndarray, chunk_rows: int) -> tuple[int, float]:
    """Index (lowest on ties) and float64 squared distance of the row of ``features`` nearest ``point``."""
    best, best_sq = -1, np.inf
    for start in range(0, len(features), chunk_rows):
        sq = ((np.asarray(features[start : start + chunk_rows], dtype=np.float64) - point) ** 2).sum(axis=1)
        local = int(np.argmin(sq))
        if sq[local] < best_sq:
            best, best_sq = start + local, float(sq[local])
    return best, best_sq


class _ExactMinDistances:
    """Float64 squared distance to the nearest centre, computed lazily and incrementally per frame.

    Uses the same expression as the float64 reference, ``((a - b) ** 2).sum()`` over a row, so exact ties
    (duplicates) compare equal and fall to the lowest index as there.
    """

    def __init__(self, features: np.ndarray, labelled: np.ndarray | None, k: int) -> None:
        self.features = features
        self.labelled = labelled
        self.picked = np.empty((k, np.shape(features)[1]), dtype=np.float64)
        self.n_picked = 0
        self.value = np.full(len(features), np.inf)
        self.seen_labelled = np.zeros(len(features), dtype=bool)
        self.picked_upto = np.zeros(len(features), dtype=np.int64)

    def add_center(self, index: int) -> None:
        self.picked[self.n_picked] = np.asarray(self.features[index], dtype=np.float64)
        self.n_picked += 1

    def min_sq(self, indices: np.ndarray) -> np.ndarray:
        """(len(indices),) float64 squared distances of those frames to their nearest centre."""
        points = np.asarray(self.features[indices], dtype=np.float64)
        if self.labelled is not None:
            new = ~self.seen_labelled[indices]
            if new.any():
                fresh = indices[new]
                self.value[fresh] = np.minimum(self.value[fresh], _min_sq_to_rows(self.labelled, points[new]))
                self.seen_labelled[fresh] = True
        upto = self.picked_upto[indices]
        for start in np.unique(upto[upto < self.n_picked]):  # frames grouped by the picks they have not seen
            group = upto == start
            recent = _min_sq_to_rows(self.picked[start : self.n_picked], points[group])
            self.value[indices[group]] = np.minimum(self.value[indices[group]], recent)
        self.picked_upto[indices] = self.n_picked
        return self.value[indices]


def _min_sq_to_rows(rows: np.ndarray, points: np.ndarray, block: int = 1 << 21) -> np.ndarray:
    """(P,) minimum over ``rows`` (R, D) of ``((row - point) ** 2).sum()`` for each of ``points`` (P, D)."""
    step = max(1, block // max(1, points.size))  # bounds the (P, step, D) float64 temporary
    best = np.full(len(points), np.inf)
    for s in range(0, len(rows), step):
        chunk = np.asarray(rows[s : s + step], dtype=np.float64)
        best = np.minimum(best, ((chunk[None, :, :] - points[:, None, :]) ** 2).sum(axis=2).min(axis=1))
    return best
