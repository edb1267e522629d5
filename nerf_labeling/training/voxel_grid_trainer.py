"""Training loop of the built-in voxel-grid backend (pure PyTorch, CPU).

Schedules (grid resolution, learning-rate decay) follow iterations done / ``max_iterations`` and never
the clock, so the same capture, seed and preset give the same field on a quiet and on a busy machine.
``max_seconds`` is an explicit cap (None in every preset): when it stops training first, the run is
truncated and its metrics say ``cut_short``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, ClassVar

import numpy as np
import torch

from nerf_labeling.fields.normalisation import normalisation_from_cameras
from nerf_labeling.fields.voxel_grid_field import VoxelGridField
from nerf_labeling.fields.voxel_grid_model import GridRenderSettings, VoxelGridModel
from nerf_labeling.fields.volume_rendering import distortion_loss
from nerf_labeling.training.frames import TrainingFrame, frames_to_rays
from nerf_labeling.training.masked_adam import MaskedAdam
from nerf_labeling.training.train import (
    ProgressCallback,
    TrainingCancelled,
    TrainingMetrics,
    TrainingProgress,
    psnr,
)


@dataclass
class VoxelGridTrainerConfig:
    """Everything that decides a voxel-grid training run.

    max_iterations : the work a run does; schedules are fractions of it
    max_seconds : optional wall-clock cap; a run it stops early is reported as cut short
    resolution_schedule : ``(iteration fraction, vertices per axis)`` pairs, fractions ascending from 0
    lr_final_factor : learning rates decay exponentially to this factor at the last iteration
    distortion_weight : weight of mip-NeRF 360's distortion loss (sharper surfaces, better depth)
    sparsity_weight : weight of the summed sample alphas per ray (off by default). It thins density
        that no ray sees clearly, but it also pushes every surface back along the rays that see it:
        on the benchmark scene 1e-3 left object surfaces about 17 mm behind their true place (7 mm without),
        enough to shift ICP fits by a centimetre. The masked optimiser already leaves untouched space alone.
    tv_weight, tv_samples : total-variation penalty on the density of that many random vertices
    occupancy_warmup : iterations that sample all of the cube before empty space is first skipped
    eval_every : iterations between held-out evaluations (also evaluated at the end); None: only at the end
    """

    backend: ClassVar[str] = "voxel-grid"

    max_iterations: int = 3000
    max_seconds: float | None = None
    rays_per_batch: int = 2048
    resolution_schedule: tuple[tuple[float, int], ...] = ((0.0, 32), (0.1, 64), (0.25, 96), (0.5, 128))
    settings: GridRenderSettings = field(default_factory=GridRenderSettings)
    density_lr: float = 0.3
    colour_lr: float = 0.1
    background_lr: float = 0.05
    lr_final_factor: float = 0.1
    distortion_weight: float = 0.05
    sparsity_weight: float = 0.0
    tv_weight: float = 0.0
    tv_samples: int = 32768
    occupancy_every: int = 16
    occupancy_warmup: int = 64
    progress_every: int = 25
    eval_every: int | None = 500
    normalisation_margin: float = 1.1

    def setup(self, *, frames: list[TrainingFrame], held_out: list[TrainingFrame], seed: int) -> "VoxelGridTrainer":
        return VoxelGridTrainer(self, frames, held_out, seed)


def grid_fast() -> VoxelGridTrainerConfig:
    """Seconds on a tiny scene: for tests and smoke runs."""
    return VoxelGridTrainerConfig(
        max_iterations=60, rays_per_batch=1024, resolution_schedule=((0.0, 24), (0.5, 40)), occupancy_warmup=16, eval_every=None
    )


def grid_default() -> VoxelGridTrainerConfig:
    """2000 iterations on the CPU: what a quiet 2-core machine reached in 3 minutes on the benchmark's
    128x96, 50-frame capture (1,345-2,485), now a fixed amount of work so a busy machine takes longer
    instead of stopping early with a worse field. The last half runs at 192 vertices per axis (2.8 cm cells on
    that capture, 4.2 cm at 128): outlines and surfaces sharpen (random_scene(6421): box mask IoU 0.966 -> 0.970
    at the label job's tolerance; ICP within 5 mm on every object of two scenes) for about a third more
    time (a quiet machine: about 245 s at 128, 316-327 s at 192); BENCHMARKS.md."""
    return VoxelGridTrainerConfig(
        max_iterations=2000, resolution_schedule=((0.0, 32), (0.1, 64), (0.25, 128), (0.5, 192))
    )


class VoxelGridTrainer:
    """Fits a :class:`VoxelGridModel` to the frames' pixels; see :func:`train_field`."""

    def __init__(self, config: VoxelGridTrainerConfig, frames: list[TrainingFrame], held_out: list[TrainingFrame], seed: int):
        self.config = config
        self.normalisation = normalisation_from_cameras([f.camera for f in frames], margin=config.normalisation_margin)
        self.rays = frames_to_rays(frames, self.normalisation)
        self.held_out = [frames_to_rays([f], self.normalisation) for f in held_out]
        self.generator = torch.Generator().manual_seed(seed)
        self.model = VoxelGridModel(config.resolution_schedule[0][1], config.settings)
        self.optimiser = self._optimiser()

    def _optimiser(self) -> MaskedAdam:
        c = self.config
        return MaskedAdam(
            [(self.model.density, c.density_lr), (self.model.colour, c.colour_lr), (self.model.background, c.background_lr)]
        )

    def _out_of_time(self, elapsed: float) -> bool:
        """Whether the explicit wall-clock cap (if any) is spent; only it ever looks at the clock."""
        return self.config.max_seconds is not None and elapsed >= self.config.max_seconds

    def _resolution_for(self, fraction: float) -> int:
        return max(res for start, res in self.config.resolution_schedule if start <= fraction)

    def _tv_loss(self) -> torch.Tensor:
        res = self.model.resolution
        corner = torch.randint(0, res - 1, (self.config.tv_samples, 3), generator=self.generator)
        index = (corner[:, 0] * res + corner[:, 1]) * res + corner[:, 2]
        density = self.model.density[:, 0]
        here = density[index]
        steps = (res * res, res, 1)
        return sum(((density[index + s] - here) ** 2).mean() for s in steps) / 3.0

    def _step(self, lr_factor: float) -> tuple[float, float]:
        c = self.config
        batch = torch.randint(0, len(self.rays), (c.rays_per_batch,), generator=self.generator)
        offsets = torch.rand(c.rays_per_batch, generator=self.generator)
        out = self.model.render(self.rays.origins[batch], self.rays.directions[batch], offsets)
        mse = ((out.rgb - self.rays.colours[batch]) ** 2).mean()
        loss = mse
        if c.distortion_weight > 0.0:
            loss = loss + c.distortion_weight * distortion_loss(out.comp.weights, out.samples, out.step)
        if c.sparsity_weight > 0.0:
            alphas = 1.0 - torch.exp(-out.sigma * out.step)
            loss = loss + c.sparsity_weight * alphas.sum() / c.rays_per_batch
        if c.tv_weight > 0.0:
            loss = loss + c.tv_weight * self._tv_loss()
        self.optimiser.zero_grad()
        loss.backward()
        self.optimiser.step(lr_factor)
        return float(loss.detach()), float(mse.detach())

    @torch.no_grad()
    def evaluate(self) -> float | None:
        """Mean PSNR (dB) over held-out frames, or None without any."""
        if not self.held_out:
            return None
        scores = []
        for rays in self.held_out:
            rgb = torch.cat([self.model.render(rays.origins[i : i + 4096], rays.directions[i : i + 4096]).rgb
                             for i in range(0, len(rays), 4096)])
            scores.append(psnr(float(((rgb.clamp(0, 1) - rays.colours) ** 2).mean())))
        return float(np.mean(scores))

    def train(self, *, progress: ProgressCallback, should_stop: Callable[[], bool]) -> tuple[VoxelGridField, TrainingMetrics]:
        c = self.config
        start = time.perf_counter()
        iteration, loss, recent_mse, cut_short = 0, float("nan"), [], False
        while iteration < c.max_iterations:
            if self._out_of_time(time.perf_counter() - start):
                cut_short = True
                break
            fraction = iteration / c.max_iterations
            if should_stop():
                raise TrainingCancelled(f"training cancelled after {iteration} iterations")
            resolution = self._resolution_for(fraction)
            if resolution != self.model.resolution:
                self.model.upsample(resolution)
                self.optimiser = self._optimiser()
            loss, mse = self._step(c.lr_final_factor**fraction)
            recent_mse = (recent_mse + [mse])[-50:]
            iteration += 1
            if iteration >= c.occupancy_warmup and iteration % c.occupancy_every == 0:
                self.model.update_occupancy()
            evaluate_now = c.eval_every is not None and iteration % c.eval_every == 0
            held_psnr = self.evaluate() if evaluate_now else None
            if iteration % c.progress_every == 0 or evaluate_now:
                progress(TrainingProgress(iteration, c.max_iterations, loss, time.perf_counter() - start, held_psnr))
        self.model.update_occupancy()
        seconds = time.perf_counter() - start
        held_psnr = self.evaluate()
        progress(TrainingProgress(iteration, c.max_iterations, loss, seconds, held_psnr))
        metrics = TrainingMetrics(
            backend=self.config.backend,
            iterations=iteration,
            seconds=seconds,
            final_loss=loss,
            train_psnr=psnr(float(np.mean(recent_mse))) if recent_mse else float("nan"),
            held_out_psnr=held_psnr,
            extra={"resolution": self.model.resolution, "occupied_fraction": float(self.model.occupancy.float().mean())},
            planned_iterations=c.max_iterations,
            cut_short=cut_short,
        )
        return VoxelGridField(self.model, self.normalisation), metrics
