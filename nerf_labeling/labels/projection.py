"""Projecting an object's 3D box into an image: the amodal 2D box and the truncation.

The box's 12 edges are clipped against a near plane in front of the camera before projection, so a
box reaching behind the camera still projects correctly; the projected outline is the convex hull
of what remains, and it is clipped to the image rectangle ``[0, W] x [0, H]`` (pixel edges).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nerf_labeling.cameras import Camera, project_points, world_to_camera_points

#: metres in front of the camera where box edges are cut before projection
NEAR_PLANE = 1e-3
#: corner pairs of the 12 box edges, for corners indexed 4 * ix + 2 * iy + iz
BOX_EDGES = tuple((a, a | bit) for a in range(8) for bit in (1, 2, 4) if not a & bit)


@dataclass(frozen=True)
class BoxProjection:
    """The projected outline of a 3D box.

    amodal_box : (x_min, y_min, x_max, y_max) pixel edges of the outline clipped to the image, or None
        when the outline misses the image or the box is behind the camera
    truncation : share of the outline's area outside the image, in [0, 1] (1 when nothing is inside)
    pixel_window : (row_start, row_stop, col_start, col_stop) of the pixels the box can cover, or None
    """

    amodal_box: tuple[float, float, float, float] | None
    truncation: float
    pixel_window: tuple[int, int, int, int] | None


def clipped_box_points(camera: Camera, corners: np.ndarray) -> np.ndarray:
    """``(8, 3)`` world box corners -> ``(M, 3)`` world points of the box edges cut at the near plane."""
    local = world_to_camera_points(camera, corners)
    depth = -local[:, 2]
    points = [corners[depth >= NEAR_PLANE]]
    for a, b in BOX_EDGES:
        if (depth[a] >= NEAR_PLANE) != (depth[b] >= NEAR_PLANE):
            share = (NEAR_PLANE - depth[a]) / (depth[b] - depth[a])
            points.append((corners[a] + share * (corners[b] - corners[a]))[None])
    return np.concatenate(points, axis=0)


def convex_hull(points: np.ndarray) -> np.ndarray:
    """``(N, 2)`` points -> ``(K, 2)`` counter-clockwise hull vertices (Andrew's monotone chain)."""
    ordered = sorted(set(map(tuple, np.asarray(points, dtype=np.float64))))
    if len(ordered) < 3:
        return np.asarray(ordered, dtype=np.float64).reshape(-1, 2)

    def half(sequence):
        chain: list[tuple[float, float]] = []
        for point in sequence:
            while len(chain) >= 2 and _cross(chain[-2], chain[-1], point) <= 0:
                chain.pop()
            chain.append(point)
        return chain[:-1]

    return np.asarray(half(ordered) + half(ordered[::-1]), dtype=np.float64)


def _cross(o, a, b) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def polygon_area(polygon: np.ndarray) -> float:
    """Area of a simple ``(K, 2)`` polygon (shoelace formula); 0 for fewer than 3 vertices."""
    if len(polygon) < 3:
        return 0.0
    x, y = polygon[:, 0], polygon[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2.0)


def clip_polygon_to_rectangle(polygon: np.ndarray, width: float, height: float) -> np.ndarray:
    """Sutherland-Hodgman clip of a convex ``(K, 2)`` polygon to ``[0, width] x [0, height]``."""
    # Each boundary as (axis, limit, keep-side sign): keep sign * (p[axis] - limit) >= 0.
    for axis, limit, sign in ((0, 0.0, 1.0), (0, width, -1.0), (1, 0.0, 1.0), (1, height, -1.0)):
        if len(polygon) == 0:
            break
        inside = sign * (polygon[:, axis] - limit) >= 0
        kept = []
        for index in range(len(polygon)):
            current, following = polygon[index], polygon[(index + 1) % len(polygon)]
            current_in, following_in = inside[index], inside[(index + 1) % len(polygon)]
            if current_in:
                kept.append(current)
            if current_in != following_in:
                share = (limit - current[axis]) / (following[axis] - current[axis])
                crossing = current + share * (following - current)
                crossing[axis] = limit
                kept.append(crossing)
        polygon = np.asarray(kept, dtype=np.float64).reshape(-1, 2)
    return polygon


def project_box(camera: Camera, corners: np.ndarray) -> BoxProjection:
    """Amodal 2D box, truncation and pixel window of a 3D box given by its ``(8, 3)`` world corners."""
    points = clipped_box_points(camera, np.asarray(corners, dtype=np.float64))
    if len(points) == 0:
        return BoxProjection(None, 1.0, None)
    uv, _ = project_points(camera, points)
    outline = convex_hull(uv)
    width, height = camera.intrinsics.width, camera.intrinsics.height
    inside = clip_polygon_to_rectangle(outline, float(width), float(height))
    full_area, inside_area = polygon_area(outline), polygon_area(inside)
    if len(inside) < 3 or inside_area <= 0.0:
        return BoxProjection(None, 1.0, None)
    x_min, y_min = inside.min(axis=0)
    x_max, y_max = inside.max(axis=0)
    window = (
        int(np.floor(y_min)),
        min(int(np.ceil(y_max)), height),
        int(np.floor(x_min)),
        min(int(np.ceil(x_max)), width),
    )
    truncation = float(np.clip(1.0 - inside_area / full_area, 0.0, 1.0))
    return BoxProjection((float(x_min), float(y_min), float(x_max), float(y_max)), truncation, window)
