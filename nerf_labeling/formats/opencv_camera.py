"""Object and world poses in the OpenCV camera frame that KITTI and BOP files speak.

Two conventions differ from the project's, and :mod:`nerf_labeling.cameras` holds both: camera axes
(OpenGL +Y up, -Z forward vs OpenCV +Y down, +Z forward), which nothing here flips by hand, and the
pixel grid (OpenCV, KITTI and BOP centre pixels at integers: :func:`~nerf_labeling.cameras.opencv_camera_matrix`).
"""
from __future__ import annotations

import numpy as np

from nerf_labeling.cameras import Camera, invert_rigid, opengl_to_opencv
from nerf_labeling.labels.records import ObjectLabel


def to_opencv_camera_frame(pose_in_camera: np.ndarray) -> np.ndarray:
    """``(4, 4)`` transform into the camera frame with OpenGL axes -> the same into OpenCV camera axes.

    The inverse of such a transform places the camera in the other frame, which is what
    :func:`nerf_labeling.cameras.opengl_to_opencv` converts.
    """
    camera_in_other = invert_rigid(pose_in_camera)
    return invert_rigid(opengl_to_opencv(camera_in_other))


def object_to_camera_opencv(obj: ObjectLabel) -> np.ndarray:
    """``(4, 4)`` object frame -> camera frame with OpenCV axes (metres)."""
    return to_opencv_camera_frame(np.asarray(obj.object_to_camera, dtype=np.float64))


def box_to_camera_opencv(obj: ObjectLabel) -> np.ndarray:
    """``(4, 4)`` pose of the object's 3D box (centre, object axes) in the camera frame, OpenCV axes."""
    box_pose = np.array(obj.object_to_camera, dtype=np.float64)
    box_pose[:3, 3] = obj.box_center_camera
    return to_opencv_camera_frame(box_pose)


def world_to_camera_opencv(camera: Camera) -> np.ndarray:
    """``(4, 4)`` world -> camera frame with OpenCV axes (metres)."""
    return invert_rigid(opengl_to_opencv(camera.camera_to_world))
