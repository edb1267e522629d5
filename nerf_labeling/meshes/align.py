"""Aligning a mesh to points seen in a scene: point-to-plane ICP (Open3D), with a global step.

The scene points (e.g. surface points of a radiance field) are moved into the mesh frame and
registered *onto* the mesh, whose samples carry exact normals; only what was observed is matched, so
hidden mesh faces (the underside, the back) cannot pull the pose. When the local fit is poor the
search goes global: FPFH features + RANSAC and the 24 axis-aligned turns of the initial pose give
starts, each refined by ICP; the best fit wins (most inliers; near-ties, as on symmetric
objects, go to the smallest turn from the initial pose).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

from nerf_labeling.cameras import invert_rigid
from nerf_labeling.meshes.raycast import MeshRaycaster
from nerf_labeling.meshes.triangle_mesh import TriangleMesh
from nerf_labeling.typed import FloatArray

GLOBAL_SEARCH_MODES = ("auto", "always", "never")


class TooFewScenePoints(ValueError):
    """Too few scene points lie near the mesh to fit it; ``count`` says how many did."""

    def __init__(self, message: str, count: int) -> None:
        super().__init__(message)
        self.count = count


@dataclass(frozen=True)
class Alignment:
    """A fitted pose and how well it fits.

    object_to_world : (4, 4) rigid pose of the mesh
    rmse : metres, root mean square point-to-mesh distance over the inlier points
    inlier_fraction : share of the scene points inside the fitted mesh's box (grown by twice the
        inlier distance) that lie within ``inlier_distance`` of the mesh surface
    used_global_search : whether the global step ran
    points_used : scene points near the mesh that took part
    """

    object_to_world: np.ndarray
    rmse: float
    inlier_fraction: float
    used_global_search: bool
    points_used: int


def sample_mesh_surface(mesh: TriangleMesh, count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``count`` points spread uniformly by area over ``mesh``: ``(points (count, 3), normals (count, 3))``."""
    a, b, c = (mesh.vertices[mesh.faces[:, k]] for k in range(3))
    cross = np.cross(b - a, c - a)
    area = np.linalg.norm(cross, axis=1)
    faces = rng.choice(len(area), size=count, p=area / area.sum())
    u, v = rng.random(count), rng.random(count)
    flip = u + v > 1.0
    u[flip], v[flip] = 1.0 - u[flip], 1.0 - v[flip]
    points = a[faces] + u[:, None] * (b - a)[faces] + v[:, None] * (c - a)[faces]
    normals = cross[faces] / np.maximum(area[faces], 1e-18)[:, None]
    return points, normals


