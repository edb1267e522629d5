"""Cameras and the project's coordinate conventions: the one module that flips axes.

Conventions (see ``shared/DESIGN.md``):

- poses are camera-to-world ``(4, 4)`` matrices with OpenGL camera axes: +X right, +Y up, the camera
  looks down -Z; world +Z is up; metres where the capture has a scale;
- image coordinates are continuous, pixel ``(row v, column u)`` covers ``[u, u+1) x [v, v+1)`` and its
  centre is ``(u + 0.5, v + 0.5)``, as in nerfstudio; ``cx, cy`` are in these coordinates;
- depth maps hold z-depth along the camera's optical axis in metres, not distance along the ray.

OpenCV / COLMAP / KITTI cameras use +Y down and +Z forward; convert with :func:`opengl_to_opencv`
and :func:`opencv_to_opengl` and nowhere else. OpenCV, KITTI and BOP also put pixel centres at
integers: shift image coordinates by :data:`PIXEL_CENTRE_SHIFT` (:func:`opencv_camera_matrix`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nerf_labeling.typed import FloatArray

#: Right-multiplying a camera-to-world matrix by this flips its camera Y and Z axes.
AXIS_FLIP_YZ = np.diag([1.0, -1.0, -1.0, 1.0])

#: The world's up direction (against gravity), ``(3,)``: world +Z, as in DESIGN.md.
WORLD_UP = np.array([0.0, 0.0, 1.0])

#: Names of the slots of :attr:`Intrinsics.distortion`, in order, as transforms.json and COLMAP key them.
DISTORTION_KEYS = ("k1", "k2", "p1", "p2", "k3", "k4")

#: Added to the project's continuous image coordinates (pixel centres at +0.5) to get those of OpenCV,
#: KITTI and BOP (centres at integers), which are also array indices.
PIXEL_CENTRE_SHIFT = -0.5


class PoseError(ValueError):
    """A camera or object pose that is not a finite rigid transform."""


def opengl_to_opencv(c2w: FloatArray) -> FloatArray:
    """Camera-to-world ``(..., 4, 4)`` with OpenGL axes -> the same camera with OpenCV axes."""
    return np.asarray(c2w, dtype=np.float64) @ AXIS_FLIP_YZ


def opencv_to_opengl(c2w: FloatArray) -> FloatArray:
    """Camera-to-world ``(..., 4, 4)`` with OpenCV axes -> the same camera with OpenGL axes."""
    return np.asarray(c2w, dtype=np.float64) @ AXIS_FLIP_YZ


def check_rigid(pose: FloatArray, *, atol: float = 1e-3, name: str = "pose") -> np.ndarray:
    """Return ``pose`` as a float64 ``(4, 4)`` array, or raise :class:`PoseError` saying what is wrong.

    A rigid pose has a rotation block with orthonormal columns and determinant +1 (within ``atol``)
    and a last row of ``[0, 0, 0, 1]``.
    """
    matrix = np.asarray(pose, dtype=np.float64)
    if matrix.shape == (3, 4):
        matrix = np.vstack([matrix, [0.0, 0.0, 0.0, 1.0]])
    if matrix.shape != (4, 4):
        raise PoseError(f"{name} must be a 4x4 matrix, got shape {matrix.shape}")
    if not np.all(np.isfinite(matrix)):
        raise PoseError(f"{name} contains NaN or infinite values")
    if not np.allclose(matrix[3], [0.0, 0.0, 0.0, 1.0], atol=atol):
        raise PoseError(f"{name} last row must be [0, 0, 0, 1], got {matrix[3].tolist()}")
    rotation = matrix[:3, :3]
    determinant = float(np.linalg.det(rotation))
    if abs(determinant) < 1e-9:
        raise PoseError(f"{name} is not invertible (rotation determinant {determinant:.3g})")
    if not np.allclose(rotation.T @ rotation, np.eye(3), atol=atol) or determinant < 0:
        raise PoseError(
            f"{name} is not a rigid transform: its rotation block is not orthonormal with "
            f"determinant +1 (determinant {determinant:.4f})"
        )
    return matrix


@dataclass(frozen=True)
class Intrinsics:
    """Pinhole intrinsics in pixels; ``distortion`` holds OpenCV ``(k1, k2, p1, p2, k3, k4)`` or zeros."""

    fx: float
    fy: float
    cx: float
    cy: float
    width: int
    height: int
    distortion: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)

    @property
    def K(self) -> np.ndarray:  # noqa: N802 - the standard name
        """``(3, 3)`` float64 calibration matrix."""
        return np.array([[self.fx, 0.0, self.cx], [0.0, self.fy, self.cy], [0.0, 0.0, 1.0]])

    @property
    def has_distortion(self) -> bool:
        return any(abs(k) > 0.0 for k in self.distortion)

    def scaled(self, factor: float) -> "Intrinsics":
        """The same camera for an image resized by ``factor`` (e.g. 0.5 for half resolution)."""
        return Intrinsics(
            fx=self.fx * factor,
            fy=self.fy * factor,
            cx=self.cx * factor,
            cy=self.cy * factor,
            width=int(round(self.width * factor)),
            height=int(round(self.height * factor)),
            distortion=self.distortion,
        )


def opencv_camera_matrix(intrinsics: Intrinsics) -> np.ndarray:
    """``(3, 3)`` K with the principal point in OpenCV pixel coordinates (centres at integers)."""
    matrix = intrinsics.K
    matrix[:2, 2] += PIXEL_CENTRE_SHIFT
    return matrix


@dataclass(frozen=True)
class Camera:
    """A calibrated view: intrinsics and a camera-to-world pose ``(4, 4)`` with OpenGL axes."""

    intrinsics: Intrinsics
    camera_to_world: np.ndarray

    @property
    def world_to_camera(self) -> np.ndarray:
        return invert_rigid(self.camera_to_world)

    @property
    def center(self) -> np.ndarray:
        """``(3,)`` camera centre in world coordinates."""
        return np.asarray(self.camera_to_world[:3, 3], dtype=np.float64)


def invert_rigid(pose: FloatArray) -> np.ndarray:
    """Inverse of a rigid ``(4, 4)`` transform without a general matrix inverse."""
    pose = np.asarray(pose, dtype=np.float64)
    inverse = np.eye(4)
    inverse[:3, :3] = pose[:3, :3].T
    inverse[:3, 3] = -pose[:3, :3].T @ pose[:3, 3]
    return inverse


@dataclass(frozen=True)
class CameraRays:
    """Rays through pixel centres, flattened row-major (``index = v * width + u``).

    origins : (N, 3) float32, world
    directions : (N, 3) float32, world, unit length
    z_per_distance : (N,) float32, z-depth gained per metre travelled along the ray (cosine to the axis),
        so ``z_depth = distance * z_per_distance``
    """

    origins: np.ndarray
    directions: np.ndarray
    z_per_distance: np.ndarray


def camera_rays(camera: Camera) -> CameraRays:
    """Rays for every pixel centre of ``camera`` (distortion is not applied; undistort images at ingest)."""
    intr = camera.intrinsics
    u, v = np.meshgrid(
        np.arange(intr.width, dtype=np.float64) + 0.5,
        np.arange(intr.height, dtype=np.float64) + 0.5,
    )
    # OpenGL camera: +Y up and looking down -Z, so image rows grow against +Y.
    local = np.stack(
        [(u - intr.cx) / intr.fx, -(v - intr.cy) / intr.fy, -np.ones_like(u)], axis=-1
    ).reshape(-1, 3)
    norms = np.linalg.norm(local, axis=-1, keepdims=True)
    local_unit = local / norms
    rotation = np.asarray(camera.camera_to_world[:3, :3], dtype=np.float64)
    directions = local_unit @ rotation.T
    origins = np.broadcast_to(camera.center, directions.shape)
    return CameraRays(
        origins=np.ascontiguousarray(origins, dtype=np.float32),
        directions=np.ascontiguousarray(directions, dtype=np.float32),
        z_per_distance=(1.0 / norms[:, 0]).astype(np.float32),
    )


def world_to_camera_points(camera: Camera, points: FloatArray) -> np.ndarray:
    """``(N, 3)`` world points -> ``(N, 3)`` points in the camera frame (OpenGL axes)."""
    points = np.asarray(points, dtype=np.float64)
    w2c = camera.world_to_camera
    return points @ w2c[:3, :3].T + w2c[:3, 3]


def project_points(camera: Camera, points: FloatArray) -> tuple[np.ndarray, np.ndarray]:
    """Project ``(N, 3)`` world points.

    Returns
    -------
    uv : (N, 2) float64, continuous image coordinates (pixel centres at +0.5)
    z_depth : (N,) float64, metres in front of the camera (<= 0 means behind it)
    """
    local = world_to_camera_points(camera, points)
    z_depth = -local[:, 2]
    intr = camera.intrinsics
    with np.errstate(divide="ignore", invalid="ignore"):
        u = intr.cx + intr.fx * local[:, 0] / z_depth
        v = intr.cy - intr.fy * local[:, 1] / z_depth
    return np.stack([u, v], axis=-1), z_depth


def look_at(eye: FloatArray, target: FloatArray, up: FloatArray = (0.0, 0.0, 1.0)) -> np.ndarray:
    """Camera-to-world ``(4, 4)`` (OpenGL axes) for a camera at ``eye`` looking at ``target``."""
    eye = np.asarray(eye, dtype=np.float64)
    forward = np.asarray(target, dtype=np.float64) - eye
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, np.asarray(up, dtype=np.float64))
    if np.linalg.norm(right) < 1e-9:
        right = np.cross(forward, np.array([0.0, 1.0, 0.0]))
    right /= np.linalg.norm(right)
    true_up = np.cross(right, forward)
    pose = np.eye(4)
    pose[:3, 0] = right
    pose[:3, 1] = true_up
    pose[:3, 2] = -forward
    pose[:3, 3] = eye
    return pose


def quaternion_to_rotation(quaternion_wxyz: FloatArray) -> np.ndarray:
    """Unit quaternion ``(4,)`` ordered ``(w, x, y, z)`` (COLMAP's order) -> ``(3, 3)`` rotation."""
    w, x, y, z = np.asarray(quaternion_wxyz, dtype=np.float64) / np.linalg.norm(quaternion_wxyz)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ]
    )


