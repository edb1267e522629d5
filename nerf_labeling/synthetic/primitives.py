"""Exact ray intersection and inside tests for analytic solids, each in its own object frame.

Every solid is centred on its frame's origin and described by ``size``, the extents ``(3,)`` of its
tight bounding box along the frame's axes (metres):

- ``"box"``: a box of that size;
- ``"sphere"``: a sphere of diameter ``size[0]`` (all three extents equal);
- ``"cylinder"``: a cylinder along +Z of diameter ``size[0]`` (= ``size[1]``) and height ``size[2]``.

Intersections take ``(N, 3)`` origins and unit directions in the object frame and return the distance
to the first surface in front of the origin (``inf`` on a miss, ``0`` for an origin inside the solid)
and the outward unit normal there, also in the object frame.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

SHAPES = ("box", "sphere", "cylinder")

#: stand-in for a zero direction component, so slab tests stay finite and keep the correct sign
_TINY = 1e-12


def check_size(shape: str, size: tuple[float, float, float]) -> None:
    """Raise ``ValueError`` unless ``size`` describes a valid solid of ``shape``."""
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}; expected one of {SHAPES}")
    if len(size) != 3 or not all(np.isfinite(size)) or min(size) <= 0:
        raise ValueError(f"{shape} size must be three positive finite extents, got {size}")
    if shape == "sphere" and not (size[0] == size[1] == size[2]):
        raise ValueError(f"sphere size must have three equal extents, got {size}")
    if shape == "cylinder" and size[0] != size[1]:
        raise ValueError(f"cylinder size must have equal x and y extents, got {size}")


def _slab_interval(origins: np.ndarray, directions: np.ndarray, half: np.ndarray):
    """Entry and exit distances of rays through the slabs ``|p_i| <= half_i``, per axis."""
    safe = np.where(np.abs(directions) < _TINY, np.where(directions < 0, -_TINY, _TINY), directions)
    t_a = (-half - origins) / safe
    t_b = (half - origins) / safe
    return np.minimum(t_a, t_b), np.maximum(t_a, t_b)


def _first_hit(t_near: np.ndarray, t_far: np.ndarray) -> np.ndarray:
    hit = (t_near <= t_far) & (t_far > 0.0)
    return np.where(hit, np.maximum(t_near, 0.0), np.inf)


def intersect_box(origins: np.ndarray, directions: np.ndarray, size) -> tuple[np.ndarray, np.ndarray]:
    """Distance ``(N,)`` and outward normal ``(N, 3)`` of rays against a box of extents ``size``."""
    low, high = _slab_interval(origins, directions, np.asarray(size, dtype=np.float64) / 2.0)
    distance = _first_hit(low.max(axis=1), high.min(axis=1))
    rows = np.arange(len(origins))
    entry_axis = np.argmax(low, axis=1)
    normals = np.zeros_like(origins)
    normals[rows, entry_axis] = -np.sign(directions[rows, entry_axis])
    return distance, normals


def intersect_sphere(origins: np.ndarray, directions: np.ndarray, size) -> tuple[np.ndarray, np.ndarray]:
    """Distance ``(N,)`` and outward normal ``(N, 3)`` of rays against a sphere of diameter ``size[0]``."""
    radius = float(size[0]) / 2.0
    half_b = np.einsum("ij,ij->i", origins, directions)
    c = np.einsum("ij,ij->i", origins, origins) - radius * radius
    discriminant = half_b * half_b - c
    root = np.sqrt(np.maximum(discriminant, 0.0))
    t_near = np.where(discriminant >= 0.0, -half_b - root, np.inf)
    t_far = np.where(discriminant >= 0.0, -half_b + root, -np.inf)
    distance = _first_hit(t_near, t_far)
    finite = np.where(np.isfinite(distance), distance, 0.0)
    normals = (origins + finite[:, None] * directions) / radius
    return distance, normals


def intersect_cylinder(
    origins: np.ndarray, directions: np.ndarray, size
) -> tuple[np.ndarray, np.ndarray]:
    """Distance ``(N,)`` and outward normal ``(N, 3)`` of rays against a Z-axis cylinder."""
    radius = float(size[0]) / 2.0
    o_xy, d_xy = origins[:, :2], directions[:, :2]
    a = np.einsum("ij,ij->i", d_xy, d_xy)
    half_b = np.einsum("ij,ij->i", o_xy, d_xy)
    c = np.einsum("ij,ij->i", o_xy, o_xy) - radius * radius
    parallel = a < _TINY
    discriminant = half_b * half_b - a * c
    root = np.sqrt(np.maximum(discriminant, 0.0))
    safe_a = np.where(parallel, 1.0, a)
    # A ray parallel to the axis is inside the infinite cylinder for all t, or never.
    side_near = np.where(parallel, np.where(c <= 0, -np.inf, np.inf), (-half_b - root) / safe_a)
    side_far = np.where(parallel, np.where(c <= 0, np.inf, -np.inf), (-half_b + root) / safe_a)
    missed = ~parallel & (discriminant < 0.0)
    side_near = np.where(missed, np.inf, side_near)
    side_far = np.where(missed, -np.inf, side_far)
    half_height = np.array([float(size[2]) / 2.0])
    cap_low, cap_high = _slab_interval(origins[:, 2:], directions[:, 2:], half_height)
    cap_low, cap_high = cap_low[:, 0], cap_high[:, 0]
    distance = _first_hit(np.maximum(side_near, cap_low), np.minimum(side_far, cap_high))
    finite = np.where(np.isfinite(distance), distance, 0.0)
    points = origins + finite[:, None] * directions
    enters_side = side_near >= cap_low
    normals = np.zeros_like(origins)
    normals[:, :2] = np.where(enters_side[:, None], points[:, :2] / radius, 0.0)
    normals[:, 2] = np.where(enters_side, 0.0, -np.sign(directions[:, 2]))
    return distance, normals


def inside(shape: str, size, points: np.ndarray) -> np.ndarray:
    """``(N,)`` bool: which object-frame ``points`` lie inside (or on) the solid."""
    half = np.asarray(size, dtype=np.float64) / 2.0
    if shape == "box":
        return np.all(np.abs(points) <= half, axis=1)
    if shape == "sphere":
        return np.einsum("ij,ij->i", points, points) <= half[0] ** 2
    radial = np.einsum("ij,ij->i", points[:, :2], points[:, :2])
    return (radial <= half[0] ** 2) & (np.abs(points[:, 2]) <= half[2])


INTERSECTORS: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {
    "box": intersect_box,
    "sphere": intersect_sphere,
    "cylinder": intersect_cylinder,
}
