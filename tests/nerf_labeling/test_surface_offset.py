"""A field whose surface lies inside the true one, as a trained field's does (bench/bench_icp_fit.py): the fit
measures that offset and lands the mesh on the truth, where fitting the full-size mesh ends off toward the
side no camera saw."""
from __future__ import annotations

import numpy as np

from nerf_labeling.labels.seen_surface_icp import fit_offset_surface, fit_seen_surface, residuals
from nerf_labeling.meshes import box_mesh
from nerf_labeling.meshes.align import sample_mesh_surface
from nerf_labeling.synthetic.presets import upright_pose

#: Cameras look at the box from these directions (towards it): its +x, +y and top faces are seen.
VIEW_DIRECTIONS = np.array([[-1.0, 0.0, -0.8], [0.0, -1.0, -0.8], [-1.0, -1.0, -0.8]])
EROSION = 0.004
INLIER = 0.01


def seen(points: np.ndarray, normals: np.ndarray) -> np.ndarray:
    return np.any(normals @ VIEW_DIRECTIONS.T < -0.1, axis=1)


def eroded_field_points(samples, normals, pose, rng):
    """The seen faces at ``pose``, moved EROSION inside along their normals, with 0.5 mm noise (world)."""
    world, world_normals = samples @ pose[:3, :3].T + pose[:3, 3], normals @ pose[:3, :3].T
    kept = seen(world, world_normals)
    return world[kept] - EROSION * world_normals[kept] + rng.normal(scale=0.0005, size=(kept.sum(), 3))


def test_the_offset_fit_lands_on_the_truth_where_the_plain_fit_is_pulled_inside():
    rng = np.random.default_rng(3)
    mesh = box_mesh(np.array([0.4, 0.3, 0.25]))
    samples, normals = sample_mesh_surface(mesh, 20000, rng)
    truth = upright_pose(0.2, -0.1, 0.125, 25.0)
    points = eroded_field_points(samples, normals, truth, rng)
    start = upright_pose(0.215, -0.09, 0.13, 27.0)

    plain = fit_seen_surface(samples, normals, points, start, seen, search_radius=0.08, inlier_distance=INLIER)
    corrected, offset = fit_offset_surface(samples, normals, points, plain, seen, inlier_distance=INLIER)

    plain_error = np.linalg.norm(plain[:3, 3] - truth[:3, 3])
    corrected_error = np.linalg.norm(corrected[:3, 3] - truth[:3, 3])
    assert plain_error > 0.005  # about EROSION along each of the three seen faces' normals
    assert corrected_error < 0.0005
    assert abs(offset + EROSION) < 0.0005
    turn = np.degrees(np.arccos(np.clip((np.trace(corrected[:3, :3].T @ truth[:3, :3]) - 1) / 2, -1, 1)))
    assert turn < 0.1
    # the residual is measured against the surface the fit used: the mesh shrunk by the offset
    assert residuals(mesh, points, corrected, INLIER, offset)[0] < 0.001
    assert residuals(mesh, points, truth, INLIER)[0] > 0.003


def test_a_field_on_the_true_surface_has_no_offset():
    rng = np.random.default_rng(4)
    samples, normals = sample_mesh_surface(box_mesh(np.array([0.3, 0.3, 0.3])), 20000, rng)
    truth = upright_pose(0.0, 0.0, 0.15, 10.0)
    world, world_normals = samples @ truth[:3, :3].T + truth[:3, 3], normals @ truth[:3, :3].T
    points = world[seen(world, world_normals)]
    corrected, offset = fit_offset_surface(samples, normals, points, truth, seen, inlier_distance=INLIER)
    assert abs(offset) < 1e-4
    assert np.linalg.norm(corrected[:3, 3] - truth[:3, 3]) < 1e-4
