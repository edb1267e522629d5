"""Refine a placed mesh's pose against what the radiance field shows around it."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from nerf_labeling.cameras import Camera, camera_rays
from nerf_labeling.fields.base import RadianceField, render_view
from nerf_labeling.labels.scene_objects import MeshObject
from nerf_labeling.meshes.align import Alignment, align_mesh_to_points


def field_surface_points(
    field: RadianceField, cameras, *, image_scale: float = 0.5, opacity_threshold: float = 0.5
) -> np.ndarray:
    """Surface points the field shows from ``cameras``: ``(N, 3)`` world, metres.

    Each camera is rendered at ``image_scale`` of its resolution; a pixel gives the point
    ``origin + distance * direction`` where its opacity reaches ``opacity_threshold``.
    """
    points = []
    for camera in cameras:
        small = Camera(camera.intrinsics.scaled(image_scale), camera.camera_to_world)
        view = render_view(field, small)
        rays = camera_rays(small)
        distance = view.depth.reshape(-1).astype(np.float64) / rays.z_per_distance
        surface = view.opacity.reshape(-1) >= opacity_threshold
        points.append(rays.origins[surface] + distance[surface, None] * rays.directions[surface])
    return np.concatenate(points, axis=0).astype(np.float64)


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
) -> tuple[MeshObject, Alignment]:
    """ICP of ``obj``'s mesh against the field's surface points seen from ``cameras`` (a few views).

    Returns the object at its refined pose (``version`` raised by one) and the fit report
    (RMSE in metres, inlier fraction). See :func:`nerf_labeling.meshes.align.align_mesh_to_points`.
    """
    points = field_surface_points(field, cameras, image_scale=image_scale)
    alignment = align_mesh_to_points(
        obj.mesh,
        points,
        obj.object_to_world,
        search_radius=search_radius,
        inlier_distance=inlier_distance,
        global_search=global_search,
        seed=seed,
    )
    return replace(obj, object_to_world=alignment.object_to_world, version=obj.version + 1), alignment
