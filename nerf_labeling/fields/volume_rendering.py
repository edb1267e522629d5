"""Volume rendering along uniformly stepped rays, in a backend's normalised frame (torch).

Rays are stepped at ``t_k = t_enter + (k + offset) * step`` inside the cube ``[-1, 1]^3``. Only samples
in occupied space are kept, packed ray after ray, so compositing costs O(kept samples): per-ray
prefix sums are one global cumulative sum minus each ray's starting value.
"""
from __future__ import annotations

from dataclasses import dataclass
import torch


def ray_cube_interval(origins: torch.Tensor, directions: torch.Tensor, near: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Entry and exit distances of rays through ``[-1, 1]^3`` (slab test).

    origins, directions : (N, 3) float32, directions unit length
    Returns ``t_enter, t_exit`` (N,) float32 with ``t_enter >= near``; ``t_exit <= t_enter`` on a miss.
    """
    safe = torch.where(directions.abs() < 1e-9, torch.full_like(directions, 1e-9), directions)
    t_a = (-1.0 - origins) / safe
    t_b = (1.0 - origins) / safe
    t_enter = torch.minimum(t_a, t_b).amax(dim=-1).clamp(min=near)
    t_exit = torch.maximum(t_a, t_b).amin(dim=-1)
    return t_enter, t_exit


@dataclass
class PackedSamples:
    """Samples of a batch of rays, ray after ray and in order of distance along each ray.

    ray_index : (M,) int64, ascending
    t : (M,) float32, distance along the ray (normalised units)
    points : (M, 3) float32, normalised positions
    ray_count : N, the number of rays in the batch
    """

    ray_index: torch.Tensor
    t: torch.Tensor
    points: torch.Tensor
    ray_count: int


def sample_occupied(
    origins: torch.Tensor,
    directions: torch.Tensor,
    *,
    step: float,
    near: float,
    occupancy: torch.Tensor,
    offsets: torch.Tensor | None = None,
) -> PackedSamples:
    """Samples ``step`` apart inside the cube, kept where the occupancy grid is set.

    occupancy : (C, C, C) bool, cells of the cube (axes x, y, z)
    offsets : (N,) in [0, 1) jitter each ray's samples (training); without them samples sit mid-step
    """
    t_enter, t_exit = ray_cube_interval(origins, directions, near)
    span = (t_exit - t_enter).clamp(min=0.0)
    count = max(int(torch.ceil(span.max() / step).item()) if len(span) else 0, 1)
    if offsets is None:
        offsets = torch.full_like(t_enter, 0.5)
    k = torch.arange(count, dtype=origins.dtype, device=origins.device)
    t = t_enter[:, None] + (k[None, :] + offsets[:, None]) * step
    # Cell lookups straight from (origin, direction, t), without materialising every sample point.
    cells = occupancy.shape[0]
    half = 0.5 * cells
    flat = torch.zeros(t.shape, dtype=torch.int64, device=t.device)
    for axis in range(3):
        coord = ((origins[:, axis : axis + 1] + 1.0) * half + (directions[:, axis : axis + 1] * half) * t)
        flat = flat * cells + coord.to(torch.int64).clamp_(0, cells - 1)
    keep = occupancy.reshape(-1)[flat] & (t < t_exit[:, None])
    kept = torch.nonzero(keep)
    ray_index = kept[:, 0]
    sample_t = t[ray_index, kept[:, 1]]
    points = origins[ray_index] + directions[ray_index] * sample_t[:, None]
    return PackedSamples(ray_index=ray_index, t=sample_t, points=points, ray_count=len(origins))


def segment_exclusive_cumsum(values: torch.Tensor, ray_index: torch.Tensor, ray_count: int) -> torch.Tensor:
    """Per-ray sum of the values before each sample (``values`` (M,) packed by ascending ``ray_index``)."""
    if len(values) == 0:
        return values
    # float64: the global running sum grows large, and its differences must stay exact to ~1e-6.
    total = torch.cumsum(values.double(), dim=0)
    exclusive = total - values.double()
    counts = torch.bincount(ray_index, minlength=ray_count)
    starts = (torch.cumsum(counts, dim=0) - counts).clamp(max=len(values) - 1)
    return (exclusive - exclusive[starts][ray_index]).to(values.dtype)


def per_ray_sum(values: torch.Tensor, ray_index: torch.Tensor, ray_count: int) -> torch.Tensor:
    """Sum packed ``values`` (M, ...) into ``(N, ...)`` per ray."""
    out = torch.zeros((ray_count,) + values.shape[1:], dtype=values.dtype, device=values.device)
    return out.index_add(0, ray_index, values)


@dataclass
class Composite:
    """Results of alpha compositing.

    weights : (M,) float32, termination probability of each packed sample
    opacity : (N,) float32, accumulated alpha per ray
    distance : (N,) float32, expected termination distance divided by opacity (0 where opacity is 0)
    distance_std : (N,) float32, standard deviation of the termination distance
    median_distance : (N,) float32, where the accumulated opacity reaches one half (see
        :func:`median_termination`); ``distance`` on rays whose opacity stays below it
    """

    weights: torch.Tensor
    opacity: torch.Tensor
    distance: torch.Tensor
    distance_std: torch.Tensor
    median_distance: torch.Tensor


def composite(sigma: torch.Tensor, samples: PackedSamples, step: float) -> Composite:
    """Alpha-composite packed densities ``sigma`` (M,) (1/normalised unit) sampled ``step`` apart."""
    n, index = samples.ray_count, samples.ray_index
    optical = sigma * step
    optical_before = segment_exclusive_cumsum(optical, index, n)
    weights = torch.exp(-optical_before) * (1.0 - torch.exp(-optical))
    opacity = per_ray_sum(weights, index, n)
    safe_opacity = opacity.clamp(min=1e-6)
    distance = per_ray_sum(weights * samples.t, index, n) / safe_opacity
    second = per_ray_sum(weights * samples.t * samples.t, index, n) / safe_opacity
    distance_std = (second - distance * distance).clamp(min=0.0).sqrt()
    present = opacity > 1e-6
    distance = torch.where(present, distance, torch.zeros_like(distance))
    median = median_termination(sigma, optical_before, samples.t - 0.5 * step, step, index, fallback=distance)
    return Composite(
        weights=weights,
        opacity=opacity,
        distance=distance,
        distance_std=torch.where(present, distance_std, torch.zeros_like(distance_std)),
        median_distance=median,
    )


def median_termination(
    sigma: torch.Tensor,
    optical_before: torch.Tensor,
    starts: torch.Tensor,
    lengths: torch.Tensor | float,
    ray_index: torch.Tensor,
    *,
    fallback: torch.Tensor,
) -> torch.Tensor:
    """Distance at which each ray's accumulated opacity reaches 1/2: its first surface.

    The expected distance blends every surface along a ray, so at an object's outline it lands in
    the air between the object and what lies behind; the median is the nearest surface that hides at
    least half the ray. With constant density over each interval it is exact:
    ``start_k + (ln 2 - optical_before_k) / sigma_k`` in the interval where the optical depth passes
    ``ln 2``.

    sigma, optical_before, starts : (M,) packed per sample (density, optical depth before the
        interval, interval start); lengths : (M,) or a scalar interval length; ray_index : (M,)
    fallback : (N,) the answer on rays whose opacity stays below 1/2
    """
    half = torch.log(torch.tensor(2.0, dtype=sigma.dtype, device=sigma.device))
    optical_after = optical_before + sigma * lengths
    crossing = (optical_before < half) & (optical_after >= half)
    offset = (half - optical_before[crossing]) / sigma[crossing].clamp(min=1e-12)
    median = fallback.clone()
    median[ray_index[crossing]] = starts[crossing] + offset
    return median


def distortion_loss(weights: torch.Tensor, samples: PackedSamples, step: float) -> torch.Tensor:
    """Mip-NeRF 360's distortion loss for equal-length intervals, mean over rays (normalised units).

    ``sum_ij w_i w_j |t_i - t_j| + step / 3 * sum_i w_i^2`` per ray, in O(M) with prefix sums.
    """
    n, index, t = samples.ray_count, samples.ray_index, samples.t
    weight_before = segment_exclusive_cumsum(weights, index, n)
    weighted_t_before = segment_exclusive_cumsum(weights * t, index, n)
    cross = 2.0 * weights * (t * weight_before - weighted_t_before)
    own = weights * weights * (step / 3.0)
    return (cross + own).sum() / max(n, 1)
