"""The one training entry point, whatever the backend: :func:`train_field`."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from nerf_labeling.cameras import Camera
from nerf_labeling.fields.base import RadianceField
from nerf_labeling.training.frames import TrainingFrame, as_training_frame


class TrainingCancelled(RuntimeError):
    """Raised by a trainer when ``should_stop()`` returned True."""


@dataclass(frozen=True)
class TrainingProgress:
    """What a progress callback receives.

    iteration : iterations done so far
    total : the iteration budget (an explicit ``max_seconds`` cap may end training earlier)
    loss : training loss of the latest iteration
    elapsed_s : wall time since training started
    held_out_psnr : mean PSNR (dB) over held-out frames if evaluated at this iteration, else None
    """

    iteration: int
    total: int
    loss: float
    elapsed_s: float
    held_out_psnr: float | None = None


@dataclass
class TrainingMetrics:
    """Summary of a finished training run (PSNR in dB, times in seconds)."""

    backend: str
    iterations: int
    seconds: float
    final_loss: float
    train_psnr: float
    held_out_psnr: float | None
    extra: dict[str, Any] = field(default_factory=dict)
    #: the iteration budget; ``iterations`` falls short of it only when ``cut_short``
    planned_iterations: int | None = None
    #: True when an explicit ``max_seconds`` cap stopped training before ``planned_iterations``
    cut_short: bool = False


ProgressCallback = Callable[[TrainingProgress], None]


def psnr(mse: float) -> float:
    """Peak signal-to-noise ratio in dB of a mean squared error on [0, 1] images."""
    return float("inf") if mse <= 0.0 else -10.0 * math.log10(mse)


def train_field(
    frames: Sequence[TrainingFrame | tuple[np.ndarray, Camera]],
    config: Any,
    *,
    held_out: Sequence[TrainingFrame | tuple[np.ndarray, Camera]] = (),
    progress: ProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
    seed: int = 0,
) -> tuple[RadianceField, TrainingMetrics]:
    """Train a radiance field on ``frames`` with the backend ``config`` names.

    Parameters
    ----------
    frames : (image, Camera) pairs or :class:`TrainingFrame`; images (H, W, 3) uint8 or float in [0, 1]
    config : a trainer config (see :func:`nerf_labeling.backends.preset`) with ``setup``
    held_out : frames never trained on, rendered to report held-out PSNR
    progress : called every ``config.progress_every`` iterations and whenever held-out PSNR is evaluated
    should_stop : polled every iteration; returning True raises :class:`TrainingCancelled`
    seed : all randomness (ray batches, sample jitter) derives from it; schedules follow iterations,
        never the clock, so a run is deterministic given the seed on a quiet or a busy machine (unless an
        explicit ``max_seconds`` cap cuts it short, which ``TrainingMetrics.cut_short`` reports)

    Returns
    -------
    field : the trained field, answering in the frames' world frame
    metrics : :class:`TrainingMetrics`
    """
    if len(frames) == 0:
        raise ValueError("need at least one training frame")
    trainer = config.setup(
        frames=[as_training_frame(f) for f in frames],
        held_out=[as_training_frame(f) for f in held_out],
        seed=seed,
    )
    return trainer.train(progress=progress or (lambda report: None), should_stop=should_stop or (lambda: False))
