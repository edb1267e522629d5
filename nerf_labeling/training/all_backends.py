"""Imports every training backend so it registers itself and its presets (the one place that lists them)."""
from nerf_labeling.training import nerfacto_trainer, voxel_grid_trainer  # noqa: F401
