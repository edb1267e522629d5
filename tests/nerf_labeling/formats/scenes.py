"""Tiny scenes of boxes with exact labels, rendered by ray casting in the test (no NeRF).

Each box is given in the camera frame (OpenGL axes); every label (masks, depth, modal and amodal
boxes, visible fraction, truncation) is computed from the geometry, so tests can compare an export
against the truth.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from nerf_labeling.cameras import Camera, Intrinsics, look_at
from nerf_labeling.formats.records import ExportFrame
from nerf_labeling.labels.records import FrameLabels, ObjectLabel

INTRINSICS = Intrinsics(fx=70.0, fy=72.0, cx=41.0, cy=29.5, width=80, height=60)
BACKGROUND_DEPTH_M = 20.0


@dataclass(frozen=True)
class Box:
    """A box of ``size`` (l, w, h along object x, y, z) whose object frame sits at ``object_to_camera``.

    ``centre_offset`` places the box centre in the object frame (a mesh origin at its base, say).
    """

    instance_id: int
    class_id: int
    object_to_camera: np.ndarray
    size: tuple[float, float, float]
    centre_offset: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @property
    def centre_camera(self) -> np.ndarray:
        return self.object_to_camera[:3, :3] @ np.asarray(self.centre_offset) + self.object_to_camera[:3, 3]

    def corners_camera(self) -> np.ndarray:
        """(8, 3) corners in the camera frame, OpenGL axes."""
        signs = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)], dtype=float)
        local = signs * np.asarray(self.size) / 2.0 + np.asarray(self.centre_offset)
        return local @ self.object_to_camera[:3, :3].T + self.object_to_camera[:3, 3]


def upright_pose(yaw: float, centre_gl: tuple[float, float, float], *, tilt: float = 0.0) -> np.ndarray:
    """Object -> camera (OpenGL) with the object's up (+z) along camera +Y, its length turned by ``yaw``.

    ``yaw`` is the KITTI rotation_y of the object: its length points along OpenCV (cos, 0, -sin) yaw,
    i.e. OpenGL (cos, 0, sin). ``tilt`` then rolls the object about its own length axis.
    """
    x_axis = np.array([math.cos(yaw), 0.0, math.sin(yaw)])
    z_axis = np.array([0.0, 1.0, 0.0])
    y_axis = np.cross(z_axis, x_axis)
    rotation = np.stack([x_axis, y_axis, z_axis], axis=1)
    roll = np.array([[1, 0, 0], [0, math.cos(tilt), -math.sin(tilt)], [0, math.sin(tilt), math.cos(tilt)]])
    pose = np.eye(4)
    pose[:3, :3] = rotation @ roll
    pose[:3, 3] = centre_gl
    return pose


def _box_depth(box: Box, intrinsics: Intrinsics) -> np.ndarray:
    """(H, W) z-depth of the box's nearest face per pixel centre, inf where missed."""
    u, v = np.meshgrid(np.arange(intrinsics.width) + 0.5, np.arange(intrinsics.height) + 0.5)
    directions = np.stack(
        [(u - intrinsics.cx) / intrinsics.fx, -(v - intrinsics.cy) / intrinsics.fy, -np.ones_like(u)], axis=-1
    )
    rotation = box.object_to_camera[:3, :3]
    origin_local = rotation.T @ (-box.object_to_camera[:3, 3]) - np.asarray(box.centre_offset)
    dir_local = directions @ rotation  # (R^T d) for every pixel
    half = np.asarray(box.size) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = (-half - origin_local) / dir_local
        t2 = (half - origin_local) / dir_local
    near = np.nanmax(np.minimum(t1, t2), axis=-1)
    far = np.nanmin(np.maximum(t1, t2), axis=-1)
    hit = (far >= near) & (near > 0)
    return np.where(hit, near, np.inf)  # directions have z = -1, so the ray parameter is z-depth


def _edge_box(mask: np.ndarray) -> tuple[float, float, float, float] | None:
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if len(rows) == 0:
        return None
    return (float(cols[0]), float(rows[0]), float(cols[-1] + 1), float(rows[-1] + 1))


