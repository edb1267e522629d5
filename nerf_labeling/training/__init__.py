"""Training radiance fields: one entry point (:func:`train_field`), backends and presets in registries."""
from nerf_labeling.training.registry import BACKENDS, PRESETS, preset, register_backend, register_preset
from nerf_labeling.training.train import (
    TrainingCancelled,
    TrainingMetrics,
    TrainingProgress,
    train_field,
)

__all__ = [
    "BACKENDS",
    "PRESETS",
    "TrainingCancelled",
    "TrainingMetrics",
    "TrainingProgress",
    "preset",
    "register_backend",
    "register_preset",
    "train_field",
]
