"""The built-in backend's torch model: dense voxel grids in the normalised cube ``[-1, 1]^3``.

In the manner of DVGO and Plenoxels: a density grid and a colour grid (spherical-harmonic RGB
coefficients), both trilinearly interpolated from grid vertices; an occupancy grid of cells skips
empty space; a spherical-harmonic background colour per ray direction stands in for the sky and
everything beyond the cube. Lengths here are normalised units (see :mod:`.normalisation`).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from nerf_labeling.fields import trilinear
from nerf_labeling.fields.volume_rendering import Composite, PackedSamples, composite, per_ray_sum, sample_occupied


@dataclass(frozen=True)
class GridRenderSettings:
    """How the grids are turned into rays; saved with the field so a reload renders identically.

    step_ratio : sample spacing in voxels of the current grid
    density_shift : added to the raw density before softplus; negative so a fresh grid is nearly empty
    density_scale : normalised-unit density of raw activation 1 (the grid's values stay O(10))
    near : closest sample distance from the ray origin, normalised units
    colour_threshold : samples with a smaller compositing weight skip the colour grid
    occupancy_threshold : cells whose vertices all have a smaller alpha per step (or below the grid's
        mean alpha, if that is smaller) are skipped
    sh_degree : 0 (view-independent colour) or 1 (linear view dependence)
    background_degree : SH degree (0-2) of the background colour over ray directions; 0 is one colour
    """

    step_ratio: float = 0.5
    density_shift: float = -8.0
    density_scale: float = 64.0
    near: float = 0.02
    colour_threshold: float = 1e-4
    occupancy_threshold: float = 1e-2
    sh_degree: int = 0
    background_degree: int = 2


def sh_basis(directions: torch.Tensor, degree: int) -> torch.Tensor:
    """Real spherical harmonics of ``degree`` 0-2 at unit ``directions`` (N, 3) -> (N, (degree+1)**2)."""
    x, y, z = directions.unbind(-1)
    terms = [torch.full_like(x, 0.28209479177387814)]
    if degree >= 1:
        terms += [-0.4886025119029199 * y, 0.4886025119029199 * z, -0.4886025119029199 * x]
    if degree >= 2:
        terms += [
            1.0925484305920792 * x * y,
            -1.0925484305920792 * y * z,
            0.31539156525252005 * (2.0 * z * z - x * x - y * y),
            -1.0925484305920792 * x * z,
            0.5462742152960396 * (x * x - y * y),
        ]
    if degree > 2:
        raise ValueError(f"sh degree {degree} not supported (0-2)")
    return torch.stack(terms, dim=-1)


@dataclass
class GridRender:
    """A batch of rays rendered in the normalised frame: rgb (N, 3), compositing, the samples it used
    and their densities sigma (M,)."""

    rgb: torch.Tensor
    comp: Composite
    samples: PackedSamples
    sigma: torch.Tensor
    step: float


class VoxelGridModel(torch.nn.Module):
    """Density + SH-colour vertex grids at ``resolution`` vertices per axis, plus a background."""

    def __init__(self, resolution: int, settings: GridRenderSettings):
        super().__init__()
        if resolution < 2:
            raise ValueError("resolution must be at least 2")
        self.settings = settings
        self.resolution = resolution
        colour_channels = 3 * (settings.sh_degree + 1) ** 2
        self.density = torch.nn.Parameter(torch.zeros(resolution**3, 1))
        self.colour = torch.nn.Parameter(torch.zeros(resolution**3, colour_channels))
        self.background = torch.nn.Parameter(torch.zeros((settings.background_degree + 1) ** 2, 3))
        self.register_buffer("occupancy", torch.ones((resolution - 1,) * 3, dtype=torch.bool))

    @property
    def step(self) -> float:
        """Sample spacing, normalised units."""
        return self.settings.step_ratio * 2.0 / (self.resolution - 1)

    def sigma(self, points: torch.Tensor) -> torch.Tensor:
        """``(M, 3)`` normalised points -> ``(M,)`` density per normalised unit."""
        raw = trilinear.interpolate(self.density, points, self.resolution)[:, 0]
        return torch.nn.functional.softplus(raw + self.settings.density_shift) * self.settings.density_scale

    def colour_at(self, points: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
        """``(M, 3)`` points and unit directions -> ``(M, 3)`` RGB in [0, 1]."""
        coeffs = trilinear.interpolate(self.colour, points, self.resolution)
        if self.settings.sh_degree == 0:
            return torch.sigmoid(coeffs)
        basis = sh_basis(directions, self.settings.sh_degree)
        return torch.sigmoid(torch.einsum("mkc,mk->mc", coeffs.reshape(len(points), -1, 3), basis))

    def background_colour(self, directions: torch.Tensor) -> torch.Tensor:
        """``(N, 3)`` unit directions -> ``(N, 3)`` RGB of whatever lies beyond the cube."""
        return torch.sigmoid(sh_basis(directions, self.settings.background_degree) @ self.background)

    def render(self, origins: torch.Tensor, directions: torch.Tensor, offsets: torch.Tensor | None = None) -> GridRender:
        """Render ``(N, 3)`` normalised origins and unit directions; ``offsets`` jitter samples (training)."""
        step = self.step
        samples = sample_occupied(
            origins, directions, step=step, near=self.settings.near, occupancy=self.occupancy, offsets=offsets
        )
        sigma = self.sigma(samples.points)
        comp = composite(sigma, samples, step)
        shaded = torch.nonzero(comp.weights.detach() > self.settings.colour_threshold)[:, 0]
        ray_index = samples.ray_index[shaded]
        colours = self.colour_at(samples.points[shaded], directions[ray_index])
        rgb = per_ray_sum(comp.weights[shaded][:, None] * colours, ray_index, len(origins))
        rgb = rgb + (1.0 - comp.opacity)[:, None] * self.background_colour(directions)
        return GridRender(rgb=rgb, comp=comp, samples=samples, sigma=sigma, step=step)

    @torch.no_grad()
    def update_occupancy(self) -> float:
        """Recompute which cells can hold density; returns the occupied fraction."""
        sigma = torch.nn.functional.softplus(self.density[:, 0] + self.settings.density_shift)
        alpha = 1.0 - torch.exp(-sigma * self.settings.density_scale * self.step)
        # Capped at the mean alpha (as instant-ngp does) so a grid that is still faint everywhere is not
        # culled wholesale before its surfaces have grown.
        threshold = min(self.settings.occupancy_threshold, float(alpha.mean()))
        vertex_busy = (alpha > threshold).float()
        volume = trilinear.table_to_volume(vertex_busy[:, None], self.resolution)
        cell_busy = torch.nn.functional.max_pool3d(volume, kernel_size=2, stride=1)
        self.occupancy = cell_busy[0, 0] > 0.5
        return float(self.occupancy.float().mean())

    @torch.no_grad()
    def upsample(self, resolution: int) -> None:
        """Resample the grids to ``resolution`` vertices per axis (coarse-to-fine training)."""
        old = self.resolution
        self.density = torch.nn.Parameter(trilinear.resample_table(self.density.data, old, resolution))
        self.colour = torch.nn.Parameter(trilinear.resample_table(self.colour.data, old, resolution))
        self.resolution = resolution
        self.occupancy = torch.ones((resolution - 1,) * 3, dtype=torch.bool, device=self.density.device)
        self.update_occupancy()