def rotation_to_quaternion(rotation: FloatArray) -> np.ndarray:
    """``(3, 3)`` rotation -> unit quaternion ``(4,)`` ordered ``(w, x, y, z)`` with ``w >= 0``."""
    from scipy.spatial.transform import Rotation

    x, y, z, w = Rotation.from_matrix(np.asarray(rotation, dtype=np.float64)).as_quat()
    quaternion = np.array([w, x, y, z])
    return -quaternion if w < 0 else quaternion


def colmap_to_camera_to_world(quaternion_wxyz: FloatArray, translation: FloatArray) -> np.ndarray:
    """COLMAP's world-to-camera ``(qw, qx, qy, qz)``, ``(tx, ty, tz)`` (OpenCV axes) -> c2w ``(4, 4)``, OpenGL."""
    world_to_camera = np.eye(4)
    world_to_camera[:3, :3] = quaternion_to_rotation(quaternion_wxyz)
    world_to_camera[:3, 3] = np.asarray(translation, dtype=np.float64)
    return opencv_to_opengl(invert_rigid(world_to_camera))


def camera_to_world_to_colmap(camera_to_world: FloatArray) -> tuple[np.ndarray, np.ndarray]:
    """c2w ``(4, 4)`` with OpenGL axes -> COLMAP's world-to-camera quaternion ``(4,)`` (w first) and ``(3,)``."""
    world_to_camera = invert_rigid(opengl_to_opencv(camera_to_world))
    return rotation_to_quaternion(world_to_camera[:3, :3]), world_to_camera[:3, 3].copy()


