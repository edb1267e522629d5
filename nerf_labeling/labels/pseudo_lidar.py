"""Pseudo-LiDAR: a frame's field depth as a point cloud, and its 3D boxes, in a LiDAR-style frame.

The "lidar frame" of one camera (KITTI's velodyne axes, what mmdet3d's LiDAR detectors expect):

- origin at the camera centre, metres;
- +x the camera's optical axis made horizontal (forward), +z world up (against gravity), +y = z × x (left).

It is the gravity-aligned rectified camera of the KITTI export
(:func:`nerf_labeling.formats.kitti_geometry.camera_to_rectified`) with its axes renamed to LiDAR
ones: ``x = z_rect, y = -x_rect, z = -y_rect`` (:data:`RECTIFIED_TO_LIDAR`). The real camera's
OpenGL -> OpenCV axis change comes from :mod:`nerf_labeling.cameras` through
:mod:`nerf_labeling.formats.opencv_camera`. Objects standing upright in the world are boxes turned
about +z only, however the real camera is pitched or rolled.

Boxes follow mmdet3d's ``LiDARInstance3DBoxes``: ``[x, y, z_bottom, l, w, h, yaw]`` with the bottom
centre, ``(l, w, h)`` the extents along the object's own x, y, z axes (``ObjectLabel.box_size``) and
``yaw`` the angle of the object's +x axis about lidar +z, counter-clockwise from lidar +x, radians.
"""
from __future__ import annotations

import numpy as np

from nerf_labeling.cameras import Camera, camera_rays
from nerf_labeling.formats.kitti_geometry import RECTIFIED_TO_LIDAR, camera_to_rectified, wrap_angle
from nerf_labeling.formats.opencv_camera import to_opencv_camera_frame
from nerf_labeling.labels.records import ObjectLabel


#: weights of red, green and blue in the grey value used as intensity (ITU-R BT.601 luma)
GREY_WEIGHTS = np.array([0.299, 0.587, 0.114])


def camera_to_lidar(camera: Camera) -> np.ndarray:
    """``(4, 4)`` float64 rigid transform: points in the real camera frame (OpenGL axes) -> lidar frame.

    Only a rotation (the origin stays at the camera centre): ``p_lidar = T[:3, :3] @ p_camera``.
    """
    opengl_to_opencv_points = to_opencv_camera_frame(np.eye(4))
    transform = np.eye(4)
    transform[:3, :3] = RECTIFIED_TO_LIDAR @ camera_to_rectified(camera) @ opengl_to_opencv_points[:3, :3]
    return transform


def points_from_depth(
    depth: np.ndarray, image: np.ndarray | None, camera: Camera, *, stride: int = 1
) -> np.ndarray:
    """Back-project a z-depth map into a pseudo-LiDAR scan in the lidar frame of ``camera``.

    Parameters
    ----------
    depth : (H, W) float, z-depth along the optical axis in metres; pixels with depth <= 0 (or not
        finite) have no surface and give no point
    image : (H, W, 3) or (H, W) colours, uint8 (0..255) or float in [0, 1], or None
    camera : the frame's camera; its intrinsics must match ``(H, W)``
    stride : keep every ``stride``-th row and column (starting at the first), to thin the scan

    Returns
    -------
    (N, 4) float32 ``[x, y, z, intensity]``: one point per kept pixel centre with a surface, in
    metres in the lidar frame, row-major pixel order; intensity is the pixel's grey value in [0, 1]
    (BT.601 luma of the colour), 0 when ``image`` is None.
    """
    depth = np.asarray(depth)
    intrinsics = camera.intrinsics
    if depth.shape != (intrinsics.height, intrinsics.width):
        raise ValueError(f"depth is {depth.shape} but the camera is {intrinsics.height}x{intrinsics.width}")
    if stride < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    # rays of a camera at the origin with the same intrinsics: directions in the camera frame (OpenGL)
    rays = camera_rays(Camera(intrinsics, np.eye(4)))
    kept = np.zeros(depth.shape, dtype=bool)
    kept[::stride, ::stride] = True
    kept &= np.isfinite(depth) & (depth > 0)
    flat = kept.ravel()
    distance = depth.ravel()[flat].astype(np.float64) / rays.z_per_distance[flat]
    in_camera = rays.directions[flat].astype(np.float64) * distance[:, None]
    in_lidar = in_camera @ camera_to_lidar(camera)[:3, :3].T
    points = np.zeros((len(in_lidar), 4), dtype=np.float32)
    points[:, :3] = in_lidar
    if image is not None:
        points[:, 3] = grey_values(image, depth.shape)[kept]
    return points


def grey_values(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """``(H, W)`` float32 grey values in [0, 1] of an ``(H, W)`` or ``(H, W, 3|4)`` uint8 or [0, 1] image."""
    image = np.asarray(image)
    if image.shape[:2] != tuple(shape):
        raise ValueError(f"image is {image.shape[:2]} but depth is {tuple(shape)}")
    values = image.astype(np.float64)
    if np.issubdtype(image.dtype, np.integer):
        values = values / float(np.iinfo(image.dtype).max)
    if values.ndim == 3:
        values = values[..., :3] @ GREY_WEIGHTS if values.shape[2] >= 3 else values[..., 0]
    return np.clip(values, 0.0, 1.0).astype(np.float32)


def boxes_in_lidar(objects: list[ObjectLabel], camera: Camera) -> np.ndarray:
    """``(M, 7)`` float32 ``[x, y, z_bottom, l, w, h, yaw]`` of each object's 3D box in the lidar frame.

    Metres and radians, mmdet3d's ``LiDARInstance3DBoxes`` convention (see the module docstring).
    An object tilted against gravity cannot be written this way: it gets the upright box with the
    same centre and extents, and the heading of its +x axis projected onto the horizontal plane
    (as the KITTI export does).
    """
    rotation = camera_to_lidar(camera)[:3, :3]
    boxes = np.zeros((len(objects), 7), dtype=np.float32)
    for row, obj in enumerate(objects):
        length, width, height = (float(v) for v in obj.box_size)
        centre = rotation @ np.asarray(obj.box_center_camera, dtype=np.float64)
        heading = rotation @ np.asarray(obj.object_to_camera, dtype=np.float64)[:3, 0]
        yaw = wrap_angle(float(np.arctan2(heading[1], heading[0])))
        boxes[row] = [centre[0], centre[1], centre[2] - height / 2.0, length, width, height, yaw]
    return boxes
