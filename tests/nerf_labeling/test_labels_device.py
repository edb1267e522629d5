"""Fields and labels on a torch device, checked on the CPU: chunking, the torch ray caster, loading."""
from __future__ import annotations

import numpy as np
import pytest

from nerf_labeling.cameras import camera_rays
from nerf_labeling.fields import render_view
from nerf_labeling.fields.device_rays import camera_rays_made_on, camera_rays_on
from nerf_labeling.fields.saved_field import load_field
from nerf_labeling.fields.voxel_grid_field import VoxelGridField
from nerf_labeling.labels import labels_from_view, render_frame_labels
from nerf_labeling.labels.device_raycast import TorchMeshRaycaster
from nerf_labeling.labels.object_raster import raycaster_for
from nerf_labeling.meshes import box_mesh
from nerf_labeling.synthetic.field import SyntheticField
from nerf_labeling.synthetic.sphere_mesh import uv_sphere_mesh
from tests.nerf_labeling import device_scene


@pytest.fixture(scope="module")
def field():
    return device_scene.baked_field(resolution=48)


def test_render_is_the_same_whatever_the_chunk_sizes(field):
    camera = device_scene.camera(64, 48)
    reference = render_view(field, camera)
    odd_batches = VoxelGridField(field.model, field.normalisation, chunk=97)  # batches end mid-row
    chunked = render_view(odd_batches, camera, chunk=1000)
    for name in ("rgb", "depth", "opacity"):
        np.testing.assert_allclose(getattr(chunked, name), getattr(reference, name), rtol=1e-5, atol=1e-6, err_msg=name)
    # sqrt(E[t^2] - E[t]^2) cancels: float32 rounding of the per-batch prefix sums shows at ~1e-5 m
    np.testing.assert_allclose(chunked.depth_std, reference.depth_std, atol=1e-4)
    assert reference.opacity.max() > 0.99 and reference.opacity.min() < 0.01  # objects and sky both seen


def test_cpu_field_keeps_cpu_batch_sizes(field):
    assert field.device == "cpu"
    assert (field.chunk, field.ray_batch) == (4096, 65536)
    assert field.to("cpu") is field


def test_load_field_on_a_device(field, tmp_path):
    field.save(tmp_path / "grid")
    loaded = load_field(tmp_path / "grid", device="cpu")
    assert loaded.device == "cpu"
    camera = device_scene.camera(32, 24)
    np.testing.assert_array_equal(render_view(loaded, camera).depth, render_view(field, camera).depth)


def test_cpu_only_field_stays_on_the_cpu(tmp_path):
    exact = SyntheticField(device_scene.scene())
    assert exact.to("cuda") is exact and exact.device == "cpu"  # nothing to move, so no CUDA needed


def test_baked_field_surfaces_lie_within_a_voxel_of_the_true_ones(field):
    camera = device_scene.camera(80, 60)
    baked, exact = render_view(field, camera), render_view(SyntheticField(device_scene.scene()), camera)
    both = (baked.opacity > 0.5) & (exact.opacity > 0.5)
    assert both.mean() > 0.9 * (exact.opacity > 0.5).mean()
    voxel = 2.0 * field.normalisation.scale / 47
    assert np.median(np.abs(baked.depth - exact.depth)[both]) < voxel


def test_uv_sphere_mesh_is_closed_and_round():
    mesh = uv_sphere_mesh(0.3, 12)
    assert len(mesh.faces) == 12 * 10
    np.testing.assert_allclose(np.linalg.norm(mesh.vertices, axis=1), 0.3)
    edges = np.sort(mesh.faces[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2), axis=1)
    _, uses = np.unique(edges, axis=0, return_counts=True)
    assert (uses == 2).all()  # every edge between exactly two faces: no holes
    normals = np.cross(*(mesh.vertices[mesh.faces[:, i]] - mesh.vertices[mesh.faces[:, 0]] for i in (1, 2)))
    assert (np.einsum("fk,fk->f", normals, mesh.vertices[mesh.faces].mean(axis=1)) > 0).all()  # outward


@pytest.mark.parametrize("make_mesh", [lambda: box_mesh(np.array([0.3, 0.5, 0.7])), lambda: uv_sphere_mesh(0.3, 32)],
                         ids=["box", "sphere"])
def test_torch_raycaster_matches_open3d(make_mesh):
    pytest.importorskip("open3d")
    from nerf_labeling.meshes.raycast import MeshRaycaster

    mesh = make_mesh()
    rng = np.random.default_rng(0)
    origins = rng.normal(size=(4000, 3)) * 0.1 + [0.0, 0.0, 3.0]
    directions = rng.normal(size=(4000, 3)) * 0.15 + [0.0, 0.0, -1.0]
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    pose = np.eye(4)
    pose[:3, :3] = [[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    pose[:3, 3] = [0.05, -0.02, 0.1]
    expected = MeshRaycaster(mesh).distances(origins, directions, object_to_world=pose)
    actual = TorchMeshRaycaster(mesh, "cpu").distances(origins, directions, object_to_world=pose)
    assert 0.1 < np.isfinite(expected).mean() < 0.9
    np.testing.assert_array_equal(np.isfinite(actual), np.isfinite(expected))
    hit = np.isfinite(expected)
    np.testing.assert_allclose(actual[hit], expected[hit], rtol=1e-5, atol=1e-5)
    assert actual.dtype == np.float32


def test_torch_raycaster_blocks_give_the_same_answer():
    mesh = box_mesh(np.array([0.3, 0.5, 0.7]))
    rng = np.random.default_rng(1)
    origins = np.tile([0.0, 0.0, 2.0], (500, 1)) + rng.normal(size=(500, 3)) * 0.2
    directions = np.tile([0.0, 0.0, -1.0], (500, 1))
    whole = TorchMeshRaycaster(mesh, "cpu")
    blocked = TorchMeshRaycaster(mesh, "cpu")
    blocked._pairs_per_block = 5  # 5 triangles x 1 ray per block
    np.testing.assert_array_equal(blocked.distances(origins, directions), whole.distances(origins, directions))


def test_raycaster_for_caches_one_caster_per_mesh_and_device():
    mesh = box_mesh(np.array([0.2, 0.2, 0.2]))
    assert raycaster_for(mesh, "cpu") is raycaster_for(mesh, "cpu")


def test_render_frame_labels_follows_the_field_device(field):
    camera = device_scene.camera(64, 48)
    objects = device_scene.label_objects()
    via_field = render_frame_labels(field, camera, objects, tolerance=device_scene.TOLERANCE)
    view = render_view(field, camera)
    via_view = labels_from_view(view, camera, objects, tolerance=device_scene.TOLERANCE, device="cpu")
    np.testing.assert_array_equal(via_field.instance_mask, via_view.instance_mask)
    assert len(np.unique(via_field.instance_mask)) >= 4


def test_rays_made_with_torch_are_the_cameras_rays():
    camera = device_scene.camera(64, 48)
    expected = camera_rays(camera)
    origins, directions, z_per_distance = camera_rays_on(camera, "cpu")
    np.testing.assert_array_equal(origins.numpy(), expected.origins)
    np.testing.assert_array_equal(directions.numpy(), expected.directions)
    np.testing.assert_array_equal(z_per_distance.numpy(), expected.z_per_distance)
    copied = camera_rays_made_on(camera, "cpu")
    np.testing.assert_array_equal(copied.directions, expected.directions)
    assert copied.origins.dtype == np.float32 and copied.origins.flags.c_contiguous