def render_frame(
    boxes: list[Box], intrinsics: Intrinsics = INTRINSICS, *, names: dict[int, str] | None = None
) -> FrameLabels:
    """Exact labels of ``boxes`` in front of a wall at :data:`BACKGROUND_DEPTH_M`."""
    shape = (intrinsics.height, intrinsics.width)
    depths = np.stack([_box_depth(box, intrinsics) for box in boxes]) if boxes else np.full((1, *shape), np.inf)
    nearest = np.argmin(depths, axis=0)
    nearest_depth = np.min(depths, axis=0)
    hit = np.isfinite(nearest_depth)
    instance_mask = np.zeros(shape, np.uint16)
    category_mask = np.zeros(shape, np.uint16)
    objects = []
    for index, box in enumerate(boxes):
        own = np.isfinite(depths[index])
        visible = own & (nearest == index)
        instance_mask[visible] = box.instance_id
        category_mask[visible] = box.class_id
        corners = box.corners_camera()
        z = -corners[:, 2]
        u = intrinsics.cx + intrinsics.fx * corners[:, 0] / z
        v = intrinsics.cy - intrinsics.fy * corners[:, 1] / z
        uv = np.stack([u, v], axis=-1)
        lo, hi = uv.min(axis=0), uv.max(axis=0)
        clipped_lo = np.clip(lo, 0, [intrinsics.width, intrinsics.height])
        clipped_hi = np.clip(hi, 0, [intrinsics.width, intrinsics.height])
        full_area = float(np.prod(hi - lo))
        objects.append(
            ObjectLabel(
                instance_id=box.instance_id,
                class_id=box.class_id,
                class_name=(names or {}).get(box.class_id, f"class{box.class_id}"),
                modal_box=_edge_box(visible),
                amodal_box=(*clipped_lo, *clipped_hi),
                box_center_camera=tuple(box.centre_camera),
                box_size=tuple(box.size),
                object_to_camera=tuple(tuple(row) for row in box.object_to_camera),
                visible_pixels=int(visible.sum()),
                visible_fraction=float(visible.sum() / max(own.sum(), 1)),
                truncation=float(1.0 - np.prod(clipped_hi - clipped_lo) / full_area),
            )
        )
    depth = np.where(hit, nearest_depth, BACKGROUND_DEPTH_M).astype(np.float32)
    return FrameLabels(
        instance_mask=instance_mask,
        category_mask=category_mask,
        depth=depth,
        object_depth=np.where(hit, nearest_depth, 0.0).astype(np.float32),
        confidence=np.ones(shape, np.float32),
        objects=objects,
    )


def png_bytes(height: int = INTRINSICS.height, width: int = INTRINSICS.width, *, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (height, width, 3), dtype=np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def default_camera(index: int = 0) -> Camera:
    eye = (3.0 * math.cos(index), 3.0 * math.sin(index), 1.5)
    return Camera(INTRINSICS, look_at(eye, (0.0, 0.0, 0.0)))


def three_box_frames() -> list[ExportFrame]:
    """Two frames: three upright boxes (one partly hidden behind another) and a truncated one."""
    near = Box(1, 1, upright_pose(0.4, (-0.4, -0.3, -4.0)), (0.8, 0.5, 0.6))
    behind = Box(2, 2, upright_pose(-1.2, (0.1, -0.2, -6.0)), (1.2, 0.6, 0.9), centre_offset=(0.0, 0.0, 0.45))
    right = Box(3, 1, upright_pose(2.5, (1.2, 0.2, -5.0)), (0.6, 0.6, 0.6))
    truncated = Box(4, 2, upright_pose(0.0, (-2.6, 0.0, -4.5)), (1.0, 0.8, 1.0))
    first = render_frame([near, behind, right])

    def second() -> FrameLabels:  # loaded lazily, as the platform gives labels
        return render_frame([truncated, near])

    return [
        ExportFrame(0, "scene/frame_0000.png", png_bytes(seed=0), default_camera(0), first),
        ExportFrame(7, "scene/frame_0001.png", png_bytes(seed=1), default_camera(1), second),
    ]
