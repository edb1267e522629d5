"""Mesh files in every supported format, ray casting and extraction from a density."""
from __future__ import annotations

import numpy as np
import pytest
import trimesh

from nerf_labeling.meshes import MeshFileError, TriangleMesh, box_mesh, load_mesh, save_mesh
from nerf_labeling.meshes.extract import extract_mesh_in_box, largest_component, sample_box_grid, signed_volume
from nerf_labeling.meshes.raycast import MeshRaycaster


def tetrahedron() -> trimesh.Trimesh:
    vertices = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 3.0]])
    return trimesh.Trimesh(vertices, [[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]], process=False)


@pytest.mark.parametrize("suffix", [".obj", ".ply", ".stl", ".glb"])
def test_each_format_loads_the_same_triangles(tmp_path, suffix):
    path = tmp_path / f"tetra{suffix}"
    tetrahedron().export(path)
    mesh = load_mesh(path)
    assert len(mesh.faces) == 4
    np.testing.assert_allclose(mesh.bounds, [[0, 0, 0], [1, 2, 3]], atol=1e-6)
    assert signed_volume(mesh) == pytest.approx(1.0, rel=1e-5)  # 1 * 2 * 3 / 6, faces still outward


def test_a_glb_scene_is_flattened_with_its_node_transforms(tmp_path):
    scene = trimesh.Scene()
    scene.add_geometry(tetrahedron(), transform=trimesh.transformations.translation_matrix([10.0, 0.0, 0.0]))
    scene.add_geometry(box_mesh([1.0, 1.0, 1.0]).to_trimesh())
    scene.export(tmp_path / "scene.glb")
    mesh = load_mesh(tmp_path / "scene.glb")
    assert len(mesh.faces) == 4 + 12
    np.testing.assert_allclose(mesh.bounds, [[-0.5, -0.5, -0.5], [11.0, 2.0, 3.0]], atol=1e-6)


def test_save_then_load_keeps_vertices(tmp_path):
    mesh = TriangleMesh.from_trimesh(tetrahedron())
    loaded = load_mesh(save_mesh(mesh, tmp_path / "sub" / "t.ply"))
    np.testing.assert_allclose(loaded.vertices, mesh.vertices)
    np.testing.assert_array_equal(loaded.faces, mesh.faces)


def test_bad_files_are_refused_with_a_reason(tmp_path):
    with pytest.raises(MeshFileError, match="unsupported mesh file type"):
        load_mesh(tmp_path / "x.fbx")
    with pytest.raises(MeshFileError, match="no such mesh file"):
        load_mesh(tmp_path / "x.ply")
    (tmp_path / "empty.obj").write_text("# nothing\n")
    with pytest.raises(MeshFileError):
        load_mesh(tmp_path / "empty.obj")
    with pytest.raises(ValueError, match="index"):
        TriangleMesh(np.zeros((3, 3)), np.array([[0, 1, 3]]))


def test_raycast_distances_are_exact_for_a_posed_box():
    raycaster = MeshRaycaster(box_mesh([2.0, 2.0, 2.0]))
    pose = np.eye(4)
    pose[:3, 3] = [0.0, 0.0, 5.0]
    origins = np.array([[0.0, 0.0, 0.0], [0.5, -0.5, 0.0], [3.0, 0.0, 0.0]])
    directions = np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    distance = raycaster.distances(origins, directions, object_to_world=pose)
    np.testing.assert_allclose(distance[:2], [4.0, 4.0], atol=1e-6)
    assert np.isinf(distance[2])
    np.testing.assert_allclose(raycaster.surface_distances([[0.0, 0.0, 3.0], [0.0, 0.0, 0.5]]), [2.0, 0.5], atol=1e-6)


def sphere_density(center, radius):
    def density(points):
        return np.where(np.linalg.norm(points - center, axis=1) <= radius, 100.0, 0.0)

    return density


def test_marching_cubes_finds_the_sphere_in_a_turned_box():
    pose = np.eye(4)
    pose[:3, :3] = trimesh.transformations.rotation_matrix(0.7, [0, 0, 1])[:3, :3]
    pose[:3, 3] = [1.0, 2.0, 0.5]
    mesh = extract_mesh_in_box(sphere_density(pose[:3, 3], 0.3), pose, [0.8, 0.8, 0.8], level=50.0, resolution=40)
    radii = np.linalg.norm(mesh.vertices, axis=1)  # object frame: centred on the box
    assert np.abs(radii - 0.3).max() < 0.02
    assert signed_volume(mesh) == pytest.approx(4.0 / 3.0 * np.pi * 0.3**3, rel=0.05)


def test_a_solid_cut_by_the_box_is_capped_on_the_box_faces():
    # A slab filling the lower half of the box and beyond: the cap must lie exactly on the box faces.
    mesh = extract_mesh_in_box(lambda p: np.where(p[:, 2] < 0.0, 100.0, 0.0), np.eye(4), [1.0, 1.0, 1.0], level=50.0, resolution=10)
    np.testing.assert_allclose(mesh.bounds[:, :2], [[-0.5, -0.5], [0.5, 0.5]], atol=1e-12)
    assert mesh.bounds[0, 2] == pytest.approx(-0.5)
    assert signed_volume(mesh) == pytest.approx(0.5, rel=0.03)  # marching cubes bevels the box edges


def test_only_the_largest_piece_is_kept_and_empty_boxes_give_none():
    def two_balls(points):
        big = np.linalg.norm(points - [-0.2, 0.0, 0.0], axis=1) <= 0.2
        small = np.linalg.norm(points - [0.35, 0.0, 0.0], axis=1) <= 0.08
        return np.where(big | small, 100.0, 0.0)

    mesh = extract_mesh_in_box(two_balls, np.eye(4), [1.0, 0.6, 0.6], level=50.0, resolution=40)
    assert mesh.vertices[:, 0].max() < 0.05
    assert extract_mesh_in_box(lambda p: np.zeros(len(p)), np.eye(4), [1, 1, 1], level=1.0) is None
    pieces = TriangleMesh(np.vstack([mesh.vertices, mesh.vertices[:3] + 5.0]), np.vstack([mesh.faces, [[len(mesh.vertices), len(mesh.vertices) + 1, len(mesh.vertices) + 2]]]))
    assert len(largest_component(pieces).faces) == len(mesh.faces)


def test_grid_cells_fill_the_box_half_a_cell_inside_its_faces():
    points, spacing = sample_box_grid([1.0, 0.5, 0.25], 4)
    assert points.shape == (4, 2, 2, 3)
    np.testing.assert_allclose(spacing, [0.25, 0.25, 0.125])
    np.testing.assert_allclose(points[0, 0, 0], [-0.375, -0.125, -0.0625])
