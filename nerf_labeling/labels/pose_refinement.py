"""Refine a placed mesh's pose against what the radiance field shows around it, and say how far to trust it.

A fit is reported with four measures, and refused (:class:`PoseFitRejected`) when one is past its
threshold, so that an under-trained field or a mesh placed where the field shows no such surface
leaves the object where it was instead of "succeeding" somewhere wrong:

* ``rmse``: metres, root mean square distance of the inlier surface points to the fitted mesh;
* ``overlap``: share of the mesh's *seen* surface samples with a field surface point within the
  inlier distance (how much of what the cameras saw the field actually confirms);
* ``seen_fraction``: share of the mesh's surface samples that at least one camera saw (inside the
  image, facing the camera, not behind the field's depth by more than :data:`SEEN_DEPTH_TOLERANCE`);
* ``constraint``: how firmly the field's points pin the position of the seen surface (0 to 1/3; see
  :func:`nerf_labeling.labels.seen_surface_icp.translation_constraint`): near 0, the fit could slide
  along a face barely seen without its residual growing.

The pose is the best, by overlap, of three fits: the whole-mesh ICP of
:func:`~nerf_labeling.meshes.align.align_mesh_to_points` (with its global step) and the seen-surface ICP
of :func:`~nerf_labeling.labels.seen_surface_icp.fit_seen_surface` from the placed pose and from that fit.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from nerf_labeling.cameras import Camera, camera_rays, project_points
from nerf_labeling.fields.base import RadianceField, RenderedView, render_view
from nerf_labeling.labels.scene_objects import MeshObject
from nerf_labeling.labels.seen_surface_icp import (
    fit_offset_surface,
    fit_seen_surface,
    residuals,
    translation_constraint,
)
from nerf_labeling.meshes.align import TooFewScenePoints, align_mesh_to_points, sample_mesh_surface

#: Largest accepted residual RMSE, metres. Distances spread evenly over the 1 cm inlier band give
#: about 5.8 mm, so a fit above 5 mm is no tighter than chance: the field's surface is too blurred
#: (under-trained) for the pose to mean anything at the millimetre level.
MAX_FIT_RMSE = 0.005
#: Smallest accepted overlap: four fifths of the mesh surface the cameras saw must have field surface
#: within the inlier distance. Measured (bench/bench_icp_fit.py): good fits on a well-trained field
#: reach 0.91-0.99; fits on an under-trained one (150 iterations), 17-48 mm off, 0.56-0.87, and one of
#: them passed the RMSE limit at 0.65.
MIN_FIT_OVERLAP = 0.8
#: Smallest accepted seen fraction: with under a fifth of its surface seen, a mesh's pose is not
#: pinned down by what the cameras show (it can slide along the few faces seen).
MIN_SEEN_FRACTION = 0.2
#: Smallest accepted translation constraint (:func:`~nerf_labeling.labels.seen_surface_icp.translation_constraint`;
#: 1/3 is a box seen evenly on three faces). Measured (bench/bench_icp_fit.py, 2,000-iteration fields): fits
#: within 10 mm of the truth 0.041-0.28 (0.041: a can seen mostly from its side), true fits on exact
#: fields 0.18-0.26; fits that slid along a barely seen face 0.021-0.022 (12.9 cm and 17 mm off) and a box
#: seen on one face only 0.000.
MIN_FIT_CONSTRAINT = 0.03
#: Mesh surface samples the fit runs on.
FIT_SAMPLES = 20000
#: Metres a mesh point may lie behind the field's depth and still count as seen (the field's surface
#: is blurred by about this much, and the fitted pose is off by less).
SEEN_DEPTH_TOLERANCE = 0.02
#: Mesh surface samples the measures are computed on.
MEASURE_SAMPLES = 4000
#: Pixels across the narrowest render the refinement uses: coarser, one pixel spans many centimetres
#: of slanted ground, and a mesh placed on empty ground would pass for confirmed by the field's depth.
MIN_RENDER_WIDTH = 160


class PoseFitRejected(ValueError):
    """The fit is past a threshold (or there was nothing to fit): the object must keep its pose.

    ``fit`` holds the measures when a fit was made (``None`` when the field showed too few points).
    """

    def __init__(self, message: str, fit: "PoseFit | None" = None) -> None:
        super().__init__(message)
        self.fit = fit


@dataclass(frozen=True)
class PoseFit:
    """A refined pose and the measures it is judged by (see the module docstring)."""

    object_to_world: np.ndarray
    rmse: float
    inlier_fraction: float
    overlap: float
    seen_fraction: float
    used_global_search: bool
    points_used: int
    constraint: float
    #: metres the field's surface lies outside (+) or inside (-) the mesh, fitted with the pose (0: not corrected)
    surface_offset: float = 0.0

    def failures(self) -> list[str]:
        """Plain sentences, one per measure past its threshold (empty when the fit is accepted)."""
        out = []
        if not self.rmse <= MAX_FIT_RMSE:
            out.append(f"the fit residual (RMSE) is {self.rmse * 1000:.1f} mm, above the {MAX_FIT_RMSE * 1000:.0f} mm allowed")
        if self.overlap < MIN_FIT_OVERLAP:
            out.append(f"only {self.overlap:.0%} of the mesh the cameras saw lies on the field's surface "
                       f"(overlap), below the {MIN_FIT_OVERLAP:.0%} required")
        if self.constraint < MIN_FIT_CONSTRAINT:
            out.append(f"the surface the cameras saw pins the position only weakly (constraint {self.constraint:.3f}, "
                       f"below the {MIN_FIT_CONSTRAINT:g} required): the fit can slide along a barely seen face")
        if self.seen_fraction < MIN_SEEN_FRACTION:
            out.append(f"the cameras saw only {self.seen_fraction:.0%} of the mesh, below the "
                       f"{MIN_SEEN_FRACTION:.0%} required")
        return out

    def as_dict(self) -> dict:
        """The measures as JSON-ready numbers (the pose left out)."""
        return {
            "rmse": float(self.rmse), "inlier_fraction": float(self.inlier_fraction), "overlap": float(self.overlap),
            "seen_fraction": float(self.seen_fraction), "used_global_search": bool(self.used_global_search),
            "points_used": int(self.points_used), "constraint": float(self.constraint),
            "surface_offset": float(self.surface_offset),
        }


def field_surface_points(
    field: RadianceField, cameras, *, image_scale: float = 0.5, opacity_threshold: float = 0.5
) -> np.ndarray:
    """Surface points the field shows from ``cameras``: ``(N, 3)`` world, metres.

    Each camera is rendered at ``image_scale`` of its resolution; a pixel gives the point
    ``origin + distance * direction`` where its opacity reaches ``opacity_threshold``.
    """
    return _surface_points(_render_views(field, cameras, image_scale), opacity_threshold)


def _render_views(field: RadianceField, cameras, image_scale: float, *, min_width: int = 0):
    """``[(camera as rendered, view)]``: each camera at ``image_scale``, or at ``min_width`` pixels across if wider."""
    views = []
    for camera in cameras:
        scale = max(image_scale, min_width / camera.intrinsics.width)
        small = Camera(camera.intrinsics.scaled(scale), camera.camera_to_world)
        views.append((small, render_view(field, small)))
    return views


def _surface_points(views, opacity_threshold: float) -> np.ndarray:
    points = []
    for small, view in views:
        rays = camera_rays(small)
        distance = view.depth.reshape(-1).astype(np.float64) / rays.z_per_distance
        surface = view.opacity.reshape(-1) >= opacity_threshold
        points.append(rays.origins[surface] + distance[surface, None] * rays.directions[surface])
    return np.concatenate(points, axis=0).astype(np.float64)


def seen_by_cameras(points, normals, views, *, inlier_distance: float, opacity_threshold: float = 0.5,
                    tolerance: float = SEEN_DEPTH_TOLERANCE) -> tuple[np.ndarray, np.ndarray]:
    """Which world ``points`` (with outward ``normals``) the views saw, and which the field confirms.

    Returns ``(seen, on_surface)``, ``(N,)`` bool each. Seen from a view: in front of the camera and
    inside its image, facing it, and not more than ``tolerance`` behind the field's depth at that pixel
    (pixels where the field shows no surface hide nothing). On the surface: seen from a view whose
    field depth around the point's projection (the range over the 2 x 2 nearest pixel centres that show
    a surface, so slanted faces and coarse images are not penalised) reaches within ``inlier_distance``
    of the point's depth. Compared in depth, per pixel, the measure does not depend on how densely the
    field's surface was sampled.
    """
    seen = np.zeros(len(points), dtype=bool)
    on_surface = np.zeros(len(points), dtype=bool)
    for small, view in views:
        uv, z_depth = project_points(small, points)
        height, width = view.depth.shape
        with np.errstate(invalid="ignore"):
            inside = (z_depth > 0) & (uv[:, 0] >= 0) & (uv[:, 0] < width) & (uv[:, 1] >= 0) & (uv[:, 1] < height)
        facing = np.einsum("ij,ij->i", normals, small.center - points) > 0
        candidate = np.flatnonzero(inside & facing)
        column = np.clip(uv[candidate, 0].astype(int), 0, width - 1)
        row = np.clip(uv[candidate, 1].astype(int), 0, height - 1)
        field_depth = np.where(view.opacity[row, column] >= opacity_threshold, view.depth[row, column], np.inf)
        seen[candidate[z_depth[candidate] - field_depth <= tolerance]] = True
        low, high = _depth_range_around(view, uv[candidate], opacity_threshold)
        depth = z_depth[candidate]
        on_surface[candidate[(depth >= low - inlier_distance) & (depth <= high + inlier_distance)]] = True
    return seen, on_surface


def _depth_range_around(view: RenderedView, uv: np.ndarray, opacity_threshold: float):
    """``(low, high)`` field depth over the 2 x 2 pixel centres around each ``uv`` that show a surface
    (``(inf, -inf)`` where none does)."""
    height, width = view.depth.shape
    left, top = np.floor(uv[:, 0] - 0.5).astype(int), np.floor(uv[:, 1] - 0.5).astype(int)
    low, high = np.full(len(uv), np.inf), np.full(len(uv), -np.inf)
    for column in (np.clip(left, 0, width - 1), np.clip(left + 1, 0, width - 1)):
        for row in (np.clip(top, 0, height - 1), np.clip(top + 1, 0, height - 1)):
            surface = view.opacity[row, column] >= opacity_threshold
            depth = view.depth[row, column].astype(np.float64)
            low = np.where(surface, np.minimum(low, depth), low)
            high = np.where(surface, np.maximum(high, depth), high)
    return low, high


def fit_measures(mesh, object_to_world, views, inlier_distance: float, seed: int = 0) -> tuple[float, float]:
    """``(overlap, seen_fraction)`` of ``mesh`` at ``object_to_world`` (see the module docstring)."""
    local_points, local_normals = sample_mesh_surface(mesh, MEASURE_SAMPLES, np.random.default_rng(seed))
    rotation, shift = object_to_world[:3, :3], object_to_world[:3, 3]
    points, normals = local_points @ rotation.T + shift, local_normals @ rotation.T
    seen, on_surface = seen_by_cameras(points, normals, views, inlier_distance=inlier_distance)
    if not seen.any():
        return 0.0, 0.0
    return float(on_surface[seen].mean()), float(seen.mean())


def refine_mesh_pose(
    field: RadianceField,
    obj: MeshObject,
    cameras,
    *,
    search_radius: float = 0.2,
    inlier_distance: float = 0.01,
    global_search: str = "auto",
    image_scale: float = 0.5,
    seed: int = 0,
    correct_offset: bool = True,
) -> tuple[MeshObject, PoseFit]:
    """ICP of ``obj``'s mesh against the field's surface points seen from ``cameras`` (a few views),
    each rendered at ``image_scale`` (at least :data:`MIN_RENDER_WIDTH` pixels across); the pose is the
    best of three fits by overlap (module docstring), then, with ``correct_offset`` and a closed mesh, fitted
    again together with how far the field's surface lies outside or inside it
    (:func:`~nerf_labeling.labels.seen_surface_icp.fit_offset_surface`).

    Returns the object at its refined pose (``version`` raised by one) and the fit's measures.
    Raises :class:`PoseFitRejected`, naming each measure past its threshold, when the fit is not to be
    trusted (or the field shows too few surface points near the object). See
    :func:`nerf_labeling.meshes.align.align_mesh_to_points`.
    """
    views = _render_views(field, cameras, image_scale, min_width=MIN_RENDER_WIDTH)
    points = _surface_points(views, 0.5)

    def seen(world_points, world_normals):
        return seen_by_cameras(world_points, world_normals, views, inlier_distance=inlier_distance)[0]

    try:
        alignment = align_mesh_to_points(
            obj.mesh,
            points,
            obj.object_to_world,
            search_radius=search_radius,
            inlier_distance=inlier_distance,
            global_search=global_search,
            seed=seed,
            seen_filter=seen,
        )
    except TooFewScenePoints as error:
        raise PoseFitRejected(
            f"The field shows almost no surface near the object ({error.count} points within {search_radius} m): "
            "is the field trained, and is the object placed on something the cameras saw?"
        ) from error
    samples, normals = sample_mesh_surface(obj.mesh, FIT_SAMPLES, np.random.default_rng(seed))
    near = points[_near_mesh(obj.mesh, points, obj.object_to_world, search_radius)]
    candidates = [
        alignment.object_to_world,
        fit_seen_surface(samples, normals, near, obj.object_to_world, seen,
                         search_radius=search_radius, inlier_distance=inlier_distance),
        fit_seen_surface(samples, normals, near, alignment.object_to_world, seen,
                         search_radius=4 * inlier_distance, inlier_distance=inlier_distance),
    ]
    measured = [(fit_measures(obj.mesh, pose, views, inlier_distance, seed), pose) for pose in candidates]
    (overlap, seen_fraction), pose = max(measured, key=lambda item: item[0][0])
    offset = 0.0
    if correct_offset and obj.mesh.is_closed:  # an offset surface (and its signed residual) needs an inside
        pose, offset = fit_offset_surface(samples, normals, near, pose, seen, inlier_distance=inlier_distance)
        overlap, seen_fraction = fit_measures(obj.mesh, pose, views, inlier_distance, seed)
    rmse, inlier_fraction = residuals(obj.mesh, near, pose, inlier_distance, offset)
    constraint = translation_constraint(samples, normals, near, pose, seen, inlier_distance)
    fit = PoseFit(pose, rmse, inlier_fraction, overlap, seen_fraction, alignment.used_global_search,
                  alignment.points_used, constraint, offset)
    failures = fit.failures()
    if failures:
        raise PoseFitRejected("The refined pose is not to be trusted: " + "; ".join(failures) + ".", fit)
    return replace(obj, object_to_world=fit.object_to_world, version=obj.version + 1), fit


def _near_mesh(mesh, points: np.ndarray, object_to_world: np.ndarray, margin: float) -> np.ndarray:
    """``(N,)`` bool: the world ``points`` within ``margin`` of the mesh's box at ``object_to_world``."""
    local = (points - object_to_world[:3, 3]) @ object_to_world[:3, :3]
    return np.all((local >= mesh.bounds[0] - margin) & (local <= mesh.bounds[1] + margin), axis=1)
