"""Give a placed box the object surface the field holds inside it (marching cubes on its density)."""
from __future__ import annotations

from dataclasses import replace

from nerf_labeling.fields.base import RadianceField
from nerf_labeling.labels.scene_objects import BoxObject
from nerf_labeling.meshes.extract import extract_mesh_in_box


def with_extracted_mesh(
    field: RadianceField, obj: BoxObject, *, level: float | None = None, resolution: int = 64
) -> BoxObject:
    """``obj`` carrying the largest connected surface of ``field`` inside its box (object frame).

    ``level`` is the density (1/metre) taken as the surface (None: ``ln 2 / grid spacing``, see
    :func:`nerf_labeling.meshes.extract.extract_mesh_in_box`). Where nothing inside the box exceeds it
    the object is returned without a mesh (its box then stands in for the silhouette).
    """
    mesh = extract_mesh_in_box(field.density, obj.object_to_world, obj.size, level=level, resolution=resolution)
    return replace(obj, mesh=mesh, mesh_path=None)
