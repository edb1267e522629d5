"""Point-to-plane ICP of a mesh's *seen* surface onto a radiance field's surface points, and how firmly the fit is pinned.

Only the mesh samples the cameras saw at the current pose take part, and which ones they are is
decided again at every step of a coarse-to-fine schedule of correspondence distances: field points
on the ground or on a neighbour cannot then pull the mesh through faces no camera reached.

How firmly the matched points pin the position is :func:`translation_constraint`: the smallest
eigenvalue of the mean of ``n nᵀ`` over the mesh normals the field points were matched to (the
translation block of the point-to-plane Hessian, per point). It is 1/3 when the matches face three
orthogonal directions evenly and near 0 when one direction is held by only a few points (a face
barely seen), along which a fit can slide without its residual growing.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from scipy.spatial import cKDTree
from scipy.spatial.transform import Rotation

from nerf_labeling.cameras import invert_rigid
from nerf_labeling.meshes.raycast import MeshRaycaster
from nerf_labeling.meshes.triangle_mesh import TriangleMesh

#: ``(world points (M, 3), world normals (M, 3)) -> (M,) bool``: which mesh surface points the cameras saw.
SeenFilter = Callable[[np.ndarray, np.ndarray], np.ndarray]

#: Fewest seen mesh samples a step of the fit needs (fewer: the fit stops where it is).
MIN_SEEN_SAMPLES = 100
#: Smallest ratio of the smallest to the largest eigenvalue of the weighted normal matrix of shift and
#: offset for :func:`fit_offset_surface` to tell them apart (below it, it leaves the fit as it was).
MIN_OFFSET_CONDITION = 1e-3


def fit_seen_surface(
    samples: np.ndarray,
    normals: np.ndarray,
    points: np.ndarray,
    start: np.ndarray,
    seen: SeenFilter,
    *,
    search_radius: float,
    inlier_distance: float,
    step_iterations: int = 30,
) -> np.ndarray:
    """The ``(4, 4)`` object-to-world pose that fits the seen mesh surface onto world ``points``.

    samples, normals : (M, 3) mesh surface samples and their outward normals, in the mesh's frame
    points : (N, 3) world points on the field's surface near the object
    start : (4, 4) the pose to start from
    search_radius : metres, the first correspondence distance; it halves down to ``inlier_distance``

    Each step is Open3D's point-to-plane ICP with a Tukey kernel of the step's distance, the field
    points moved into the mesh's frame and matched to the samples ``seen`` keeps at the current pose.
    """
    import open3d as o3d  # heavy; imported only where a fit runs

    registration = o3d.pipelines.registration
    pose = np.asarray(start, dtype=np.float64)
    distance = search_radius
    with o3d.utility.VerbosityContextManager(o3d.utility.VerbosityLevel.Error):
        while True:
            distance = max(distance, inlier_distance)
            rotation, shift = pose[:3, :3], pose[:3, 3]
            kept = np.asarray(seen(samples @ rotation.T + shift, normals @ rotation.T))
            if kept.sum() < MIN_SEEN_SAMPLES:
                return pose
            source, target = o3d.geometry.PointCloud(), o3d.geometry.PointCloud()
            source.points = o3d.utility.Vector3dVector((points - shift) @ rotation)
            target.points = o3d.utility.Vector3dVector(samples[kept])
            target.normals = o3d.utility.Vector3dVector(normals[kept])
            result = registration.registration_icp(
                source, target, distance, np.eye(4),
                registration.TransformationEstimationPointToPlane(registration.TukeyLoss(k=distance)),
                registration.ICPConvergenceCriteria(relative_fitness=1e-7, relative_rmse=1e-7, max_iteration=step_iterations),
            )
            # The step moves the field points onto the mesh; the pose moves the other way.
            pose = pose @ invert_rigid(np.asarray(result.transformation))
            if distance <= inlier_distance:
                return pose
            distance /= 2.0


def translation_constraint(
    samples: np.ndarray, normals: np.ndarray, points: np.ndarray, pose: np.ndarray, seen: SeenFilter, inlier_distance: float
) -> float:
    """How firmly the field ``points`` pin the position of the seen mesh surface at ``pose`` (module docstring).

    Each field point within ``inlier_distance`` of a seen mesh sample is matched to the nearest one;
    the result is the smallest eigenvalue of the mean ``n nᵀ`` of the matched normals (0 with no match).
    """
    rotation, shift = pose[:3, :3], pose[:3, 3]
    kept = np.asarray(seen(samples @ rotation.T + shift, normals @ rotation.T))
    if not kept.any():
        return 0.0
    gaps, nearest = cKDTree(samples[kept]).query((points - shift) @ rotation, distance_upper_bound=inlier_distance)
    matched = normals[kept][nearest[np.isfinite(gaps)]]
    if len(matched) == 0:
        return 0.0
    return float(np.linalg.eigvalsh(matched.T @ matched / len(matched))[0])


def fit_offset_surface(
    samples: np.ndarray, normals: np.ndarray, points: np.ndarray, start: np.ndarray, seen: SeenFilter,
    *, inlier_distance: float, iterations: int = 30,
) -> tuple[np.ndarray, float]:
    """``(pose, offset)``: the pose and the surface offset that together best fit the seen mesh surface onto
    the field ``points``, from ``start`` (a converged fit of the full-size mesh).

    Gauss-Newton on the point-to-plane residuals ``n · (q - s) - offset`` of the field points ``q`` (in the
    mesh's frame) matched to their nearest seen sample ``s`` within ``inlier_distance``, Tukey-weighted, with
    seven unknowns: a small turn and shift of the points, and the offset (the mesh grown along its normals).
    A trained field's surfaces lie a few millimetres inside the true ones, more where fewer cameras looked
    (bench/bench_icp_fit.py), and a rigid fit of the full-size mesh to such an eroded surface ends off toward
    the cameras' blind side by about that much.
    Fitting them together matters: a full-size fit has already moved the mesh to absorb most of an offset
    (toward the side no camera saw), and only the spread of the seen normals tells the two apart.

    The correction is a millimetre adjustment of a converged fit. Where it would move the mesh further than
    twice ``inlier_distance``, or the offset would exceed ``inlier_distance`` (a fit with nothing to hold it,
    such as a mesh on bare ground, or seen normals too alike to tell an offset from a shift), ``start`` is
    returned with no offset.
    """
    start = np.asarray(start, dtype=np.float64)
    pose, offset = start.copy(), 0.0
    for _ in range(iterations):
        rotation, shift = pose[:3, :3], pose[:3, 3]
        kept = np.asarray(seen(samples @ rotation.T + shift, normals @ rotation.T))
        if kept.sum() < MIN_SEEN_SAMPLES:
            return start, 0.0
        local = (points - shift) @ rotation
        gaps, nearest = cKDTree(samples[kept]).query(local, distance_upper_bound=inlier_distance)
        matched = np.isfinite(gaps)
        if matched.sum() < MIN_SEEN_SAMPLES:
            return start, 0.0
        q, s, n = local[matched], samples[kept][nearest[matched]], normals[kept][nearest[matched]]
        residual = np.einsum("ij,ij->i", q - s, n) - offset
        weight = np.clip(1.0 - (residual / inlier_distance) ** 2, 0.0, None) ** 2  # Tukey's biweight
        jacobian = np.hstack([np.cross(q, n), n, -np.ones((len(q), 1))])
        weighted = jacobian * weight[:, None]
        shift_and_offset = np.linalg.eigvalsh(weighted[:, 3:].T @ jacobian[:, 3:])
        if shift_and_offset[0] < MIN_OFFSET_CONDITION * shift_and_offset[-1]:
            return start, 0.0  # e.g. three faces of a box: a shift along their normals' sum is an offset
        step = np.linalg.lstsq(weighted.T @ jacobian, -weighted.T @ residual, rcond=None)[0]
        motion = np.eye(4)  # moves the field points in the mesh's frame; the mesh moves the other way
        motion[:3, :3], motion[:3, 3] = Rotation.from_rotvec(step[:3]).as_matrix(), step[3:6]
        pose = pose @ invert_rigid(motion)
        offset += float(step[6])
        if np.abs(step).max() < 1e-6:
            break
    if abs(offset) > inlier_distance or np.linalg.norm(pose[:3, 3] - start[:3, 3]) > 2 * inlier_distance:
        return start, 0.0
    return pose, offset


def residuals(
    mesh: TriangleMesh, points: np.ndarray, pose: np.ndarray, inlier_distance: float, offset: float = 0.0
) -> tuple[float, float]:
    """``(rmse, inlier_fraction)`` of world ``points`` against ``mesh`` at ``pose``, grown along its normals by
    ``offset`` metres (negative: shrunk; see :func:`fit_offset_surface`).

    Only the points inside the mesh's box grown by ``2 * inlier_distance`` count (the ground and the
    neighbours around the object do not); inliers lie within ``inlier_distance`` of the surface and the
    RMSE is theirs (infinite with none).
    """
    local = (np.asarray(points, dtype=np.float64) - pose[:3, 3]) @ pose[:3, :3]
    low, high = mesh.bounds[0] - 2 * inlier_distance, mesh.bounds[1] + 2 * inlier_distance
    near = local[np.all((local >= low) & (local <= high), axis=1)]
    if len(near) == 0:
        return float("inf"), 0.0
    raycaster = MeshRaycaster(mesh)
    distance = (np.abs(raycaster.signed_surface_distances(near) - offset) if offset
                else raycaster.surface_distances(near))
    inliers = distance <= inlier_distance
    rmse = float(np.sqrt(np.mean(distance[inliers] ** 2))) if inliers.any() else float("inf")
    return rmse, float(inliers.mean())
