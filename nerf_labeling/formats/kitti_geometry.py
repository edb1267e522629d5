"""One object as a KITTI label: the 15 values of a ``label_2`` line, computed from an ObjectLabel.

Object axes (the platform's): +x is the object's length (its heading), +y its width, +z its height
(up), so ``box_size = (l, w, h)``. KITTI's box is upright about the camera's Y axis (down): it
extends ``h`` upwards from ``location`` (the bottom centre) and is turned by ``rotation_y`` about
camera +Y: the length points along ``(cos ry, 0, -sin ry)`` in OpenCV camera axes (0 = camera +X).

The camera KITTI labels live in is the *rectified* one. Ours is the gravity-aligned camera
(:func:`camera_to_rectified`): the real camera turned, about its centre, so that its +Y points
along gravity and its +Z is the real optical axis made horizontal. Objects standing upright in the
world (up = world +Z) are then exactly upright about its Y axis, however the real camera is
pitched or rolled. The calib file carries that turn (see ``kitti_format.calib_text``), so that the
devkit's ``P2 · [X_rect; 1]`` lands on the real image's pixels.

KITTI cannot express an object tilted against gravity (one lying on its side). For those we write
the upright box with the same centre, the same ``h, w, l`` and the heading projected onto the
rectified XZ plane: ``rotation_y`` from that projection and ``location = centre + h/2`` along
rectified +Y. Projected with P2 it no longer matches the object's true 2D extent; the truth stays
in the export's other formats (BOP, nerfstudio).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nerf_labeling.cameras import WORLD_UP, Camera, opencv_camera_matrix
from nerf_labeling.formats.opencv_camera import box_to_camera_opencv, world_to_camera_opencv
from nerf_labeling.labels.records import ObjectLabel

#: ``occluded`` is 0 when at least this share of the object is visible, 1 when at least
#: :data:`PARTLY_OCCLUDED_MIN_VISIBLE` is, else 2. (3, "unknown", is never written.)
FULLY_VISIBLE_MIN_VISIBLE = 0.9
PARTLY_OCCLUDED_MIN_VISIBLE = 0.5

#: ``(3, 3)`` rotation from rectified camera axes (KITTI: +x right, +y down, +z forward) to lidar axes
#: (+x forward, +y left, +z up): the nominal rotation of KITTI's ``Tr_velo_to_cam``, transposed.
RECTIFIED_TO_LIDAR = np.array([[0.0, 0.0, 1.0], [-1.0, 0.0, 0.0], [0.0, -1.0, 0.0]])

#: Below this horizontal share a direction counts as vertical (a camera looking straight down).
_VERTICAL_TOLERANCE = 1e-6


@dataclass(frozen=True)
class KittiObject:
    """The values of one ``label_2`` line (angles in radians, lengths in metres, boxes in pixels)."""

    type: str
    truncated: float
    occluded: int
    alpha: float
    bbox: tuple[float, float, float, float]
    dimensions: tuple[float, float, float]  # h, w, l
    location: tuple[float, float, float]  # bottom centre, OpenCV camera axes
    rotation_y: float

    def line(self) -> str:
        values = [
            self.type,
            f"{self.truncated:.2f}",
            str(self.occluded),
            f"{self.alpha:.6f}",
            *(f"{v:.2f}" for v in self.bbox),
            # micrometres and microradians: rounding moves a projected corner by well under 0.01 px
            *(f"{v:.6f}" for v in self.dimensions),
            *(f"{v:.6f}" for v in self.location),
            f"{self.rotation_y:.6f}",
        ]
        return " ".join(values)


def wrap_angle(angle: float) -> float:
    """``angle`` in radians wrapped into [-pi, pi)."""
    return (angle + math.pi) % (2.0 * math.pi) - math.pi


def modal_box_indices(modal_box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """Pixel-edge ``[x_min, y_min, x_max, y_max]`` -> KITTI's 0-based indices of the first and last
    visible column and row; like KITTI's own labels (clipped to ``[0, W - 1]``) they are pixel centres
    in the coordinates of P2."""
    x_min, y_min, x_max, y_max = (float(v) for v in modal_box)
    return (x_min, y_min, x_max - 1.0, y_max - 1.0)


def occlusion_level(visible_fraction: float) -> int:
    if visible_fraction >= FULLY_VISIBLE_MIN_VISIBLE:
        return 0
    if visible_fraction >= PARTLY_OCCLUDED_MIN_VISIBLE:
        return 1
    return 2


def camera_to_rectified(camera: Camera) -> np.ndarray:
    """``(3, 3)`` rotation from the real camera (OpenCV axes) to its gravity-aligned rectified camera.

    Rows are the rectified axes in real-camera coordinates: +Y along gravity, +Z the optical axis
    made horizontal (the image's up direction made horizontal when the camera looks straight up or
    down), +X = Y x Z. This is KITTI's ``R0_rect``: ``X_rect = R0_rect @ X_camera``.
    """
    gravity = world_to_camera_opencv(camera)[:3, :3] @ -WORLD_UP
    for forward in (np.array([0.0, 0.0, 1.0]), np.array([0.0, -1.0, 0.0])):
        horizontal = forward - (forward @ gravity) * gravity
        if np.linalg.norm(horizontal) > _VERTICAL_TOLERANCE:
            break
    forward = horizontal / np.linalg.norm(horizontal)
    return np.stack([np.cross(gravity, forward), gravity, forward])


def rectified_projection(camera: Camera) -> np.ndarray:
    """``(3, 4)`` KITTI's ``P2`` for ``camera``: ``K [R0_rect^T | 0]``, rectified camera -> the real image's
    pixels (pixel centres at integers)."""
    return np.hstack([opencv_camera_matrix(camera.intrinsics) @ camera_to_rectified(camera).T, np.zeros((3, 1))])


def kitti_object(obj: ObjectLabel, kitti_type: str, *, rectification: np.ndarray | None = None) -> KittiObject:
    """The KITTI label of a visible object (``obj.modal_box`` must not be None).

    ``rectification`` is the frame's ``R0_rect``, :func:`camera_to_rectified` of its camera; the
    default (None: identity) is right only for a level camera (no pitch, no roll).
    """
    if obj.modal_box is None:
        raise ValueError(f"object {obj.instance_id} has no visible pixel, so no KITTI 2D box")
    box_pose = box_to_camera_opencv(obj)
    rotation = np.eye(3) if rectification is None else np.asarray(rectification, dtype=np.float64)
    heading = rotation @ box_pose[:3, 0]
    rotation_y = wrap_angle(math.atan2(-heading[2], heading[0]))
    length, width, height = (float(v) for v in obj.box_size)
    bottom = rotation @ box_pose[:3, 3] + np.array([0.0, height / 2.0, 0.0])
    observation_angle = wrap_angle(rotation_y - math.atan2(bottom[0], bottom[2]))
    return KittiObject(
        type=kitti_type,
        truncated=float(np.clip(obj.truncation, 0.0, 1.0)),
        occluded=occlusion_level(obj.visible_fraction),
        alpha=observation_angle,
        bbox=modal_box_indices(obj.modal_box),
        dimensions=(height, width, length),
        location=tuple(float(v) for v in bottom),
        rotation_y=rotation_y,
    )
