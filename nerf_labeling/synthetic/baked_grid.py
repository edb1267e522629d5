"""A voxel-grid field baked straight from a synthetic scene's solids: the built-in backend without training.

Benchmarks and device tests need a field that computes on a GPU (the exact :class:`SyntheticField`
casts rays in numpy) without minutes of training. Every grid vertex inside a solid gets a raw density
that makes the field opaque within one sample step, every other vertex one that leaves it empty, so
surfaces sit within a voxel of the true ones. Colour is a flat grey: labels never read it.
"""
from __future__ import annotations

import numpy as np
import torch

from nerf_labeling.fields.normalisation import SceneNormalisation
from nerf_labeling.fields.voxel_grid_field import VoxelGridField
from nerf_labeling.fields.voxel_grid_model import GridRenderSettings, VoxelGridModel
from nerf_labeling.synthetic.field import GROUND_THICKNESS
from nerf_labeling.synthetic.scene import SyntheticScene

#: raw density (before the model's shift and softplus) of a vertex inside a solid and of one outside:
#: about 640 per normalised unit (opaque within a step) and about 1e-6
SOLID_RAW = 18.0
EMPTY_RAW = -10.0


def bake_voxel_grid_field(scene: SyntheticScene, *, resolution: int = 128, margin: float = 1.02) -> VoxelGridField:
    """A :class:`VoxelGridField` of ``scene`` at ``resolution`` vertices per axis, on the CPU.

    The normalised cube is the scene's bounds (ground square and objects), grown by ``margin``. The
    ground slab is made at least two voxels thick so no vertex layer can miss it.
    """
    bounds = scene.bounds(ground_thickness=GROUND_THICKNESS)
    scale = margin * float((bounds[1] - bounds[0]).max()) / 2.0
    normalisation = SceneNormalisation(centre=bounds.mean(axis=0), rotation=np.eye(3), scale=scale)
    axis = np.linspace(-1.0, 1.0, resolution)
    # Table row (i * R + j) * R + k holds vertex (i, j, k) along x, y, z (see trilinear.py).
    vertices = np.stack(np.meshgrid(axis, axis, axis, indexing="ij"), axis=-1).reshape(-1, 3)
    spacing = 2.0 * scale / (resolution - 1)
    solid = scene.solid_mask(
        normalisation.points_to_world(vertices), ground_thickness=max(GROUND_THICKNESS, 2.0 * spacing)
    )
    model = VoxelGridModel(resolution, GridRenderSettings(background_degree=0))
    with torch.no_grad():
        model.density.copy_(torch.from_numpy(np.where(solid, SOLID_RAW, EMPTY_RAW).astype(np.float32))[:, None])
    model.update_occupancy()
    return VoxelGridField(model, normalisation)
