"""Labels on a CUDA device match the CPU's: the field, the ray casting and the label pipeline.

Runs on a bare CUDA machine (no Open3D, trimesh or Django needed: the CPU reference then casts
with the torch caster on the CPU)::

    python -m pytest --noconftest tests/nerf_labeling/test_labels_gpu.py -q
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from nerf_labeling.cameras import camera_rays
from nerf_labeling.fields import render_view
from nerf_labeling.fields.device_rays import camera_rays_made_on
from nerf_labeling.fields.saved_field import load_field
from nerf_labeling.fields.voxel_grid_field import GPU_CHUNK_MAX, GPU_RAY_BATCH
from nerf_labeling.labels import labels_from_view, relabel_objects, render_frame_labels
from nerf_labeling.labels.device_raycast import TorchMeshRaycaster
from nerf_labeling.synthetic.sphere_mesh import uv_sphere_mesh
from tests.nerf_labeling import device_scene

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU; none is present on this machine"),
]

MIN_IOU = 0.999
DEPTH_RTOL = 1e-3


@pytest.fixture(scope="module")
def fields():
    return device_scene.baked_field(resolution=96), device_scene.baked_field(resolution=96).to("cuda")


def test_field_moves_to_cuda_with_gpu_batch_sizes(fields):
    _, on_gpu = fields
    assert on_gpu.device.startswith("cuda")
    assert on_gpu.ray_batch == GPU_RAY_BATCH
    assert 4096 < on_gpu.chunk <= GPU_CHUNK_MAX


def test_field_render_on_cuda_matches_cpu(fields):
    on_cpu, on_gpu = fields
    camera = device_scene.camera()
    expected, actual = render_view(on_cpu, camera), render_view(on_gpu, camera)
    assert actual.depth.dtype == np.float32
    surface = (expected.opacity >= 0.5) & (actual.opacity >= 0.5)
    assert (surface == (expected.opacity >= 0.5)).mean() >= 0.999
    np.testing.assert_allclose(actual.depth[surface], expected.depth[surface], rtol=DEPTH_RTOL)
    np.testing.assert_allclose(actual.opacity, expected.opacity, atol=1e-3)


def test_labels_on_cuda_match_cpu(fields):
    on_cpu, on_gpu = fields
    camera, objects = device_scene.camera(), device_scene.label_objects()
    expected = render_frame_labels(on_cpu, camera, objects, tolerance=device_scene.TOLERANCE)
    actual = render_frame_labels(on_gpu, camera, objects, tolerance=device_scene.TOLERANCE)
    device_scene.assert_labels_match(actual, expected, min_iou=MIN_IOU, rtol=DEPTH_RTOL)
    for got, want in zip(actual.objects, expected.objects):
        assert got.amodal_box == want.amodal_box
        assert got.modal_box == pytest.approx(want.modal_box, abs=1.0)


def test_relabel_on_cuda_equals_full_labels(fields):
    _, on_gpu = fields
    camera, objects = device_scene.camera(), device_scene.label_objects()
    view = render_view(on_gpu, camera)
    before = labels_from_view(view, camera, objects, tolerance=device_scene.TOLERANCE, device="cuda")
    moved = list(objects)
    pose = moved[0].object_to_world.copy()
    pose[:3, 3] += [0.1, 0.0, 0.0]
    moved[0] = replace(moved[0], object_to_world=pose)
    full = labels_from_view(view, camera, moved, tolerance=device_scene.TOLERANCE, device="cuda")
    updated = relabel_objects(before, view, camera, moved, {moved[0].instance_id},
                              tolerance=device_scene.TOLERANCE, device="cuda")
    np.testing.assert_array_equal(updated.instance_mask, full.instance_mask)


def test_torch_raycaster_on_cuda_matches_cpu():
    mesh = uv_sphere_mesh(0.3, 24)
    rng = np.random.default_rng(0)
    origins = rng.normal(size=(200_000, 3)) * 0.1 + [0.0, 0.0, 3.0]
    directions = rng.normal(size=(200_000, 3)) * 0.15 + [0.0, 0.0, -1.0]
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    expected = TorchMeshRaycaster(mesh, "cpu").distances(origins, directions)
    actual = TorchMeshRaycaster(mesh, "cuda").distances(origins, directions)
    np.testing.assert_array_equal(np.isfinite(actual), np.isfinite(expected))
    hit = np.isfinite(expected)
    assert 0.1 < hit.mean() < 0.9
    np.testing.assert_allclose(actual[hit], expected[hit], rtol=1e-5)


def test_load_field_on_cuda(fields, tmp_path):
    on_cpu, _ = fields
    on_cpu.save(tmp_path / "grid")
    loaded = load_field(tmp_path / "grid", device="cuda")
    assert loaded.device.startswith("cuda")
    assert on_cpu.device == "cpu"


def test_rays_made_on_cuda_are_the_cameras_rays():
    camera = device_scene.camera(640, 480)
    expected, actual = camera_rays(camera), camera_rays_made_on(camera, "cuda")
    np.testing.assert_allclose(actual.directions, expected.directions, atol=1e-7)
    np.testing.assert_array_equal(actual.origins, expected.origins)
    np.testing.assert_allclose(actual.z_per_distance, expected.z_per_distance, rtol=1e-7)