def align_mesh_to_points(
    mesh: TriangleMesh,
    points: FloatArray,
    initial_pose: FloatArray,
    *,
    search_radius: float = 0.2,
    inlier_distance: float = 0.01,
    global_search: str = "auto",
    min_inlier_fraction: float = 0.8,
    mesh_samples: int = 20000,
    seed: int = 0,
    seen_filter=None,
) -> Alignment:
    """Fit the pose of ``mesh`` to scene ``points``, starting from ``initial_pose``.

    Parameters
    ----------
    mesh : the object, in its own frame (metres)
    points : (N, 3) world points observed on surfaces; only those within ``search_radius`` of the
        mesh's box at ``initial_pose`` are used
    initial_pose : (4, 4) rigid object-to-world guess
    search_radius : metres; the largest correspondence distance (how far off the guess may be)
    inlier_distance : metres; the final correspondence distance, and what counts as an inlier
    global_search : ``"auto"`` (only when the local fit has fewer than ``min_inlier_fraction``
        inliers), ``"always"`` or ``"never"``
    seed : seeds the mesh sampling and RANSAC
    seen_filter : optional ``(world points (M, 3), world normals (M, 3)) -> (M,) bool``, which mesh
        surface points the cameras saw at a pose. When given, the fit is refined once more against only
        the mesh samples seen at the fitted pose: scene points (a neighbour's faces, the ground) then
        cannot snap onto faces no camera reached, which pulled objects toward the scene's middle.
    """
    import open3d as o3d  # heavy; imported only where alignment runs

    if global_search not in GLOBAL_SEARCH_MODES:
        raise ValueError(f"global_search must be one of {GLOBAL_SEARCH_MODES}, got {global_search!r}")
    initial_pose = np.asarray(initial_pose, dtype=np.float64)
    points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    local = (points - initial_pose[:3, 3]) @ initial_pose[:3, :3]
    local = local[_near_box(local, mesh.bounds, search_radius)]
    if len(local) < 10:
        raise TooFewScenePoints(f"only {len(local)} scene points lie within {search_radius} m of the mesh", len(local))
    target_points, target_normals = sample_mesh_surface(mesh, mesh_samples, np.random.default_rng(seed))
    source, target = o3d.geometry.PointCloud(), o3d.geometry.PointCloud()
    source.points = o3d.utility.Vector3dVector(local)
    target.points = o3d.utility.Vector3dVector(target_points)
    target.normals = o3d.utility.Vector3dVector(target_normals)
    score = _FitScore(MeshRaycaster(mesh), local, target_points[:4000], mesh.bounds, inlier_distance)
    with o3d.utility.VerbosityContextManager(o3d.utility.VerbosityLevel.Error):
        fits = [score(_refine(o3d, source, target, np.eye(4), search_radius, inlier_distance))]
        use_global = global_search == "always" or (global_search == "auto" and fits[0][0] < min_inlier_fraction)
        if use_global:
            fits += _global_fits(o3d, source, target, mesh, score, search_radius, seed)
    fraction, rmse, _, transform = _best_fit(fits)
    if seen_filter is not None:
        with o3d.utility.VerbosityContextManager(o3d.utility.VerbosityLevel.Error):
            seen_fit = _refit_on_seen(o3d, source, target_points, target_normals, initial_pose, transform,
                                      seen_filter, inlier_distance)
        if seen_fit is not None:
            fraction, rmse, _, transform = score(seen_fit)
    # ``transform`` maps the scene (in the guessed mesh frame) onto the mesh; the pose moves the other way.
    pose = initial_pose @ invert_rigid(transform)
    return Alignment(pose, rmse, fraction, use_global, int(len(local)))


#: Fewest seen mesh samples worth a refit on the seen surface alone.
MIN_SEEN_SAMPLES = 100


def _refit_on_seen(o3d, source, target_points, target_normals, initial_pose, transform, seen_filter, inlier_distance):
    """ICP from ``transform`` against only the mesh samples ``seen_filter`` keeps at the pose it gives.

    Starts at four inlier distances: the pose is already close, and a refit that moves farther than
    that (a degenerate seen surface lets ICP slide) is dropped, as is one with too few seen samples
    (``None`` then).
    """
    pose = initial_pose @ invert_rigid(transform)
    seen = np.asarray(seen_filter(target_points @ pose[:3, :3].T + pose[:3, 3], target_normals @ pose[:3, :3].T))
    if seen.sum() < MIN_SEEN_SAMPLES:
        return None
    target = o3d.geometry.PointCloud()
    target.points = o3d.utility.Vector3dVector(target_points[seen])
    target.normals = o3d.utility.Vector3dVector(target_normals[seen])
    refit = _refine(o3d, source, target, transform, 4 * inlier_distance, inlier_distance)
    step = refit @ invert_rigid(transform)
    if np.linalg.norm(step[:3, 3]) > 4 * inlier_distance or Rotation.from_matrix(step[:3, :3]).magnitude() > np.radians(5.0):
        return None
    return refit


def _near_box(points: np.ndarray, bounds: np.ndarray, margin: float) -> np.ndarray:
    return np.all((points >= bounds[0] - margin) & (points <= bounds[1] + margin), axis=1)


class _FitScore:
    """How well a transform fits: ``(inlier_fraction, rmse, coverage, transform)``.

    ``inlier_fraction`` and ``rmse`` use the exact point-to-mesh distance of the scene points that land
    inside the mesh's box grown by ``2 * inlier_distance`` (the floor and neighbours around the object
    do not count against the fit). ``coverage`` is the share of mesh samples with a scene point within
    ``2 * inlier_distance``: a pose that hides part of the object inside a wrongly turned mesh keeps
    a high inlier fraction but loses coverage, so candidates are ranked by their product.
    """

    def __init__(self, raycaster: MeshRaycaster, points, samples, bounds, inlier_distance: float):
        from scipy.spatial import cKDTree

        self.raycaster, self.points, self.bounds, self.inlier_distance = raycaster, points, bounds, inlier_distance
        self.samples, self.tree_type = samples, cKDTree

    def __call__(self, transform: np.ndarray) -> tuple[float, float, float, np.ndarray]:
        moved = self.points @ transform[:3, :3].T + transform[:3, 3]
        near = moved[_near_box(moved, self.bounds, 2 * self.inlier_distance)]
        if len(near) == 0:
            return 0.0, float("inf"), 0.0, transform
        distance = self.raycaster.surface_distances(near)
        inliers = distance <= self.inlier_distance
        rmse = float(np.sqrt(np.mean(distance[inliers] ** 2))) if inliers.any() else float("inf")
        gaps, _ = self.tree_type(near).query(self.samples, distance_upper_bound=2 * self.inlier_distance)
        coverage = float(np.isfinite(gaps).mean())
        return float(inliers.mean()), rmse, coverage, transform


