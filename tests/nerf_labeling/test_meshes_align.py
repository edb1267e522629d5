"""Pose refinement: ICP of a mesh against the exact field's surface recovers the true pose."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from nerf_labeling.cameras import Camera, Intrinsics, look_at
from nerf_labeling.labels import MeshObject
from nerf_labeling.labels.pose_refinement import field_surface_points, refine_mesh_pose
from nerf_labeling.meshes import TriangleMesh, box_mesh
from nerf_labeling.meshes.align import align_mesh_to_points
from nerf_labeling.synthetic.field import SyntheticField
from nerf_labeling.synthetic.presets import upright_pose
from nerf_labeling.synthetic.scene import SceneObject, SyntheticScene

#: an L of two boxes (no symmetry) with its frame at the long box's centre, standing on the ground
L_POSE = upright_pose(0.1, -0.1, 0.15, 25.0)
LONG, FOOT = ((0.5, 0.2, 0.3), (0.0, 0.0, 0.0)), ((0.2, 0.2, 0.2), (0.15, 0.2, -0.05))


def l_shape_scene() -> SyntheticScene:
    parts = []
    for instance_id, (size, offset) in enumerate((LONG, FOOT), start=1):
        pose = L_POSE.copy()
        pose[:3, 3] = L_POSE[:3, :3] @ np.asarray(offset) + L_POSE[:3, 3]
        parts.append(SceneObject(instance_id, "part", "box", size, pose))
    parts.append(SceneObject(3, "ball", "sphere", (0.3, 0.3, 0.3), upright_pose(-0.6, 0.4, 0.15)))
    return SyntheticScene(tuple(parts))


def l_shape_mesh() -> TriangleMesh:
    pieces = [box_mesh(size).transformed(upright_pose(*offset)) for size, offset in (LONG, FOOT)]
    offsets = np.cumsum([0] + [len(p.vertices) for p in pieces[:-1]])
    return TriangleMesh(
        np.vstack([p.vertices for p in pieces]), np.vstack([p.faces + o for p, o in zip(pieces, offsets)])
    )


def orbit(count: int = 6) -> list[Camera]:
    angles = np.linspace(0.0, 2.0 * np.pi, count, endpoint=False)
    return [
        Camera(Intrinsics(70.0, 70.0, 40.0, 30.0, 80, 60), look_at([1.8 * np.cos(a), 1.8 * np.sin(a), 1.2], [0, 0, 0.15]))
        for a in angles
    ]


def perturbed(pose: np.ndarray, degrees: float, metres: float, rng: np.random.Generator) -> np.ndarray:
    axis, shift = rng.normal(size=3), rng.normal(size=3)
    out = pose.copy()
    out[:3, :3] = Rotation.from_rotvec(np.deg2rad(degrees) * axis / np.linalg.norm(axis)).as_matrix() @ pose[:3, :3]
    out[:3, 3] += metres * shift / np.linalg.norm(shift)
    return out


def pose_error(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(metres, degrees) between two poses."""
    turn = Rotation.from_matrix(a[:3, :3].T @ b[:3, :3]).magnitude()
    return float(np.linalg.norm(a[:3, 3] - b[:3, 3])), float(np.rad2deg(turn))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_icp_recovers_the_pose_from_10_cm_and_10_degrees_off(seed):
    field = SyntheticField(l_shape_scene())
    start = perturbed(L_POSE, 10.0, 0.10, np.random.default_rng(seed))
    assert pose_error(start, L_POSE) == pytest.approx((0.10, 10.0))
    obj = MeshObject(1, 1, "bracket", start, mesh=l_shape_mesh(), version=4)
    refined, fit = refine_mesh_pose(field, obj, orbit(), image_scale=1.0, seed=seed)
    metres, degrees = pose_error(refined.object_to_world, L_POSE)
    assert metres < 0.01 and degrees < 1.0
    assert fit.rmse < 0.002 and fit.inlier_fraction > 0.85 and not fit.used_global_search
    assert refined.version == 5


@pytest.mark.slow  # the global step refines 25 starts: about 20 s on a shared 2-core machine
def test_a_start_far_off_needs_the_global_step():
    field = SyntheticField(l_shape_scene())
    points = field_surface_points(field, orbit(), image_scale=1.0)
    start = L_POSE @ upright_pose(0.05, -0.05, 0.0, 150.0)  # turned 150 degrees about its own vertical
    local = align_mesh_to_points(l_shape_mesh(), points, start, search_radius=0.3, global_search="never")
    found = align_mesh_to_points(l_shape_mesh(), points, start, search_radius=0.3, global_search="auto")
    assert pose_error(local.object_to_world, L_POSE)[1] > 30.0  # ICP alone stays in the wrong basin
    assert found.used_global_search
    metres, degrees = pose_error(found.object_to_world, L_POSE)
    assert metres < 0.01 and degrees < 1.0


def test_too_few_points_near_the_guess_is_an_error():
    with pytest.raises(ValueError, match="scene points lie within"):
        align_mesh_to_points(l_shape_mesh(), np.full((100, 3), 50.0), np.eye(4))
