"""A field whose surface lies inside the true one, as a trained field's does (bench/bench_icp_fit.py): the fit
measures that offset and lands the mesh on the truth, where fitting the full-size mesh ends off toward the
side no camera saw; where the seen faces cannot tell an offset from a shift, the fit is left as it was."""
from __future__ import annotations

import numpy as np

from nerf_labeling.labels.seen_surface_icp import fit_offset_surface, fit_seen_surface, residuals
from nerf_labeling.meshes import box_mesh
from nerf_labeling.meshes.align import sample_mesh_surface
from nerf_labeling.meshes.triangle_mesh import TriangleMesh
from nerf_labeling.synthetic.presets import upright_pose

SIZE = np.array([0.4, 0.3, 0.25])
EROSION = 0.004
INLIER = 0.01
#: Cameras look at the box from these directions (towards it). An orbit above: its four sides and top,
#: seen more from the +x side (the side faces nearer that side are seen from more views).
ORBIT = np.array([[-1.0, 0.0, -0.8], [0.0, -1.0, -0.8], [-1.0, -1.0, -0.8], [1.0, 0.2, -0.8], [0.2, 1.0, -0.8]])
#: Three cameras on one side: only the +x, +y and top faces are seen.
ONE_SIDE = np.array([[-1.0, 0.0, -0.8], [0.0, -1.0, -0.8], [-1.0, -1.0, -0.8]])


def seen_from(directions: np.ndarray):
    def seen(points: np.ndarray, normals: np.ndarray) -> np.ndarray:
        return np.any(normals @ directions.T < -0.1, axis=1)
    return seen


def eroded_field_points(seen, pose, rng):
    """The seen surface of the box shrunk by EROSION on every side, at ``pose``, with 0.5 mm noise (world)."""
    points, normals = sample_mesh_surface(box_mesh(SIZE - 2 * EROSION), 20000, rng)
    world, world_normals = points @ pose[:3, :3].T + pose[:3, 3], normals @ pose[:3, :3].T
    kept = seen(world, world_normals)
    return world[kept] + rng.normal(scale=0.0005, size=(kept.sum(), 3))


def fits(seen, rng, yaw: float = 25.0):
    mesh = box_mesh(SIZE)
    samples, normals = sample_mesh_surface(mesh, 20000, rng)
    truth = upright_pose(0.2, -0.1, 0.125, yaw)
    points = eroded_field_points(seen, truth, rng)
    start = upright_pose(0.215, -0.09, 0.13, yaw + 2.0)
    plain = fit_seen_surface(samples, normals, points, start, seen, search_radius=0.08, inlier_distance=INLIER)
    corrected, offset = fit_offset_surface(samples, normals, points, plain, seen, inlier_distance=INLIER)
    return mesh, points, truth, plain, corrected, offset


def test_the_offset_fit_lands_on_the_truth_where_the_plain_fit_is_pulled_inside():
    seen = seen_from(ORBIT)
    mesh, points, truth, plain, corrected, offset = fits(seen, np.random.default_rng(3))
    plain_error = np.linalg.norm(plain[:3, 3] - truth[:3, 3])
    corrected_error = np.linalg.norm(corrected[:3, 3] - truth[:3, 3])
    assert plain_error > 0.002  # pulled toward the bottom, the one face no camera saw
    assert corrected_error < 0.0005
    assert abs(offset + EROSION) < 0.0005
    turn = np.degrees(np.arccos(np.clip((np.trace(corrected[:3, :3].T @ truth[:3, :3]) - 1) / 2, -1, 1)))
    assert turn < 0.1
    # the residual is measured against the surface the fit used: the mesh shrunk by the offset
    assert residuals(mesh, points, corrected, INLIER, offset)[0] < 0.001
    assert residuals(mesh, points, truth, INLIER)[0] > 0.003


def test_three_faces_cannot_tell_an_offset_from_a_shift_so_the_fit_is_left_as_it_was():
    # square to the cameras, the box shows them its +x, +y and top faces only
    _, _, _, plain, corrected, offset = fits(seen_from(ONE_SIDE), np.random.default_rng(5), yaw=0.0)
    assert offset == 0.0
    np.testing.assert_array_equal(corrected, plain)


def test_a_field_on_the_true_surface_has_no_offset():
    rng = np.random.default_rng(4)
    seen = seen_from(ORBIT)
    samples, normals = sample_mesh_surface(box_mesh(SIZE), 20000, rng)
    truth = upright_pose(0.0, 0.0, 0.125, 10.0)
    world, world_normals = samples @ truth[:3, :3].T + truth[:3, 3], normals @ truth[:3, :3].T
    points = world[seen(world, world_normals)]
    corrected, offset = fit_offset_surface(samples, normals, points, truth, seen, inlier_distance=INLIER)
    assert abs(offset) < 1e-4
    assert np.linalg.norm(corrected[:3, 3] - truth[:3, 3]) < 1e-4


def test_only_a_closed_mesh_has_an_inside_to_offset():
    mesh = box_mesh(SIZE)
    assert mesh.is_closed
    assert not TriangleMesh(mesh.vertices, mesh.faces[:-1]).is_closed