def _best_fit(fits):
    """The fit with the best inlier fraction x coverage; near-ties (symmetric objects) go to the
    smallest turn from the initial guess."""
    quality = [fraction * coverage for fraction, _, coverage, _ in fits]
    close = [fit for fit, value in zip(fits, quality) if value >= max(quality) - 0.02]

    def turn(fit):
        return float(np.arccos(np.clip((np.trace(fit[3][:3, :3]) - 1.0) / 2.0, -1.0, 1.0)))

    return min(close, key=lambda fit: (round(turn(fit), 3), fit[1]))


def _refine(o3d, source, target, start, search_radius, inlier_distance, max_iteration: int = 40):
    """Coarse-to-fine point-to-plane ICP: correspondence distance halves from the radius to the inlier distance."""
    registration = o3d.pipelines.registration
    transform = start
    distance = search_radius
    while True:
        distance = max(distance, inlier_distance)
        estimation = registration.TransformationEstimationPointToPlane(registration.TukeyLoss(k=distance))
        result = registration.registration_icp(
            source, target, distance, transform, estimation,
            registration.ICPConvergenceCriteria(relative_fitness=1e-7, relative_rmse=1e-7, max_iteration=max_iteration),
        )
        transform = result.transformation
        if distance <= inlier_distance:
            break
        distance /= 2.0
    return np.asarray(transform)


def _global_fits(o3d, source, target, mesh, score, search_radius, seed, keep: int = 3):
    """Fits from RANSAC on FPFH features and from the 24 axis-aligned turns about the mesh centre.

    Every start is refined by ICP on a downsampled scene first (cheap); the ``keep`` best by inlier
    fraction x coverage are refined again on all points.
    """
    voxel = float(mesh.extents.max()) / 20.0
    coarse_source = source.voxel_down_sample(voxel / 2.0)
    starts = [_ransac_start(o3d, source, target, voxel, seed)]
    center = mesh.bounds.mean(axis=0)
    for rotation in Rotation.create_group("O").as_matrix():
        turn = np.eye(4)
        turn[:3, :3] = rotation
        turn[:3, 3] = center - rotation @ center
        starts.append(turn)
    coarse = [score(_refine(o3d, coarse_source, target, start, search_radius, voxel / 2.0, 15)) for start in starts]
    coarse.sort(key=lambda fit: -fit[0] * fit[2])
    return [score(_refine(o3d, source, target, fit[3], voxel, score.inlier_distance)) for fit in coarse[:keep]]


def _ransac_start(o3d, source, target, voxel: float, seed: int) -> np.ndarray:
    """A coarse transform from FPFH feature matches and RANSAC on ``voxel``-downsampled clouds."""
    registration = o3d.pipelines.registration
    features = []
    for cloud in (source, target):
        down = cloud.voxel_down_sample(voxel)
        down.estimate_normals(o3d.geometry.KDTreeSearchParamHybrid(radius=2 * voxel, max_nn=30))
        fpfh = registration.compute_fpfh_feature(down, o3d.geometry.KDTreeSearchParamHybrid(radius=5 * voxel, max_nn=100))
        features.append((down, fpfh))
    o3d.utility.random.seed(seed)
    ransac = registration.registration_ransac_based_on_feature_matching(
        features[0][0], features[1][0], features[0][1], features[1][1], True, 1.5 * voxel,
        registration.TransformationEstimationPointToPoint(False), 3,
        [registration.CorrespondenceCheckerBasedOnDistance(1.5 * voxel)],
        registration.RANSACConvergenceCriteria(100000, 0.999),
    )
    return np.asarray(ransac.transformation)