def distort_normalized(points: FloatArray, distortion: tuple[float, ...], *, fisheye: bool = False) -> np.ndarray:
    """Apply lens distortion to ``(N, 2)`` ideal normalised image coordinates ``((u - cx) / fx, (v - cy) / fy)``.

    ``distortion`` is ``(k1, k2, p1, p2, k3, k4)`` as in :class:`Intrinsics`. The OpenCV model uses radial
    terms ``k1..k4`` on ``r^2 .. r^8`` (as nerfstudio does) and tangential ``p1, p2``; the fisheye
    (``OPENCV_FISHEYE``) model uses ``k1..k4`` on the angle ``theta = atan(r)`` and ignores ``p1, p2``.
    """
    k1, k2, p1, p2, k3, k4 = (float(value) for value in distortion)
    points = np.asarray(points, dtype=np.float64)
    x, y = points[:, 0], points[:, 1]
    r2 = x * x + y * y
    if fisheye:
        radius = np.sqrt(r2)
        theta = np.arctan(radius)
        t2 = theta * theta
        theta_d = theta * (1 + t2 * (k1 + t2 * (k2 + t2 * (k3 + t2 * k4))))
        scale = np.where(radius > 1e-12, theta_d / np.maximum(radius, 1e-12), 1.0)
        return points * scale[:, None]
    radial = 1 + r2 * (k1 + r2 * (k2 + r2 * (k3 + r2 * k4)))
    x_d = x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x)
    y_d = y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y
    return np.stack([x_d, y_d], axis=1)


