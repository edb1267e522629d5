"""Imports every radiance-field backend so each registers itself (the one place that lists them)."""
from nerf_labeling.fields import nerfacto_field, voxel_grid_field  # noqa: F401
from nerf_labeling.fields.registry import register_field
from nerf_labeling.synthetic.field import SyntheticField

# The exact field of a generated scene: tests and benchmarks label with it without training.
register_field("synthetic")(SyntheticField)
