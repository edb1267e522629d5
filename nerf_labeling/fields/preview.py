"""Scene preview for the browser: a coloured surface point cloud (PLY) and camera frustums (JSON).

Points come from the field's own rendered depth along the training views (at reduced resolution, so
the ray count stays bounded), kept where the ray is nearly opaque and its depth is crisp.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from nerf_labeling.cameras import Camera, camera_rays
from nerf_labeling.fields.base import RadianceField

POINTS_FILE = "points.ply"
CAMERAS_FILE = "cameras.json"

PLY_VERTEX = np.dtype([("x", "<f4"), ("y", "<f4"), ("z", "<f4"), ("red", "u1"), ("green", "u1"), ("blue", "u1")])


@dataclass(frozen=True)
class PreviewFiles:
    """Where :func:`write_preview` wrote, and how many points the cloud holds."""

    points_path: Path
    cameras_path: Path
    point_count: int


def write_point_cloud_ply(path: str | Path, points: np.ndarray, colours: np.ndarray) -> None:
    """Write :func:`point_cloud_ply_bytes` of ``points`` and ``colours`` to ``path``."""
    Path(path).write_bytes(point_cloud_ply_bytes(points, colours))


def point_cloud_ply_bytes(points: np.ndarray, colours: np.ndarray) -> bytes:
    """Binary little-endian PLY: ``points`` (N, 3) float32 world, ``colours`` (N, 3) uint8 RGB."""
    points, colours = np.asarray(points), np.asarray(colours)
    if points.ndim != 2 or points.shape[1] != 3 or colours.shape != points.shape:
        raise ValueError(f"points and colours must both be (N, 3), got {points.shape} and {colours.shape}")
    vertices = np.empty(len(points), dtype=PLY_VERTEX)
    for axis, name in enumerate("xyz"):
        vertices[name] = points[:, axis]
    for channel, name in enumerate(("red", "green", "blue")):
        vertices[name] = colours[:, channel]
    header = (
        "ply\nformat binary_little_endian 1.0\n"
        f"element vertex {len(points)}\n"
        "property float x\nproperty float y\nproperty float z\n"
        "property uchar red\nproperty uchar green\nproperty uchar blue\nend_header\n"
    )
    return header.encode("ascii") + vertices.tobytes()


def surface_points(
    field: RadianceField,
    cameras: Sequence[Camera],
    *,
    max_rays: int = 60_000,
    min_opacity: float = 0.9,
    max_relative_std: float = 0.05,
) -> tuple[np.ndarray, np.ndarray]:
    """Surface points seen by ``cameras``: ``(N, 3)`` float32 world positions and ``(N, 3)`` uint8 colours.

    Each camera is rendered at a resolution scaled so that all together cast about ``max_rays`` rays.
    """
    pixels = sum(c.intrinsics.width * c.intrinsics.height for c in cameras)
    factor = min(1.0, float(np.sqrt(max_rays / max(pixels, 1))))
    points, colours = [], []
    for camera in cameras:
        small = Camera(camera.intrinsics.scaled(factor), camera.camera_to_world)
        if small.intrinsics.width < 1 or small.intrinsics.height < 1:
            continue
        rays = camera_rays(small)
        render = field.render_rays(rays.origins, rays.directions)
        crisp = (render.opacity >= min_opacity) & (render.distance_std <= max_relative_std * render.distance)
        if not crisp.any():
            # A field early in training has no crisp surface yet; show its most opaque points anyway.
            crisp = render.opacity >= 0.5
        points.append(rays.origins[crisp] + rays.directions[crisp] * render.distance[crisp, None])
        colours.append(np.round(np.clip(render.rgb[crisp], 0.0, 1.0) * 255.0).astype(np.uint8))
    if not points:
        return np.zeros((0, 3), np.float32), np.zeros((0, 3), np.uint8)
    return np.concatenate(points).astype(np.float32), np.concatenate(colours)


def camera_frustums(cameras: Sequence[Camera]) -> list[dict]:
    """Per camera: ``camera_to_world`` (4x4, OpenGL axes, row-major lists) and pinhole intrinsics."""
    return [
        {
            "index": index,
            "camera_to_world": np.round(np.asarray(camera.camera_to_world, dtype=np.float64), 6).tolist(),
            "fx": camera.intrinsics.fx,
            "fy": camera.intrinsics.fy,
            "cx": camera.intrinsics.cx,
            "cy": camera.intrinsics.cy,
            "width": camera.intrinsics.width,
            "height": camera.intrinsics.height,
        }
        for index, camera in enumerate(cameras)
    ]


def write_preview(
    field: RadianceField,
    cameras: Sequence[Camera],
    path: str | Path,
    cameras_path: str | Path | None = None,
    *,
    max_points: int = 100_000,
    max_rays: int = 60_000,
    seed: int = 0,
) -> PreviewFiles:
    """Write the point cloud (at most ``max_points``, a seeded random subset) and the camera summary.

    With ``cameras_path`` given, ``path`` is the PLY file and ``cameras_path`` the JSON file; otherwise
    ``path`` is a directory that receives ``points.ply`` and ``cameras.json``. The JSON holds
    ``{"bounds": (2, 3) world AABB, "up": [0, 0, 1], "frames": [...]}`` (see :func:`camera_frustums`).
    """
    if cameras_path is None:
        Path(path).mkdir(parents=True, exist_ok=True)
        points_path, cameras_path = Path(path) / POINTS_FILE, Path(path) / CAMERAS_FILE
    else:
        points_path, cameras_path = Path(path), Path(cameras_path)
    points, colours = surface_points(field, cameras, max_rays=max_rays)
    if len(points) > max_points:
        keep = np.sort(np.random.default_rng(seed).choice(len(points), size=max_points, replace=False))
        points, colours = points[keep], colours[keep]
    write_point_cloud_ply(points_path, points, colours)
    summary = {"bounds": np.asarray(field.bounds).tolist(), "up": [0.0, 0.0, 1.0], "frames": camera_frustums(cameras)}
    cameras_path.write_text(json.dumps(summary, separators=(",", ":")))
    return PreviewFiles(points_path=points_path, cameras_path=cameras_path, point_count=len(points))
