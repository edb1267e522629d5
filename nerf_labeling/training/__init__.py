"""Training radiance fields: one entry point (:func:`train_field`); presets in :mod:`nerf_labeling.backends`."""
from nerf_labeling.backends import preset
from nerf_labeling.training.train import (
    TrainingCancelled,
    TrainingMetrics,
    TrainingProgress,
    train_field,
)

__all__ = [
    "TrainingCancelled",
    "TrainingMetrics",
    "TrainingProgress",
    "preset",
    "train_field",
]