def undistort_image(
    image: np.ndarray, intrinsics: Intrinsics, *, fisheye: bool = False, order: int = 1
) -> tuple[np.ndarray, Intrinsics]:
    """Resample an ``(H, W)`` or ``(H, W, C)`` image into the distortion-free camera with the same ``K``.

    Each output pixel centre is distorted and the input is sampled there (``order`` 1: bilinear, 0:
    nearest, for masks); samples falling outside the input are 0. Returns the image (same dtype) and
    the pinhole :class:`Intrinsics` it now follows.
    """
    from scipy.ndimage import map_coordinates

    height, width = image.shape[:2]
    if (width, height) != (intrinsics.width, intrinsics.height):
        raise ValueError(f"image is {width}x{height} but the intrinsics say {intrinsics.width}x{intrinsics.height}")
    u, v = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)
    ideal = np.stack([(u.ravel() - intrinsics.cx) / intrinsics.fx, (v.ravel() - intrinsics.cy) / intrinsics.fy], 1)
    distorted = distort_normalized(ideal, intrinsics.distortion, fisheye=fisheye)
    # continuous pixel coordinates (centres at +0.5) -> array indices (centres at integers)
    rows = (distorted[:, 1] * intrinsics.fy + intrinsics.cy + PIXEL_CENTRE_SHIFT).reshape(height, width)
    cols = (distorted[:, 0] * intrinsics.fx + intrinsics.cx + PIXEL_CENTRE_SHIFT).reshape(height, width)
    channels = image.reshape(height, width, -1)
    out = np.stack(
        [
            map_coordinates(channels[..., c].astype(np.float64), [rows, cols], order=order, mode="constant", cval=0.0)
            for c in range(channels.shape[2])
        ],
        axis=-1,
    )
    if np.issubdtype(image.dtype, np.integer):
        info = np.iinfo(image.dtype)
        out = np.clip(np.round(out), info.min, info.max)
    pinhole = Intrinsics(intrinsics.fx, intrinsics.fy, intrinsics.cx, intrinsics.cy, width, height)
    return out.reshape(image.shape).astype(image.dtype), pinhole
