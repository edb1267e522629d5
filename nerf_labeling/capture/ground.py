"""Ground and scale for an SfM world: gravity up from the ground plane, metres from a known distance.

SfM leaves the world's up direction and scale arbitrary. :func:`fit_ground_plane` finds the dominant
plane below the cameras in the sparse points (RANSAC, then a least-squares refit of its inliers);
:func:`ground_alignment` is the rigid motion that lays it on ``z = 0`` with world +Z up, as the
project's conventions want. :func:`scale_from_distance` is the similarity that makes a known distance
between two points come out right. Apply either with :meth:`SfmResult.moved`; the same similarity
moves anything already placed in the old world (boxes keep their place in the scene).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nerf_labeling.cameras import WORLD_UP
from nerf_labeling.capture.sfm import SfmResult
from nerf_labeling.capture.similarity import Similarity
from nerf_labeling.errors import InputError
from nerf_labeling.typed import FloatArray

#: a ground candidate must face the cameras' mean up direction within this angle (phones are held upright)
MAX_TILT_FROM_CAMERA_UP_DEGREES = 60.0


@dataclass(frozen=True)
class GroundPlane:
    """The plane ``normal . x + offset = 0``; ``normal (3,)`` unit, pointing to the cameras' side (up).

    inliers : (N,) bool, the points on it; tolerance : the distance that counted as "on it"
    """

    normal: np.ndarray
    offset: float
    inliers: np.ndarray
    tolerance: float

    def distance(self, points: FloatArray) -> np.ndarray:
        """``(N,)`` signed distances of ``(N, 3)`` points, positive on the cameras' side."""
        return np.asarray(points, dtype=np.float64) @ self.normal + self.offset


def fit_ground_plane(
    points: FloatArray,
    camera_centres: FloatArray,
    camera_ups: FloatArray,
    rng: np.random.Generator,
    *,
    iterations: int = 500,
    relative_tolerance: float = 0.01,
    min_inlier_fraction: float = 0.15,
) -> GroundPlane:
    """The dominant plane of ``(N, 3)`` points that has every camera above it and faces their mean up.

    camera_centres : (M, 3); camera_ups : (M, 3), each camera's image-up axis in the world (the +Y
        column of its OpenGL camera-to-world rotation)
    relative_tolerance : inlier distance as a share of the point cloud's median spread
    Raises :class:`InputError` when no plane holds ``min_inlier_fraction`` of the points.
    """
    points = np.asarray(points, dtype=np.float64)
    centres = np.asarray(camera_centres, dtype=np.float64)
    mean_up = np.mean(np.asarray(camera_ups, dtype=np.float64), axis=0)
    mean_up /= np.linalg.norm(mean_up)
    if len(points) < 3:
        raise InputError(f"cannot find the ground: SfM found only {len(points)} points")
    spread = float(np.median(np.linalg.norm(points - np.median(points, axis=0), axis=1)))
    tolerance = relative_tolerance * spread
    min_cos = np.cos(np.deg2rad(MAX_TILT_FROM_CAMERA_UP_DEGREES))
    best: tuple[int, np.ndarray, float] | None = None
    for _ in range(iterations):
        sample = points[rng.choice(len(points), 3, replace=False)]
        normal = np.cross(sample[1] - sample[0], sample[2] - sample[0])
        if np.linalg.norm(normal) < 1e-12:
            continue
        normal, offset = _oriented(normal / np.linalg.norm(normal), sample[0], mean_up)
        if normal @ mean_up < min_cos or np.any(centres @ normal + offset <= tolerance):
            continue
        count = int(np.sum(np.abs(points @ normal + offset) <= tolerance))
        if best is None or count > best[0]:
            best = (count, normal, offset)
    if best is None or best[0] < min_inlier_fraction * len(points):
        found = 0 if best is None else best[0]
        raise InputError(
            f"cannot find the ground: no plane below the cameras holds {min_inlier_fraction:.0%} of the "
            f"{len(points)} sparse points (best {found})"
        )
    inliers = np.abs(points @ best[1] + best[2]) <= tolerance
    normal, offset = _refit(points[inliers], mean_up)
    inliers = np.abs(points @ normal + offset) <= tolerance
    return GroundPlane(normal=normal, offset=offset, inliers=inliers, tolerance=tolerance)


def _oriented(normal: np.ndarray, point: np.ndarray, up: np.ndarray) -> tuple[np.ndarray, float]:
    """The plane through ``point`` with ``normal`` turned to face ``up``, as ``(normal, offset)``."""
    if normal @ up < 0:
        normal = -normal
    return normal, float(-normal @ point)


def _refit(points: np.ndarray, up: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares plane of ``(K, 3)`` points: the direction of least spread through their centroid."""
    centroid = points.mean(axis=0)
    normal = np.linalg.svd(points - centroid, full_matrices=False)[2][-1]
    return _oriented(normal, centroid, up)


def ground_alignment(plane: GroundPlane, points: FloatArray) -> Similarity:
    """The rigid motion that turns ``plane.normal`` into world +Z and lays the plane on ``z = 0``.

    The new origin is the centroid of the plane's inlier ``points`` (rows of ``(N, 3)`` points), projected
    onto it; the rotation is the smallest one that takes the normal to +Z (heading stays as SfM left it).
    """
    rotation = _rotation_between(plane.normal, WORLD_UP)
    on_ground = np.asarray(points, dtype=np.float64)[plane.inliers].mean(axis=0)
    foot = on_ground - plane.distance(on_ground[None])[0] * plane.normal
    return Similarity(1.0, rotation, -rotation @ foot)


def align_to_ground(result: SfmResult, rng: np.random.Generator) -> tuple[SfmResult, GroundPlane]:
    """``result`` with world +Z up on its ground plane (found in its sparse points), and that plane (old world)."""
    poses = np.stack([camera.camera_to_world for camera in result.capture.cameras])
    plane = fit_ground_plane(result.points.xyz, poses[:, :3, 3], poses[:, :3, 1], rng)
    return result.moved(ground_alignment(plane, result.points.xyz)), plane


def _rotation_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The smallest rotation taking unit vector ``a`` to unit vector ``b`` (Rodrigues)."""
    axis = np.cross(a, b)
    sine, cosine = np.linalg.norm(axis), float(a @ b)
    if sine < 1e-12:
        if cosine > 0:
            return np.eye(3)
        helper = np.array([1.0, 0.0, 0.0]) if abs(a[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
        axis = np.cross(a, helper)
        axis /= np.linalg.norm(axis)
        return 2.0 * np.outer(axis, axis) - np.eye(3)
    k = axis / sine
    skew = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    return np.eye(3) + sine * skew + (1.0 - cosine) * skew @ skew


def scale_from_distance(point_a: FloatArray, point_b: FloatArray, metres: float) -> Similarity:
    """The uniform scale about the origin that makes ``point_a`` and ``point_b`` ``metres`` apart."""
    current = float(np.linalg.norm(np.asarray(point_a, dtype=np.float64) - np.asarray(point_b, dtype=np.float64)))
    if not np.isfinite(metres) or metres <= 0:
        raise InputError(f"the known distance must be a positive number of metres, got {metres}")
    if not np.isfinite(current) or current < 1e-9:
        raise InputError("the two points picked for the scale are the same point; pick two distinct points")
    return Similarity(metres / current, np.eye(3), np.zeros(3))
