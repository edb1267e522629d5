"""A small labelled scene on a baked voxel-grid field, shared by the device tests (CPU and GPU).

Importable without Open3D, trimesh or Django, so the GPU tests run on a bare CUDA machine.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from nerf_labeling.cameras import Camera, Intrinsics, look_at
from nerf_labeling.labels import BoxObject, FrameLabels, MeshObject
from nerf_labeling.synthetic import default_scene
from nerf_labeling.synthetic.baked_grid import bake_voxel_grid_field
from nerf_labeling.synthetic.sphere_mesh import uv_sphere_mesh

TOLERANCE = 0.02
CLASS_IDS = {"box": 1, "ball": 2, "can": 3}
#: objects of the default scene labelled through the mesh pipeline (the balls, as UV spheres)
MESH_IDS = {2, 5}


def scene():
    return replace(default_scene(), ground_half_extent=1.5)


def baked_field(resolution: int = 64):
    return bake_voxel_grid_field(scene(), resolution=resolution)


def camera(width: int = 320, height: int = 240, eye=(2.0, -1.4, 1.2)) -> Camera:
    focal = 0.9 * width
    return Camera(Intrinsics(focal, focal, width / 2, height / 2, width, height), look_at(eye, (0.0, 0.0, 0.25)))


def label_objects() -> list:
    """Boxes 1, 3, 4 through the box pipeline; the balls 2 and 5 through the mesh pipeline."""
    objects = []
    for obj in scene().objects:
        common = dict(instance_id=obj.instance_id, class_id=CLASS_IDS[obj.class_name], class_name=obj.class_name,
                      object_to_world=obj.object_to_world)
        if obj.instance_id in MESH_IDS:
            objects.append(MeshObject(mesh=uv_sphere_mesh(obj.size[0] / 2.0, 24), **common))
        else:
            objects.append(BoxObject(size=np.asarray(obj.size), **common))
    return objects


def mask_iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


def assert_labels_match(actual: FrameLabels, expected: FrameLabels, *, min_iou: float, rtol: float) -> None:
    """Every object's mask agrees to ``min_iou``; field and object depth agree to ``rtol`` where both are set."""
    ids = {label.instance_id for label in expected.objects}
    assert ids == {label.instance_id for label in actual.objects}
    for instance_id in ids:
        expected_mask = expected.instance_mask == instance_id
        assert mask_iou(actual.instance_mask == instance_id, expected_mask) >= min_iou, instance_id
    assert expected.instance_mask.any()
    for name in ("depth", "object_depth"):
        a, e = getattr(actual, name), getattr(expected, name)
        both = (a > 0) & (e > 0)
        assert both.sum() >= 0.99 * max((a > 0).sum(), (e > 0).sum())
        np.testing.assert_allclose(a[both], e[both], rtol=rtol)
