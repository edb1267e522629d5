"""Render a frame's labels from a radiance field and placed objects (both pipelines at once).

Rendering the field (:func:`nerf_labeling.fields.render_view`) is kept apart from everything else:
:func:`labels_from_view` takes a cached field render, so the platform can store field renders per
frame and :func:`relabel_objects` can recompute only the objects that changed.

Overlaps: where several objects claim a pixel the nearest claim wins; claims at the same depth (two
boxes containing the same surface point) go to the smaller box, then to the lower instance id.

Label confidence per pixel (documented formula, ``α`` opacity, ``σ`` depth std, ``τ`` tolerance)::

    confidence = |2α - 1| * s * c,   s = exp(-½ (σ / τ)²) where α >= opacity_threshold, else 1,
    c = min over the objects whose rule was evaluated at the pixel of |erf(margin / (√2 σ))|

where ``margin`` is how far the depth is from flipping that object's decision (see
:mod:`nerf_labeling.labels.object_raster`). An exact field (α in {0, 1}, σ = 0) gives 1 everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nerf_labeling.cameras import Camera
from nerf_labeling.fields.base import RadianceField, RenderedView, render_view
from nerf_labeling.labels.projection import project_box
from nerf_labeling.labels.object_raster import FrameGeometry, ObjectRaster, frame_geometry, rasterize_object
from nerf_labeling.labels.records import FrameLabels, ObjectLabel
from nerf_labeling.labels.scene_objects import SceneObject, check_unique_ids


@dataclass(frozen=True)
class LabelConfig:
    """How labels are decided.

    tolerance : metres; a mesh pixel stays visible while its depth is at most the field's depth plus
        this, and box membership allows this much slack along the ray (see ``object_raster``). Scale
        it with the field's depth noise: :func:`suggest_tolerance` gives 0.5% of the scene's diagonal.
    opacity_threshold : a pixel has a field surface when its opacity is at least this
    """

    tolerance: float
    opacity_threshold: float = 0.5

    def __post_init__(self) -> None:
        if not self.tolerance >= 0:
            raise ValueError(f"tolerance must be >= 0 metres, got {self.tolerance}")
        if not 0.0 < self.opacity_threshold <= 1.0:
            raise ValueError(f"opacity_threshold must be in (0, 1], got {self.opacity_threshold}")


def suggest_tolerance(bounds: np.ndarray, *, share: float = 0.005) -> float:
    """A tolerance of ``share`` of the diagonal of ``(2, 3)`` scene bounds (metres)."""
    bounds = np.asarray(bounds, dtype=np.float64)
    return float(share * np.linalg.norm(bounds[1] - bounds[0]))


def render_frame_labels(
    field: RadianceField, camera: Camera, objects, *, tolerance: float, opacity_threshold: float = 0.5
) -> FrameLabels:
    """Render the field once from ``camera`` and label every object (box and mesh objects alike).

    Objects are ray cast on the field's own device (:attr:`RadianceField.device`).
    """
    view = render_view(field, camera)
    return labels_from_view(
        view, camera, objects, tolerance=tolerance, opacity_threshold=opacity_threshold, device=field.device
    )


def labels_from_view(
    view: RenderedView,
    camera: Camera,
    objects,
    *,
    tolerance: float,
    opacity_threshold: float = 0.5,
    device: str = "cpu",
) -> FrameLabels:
    """Labels of one frame from its cached field render ``view`` (depth, opacity, depth_std (H, W)).

    ``device`` (a torch device name) is where the objects' shapes are ray cast.
    """
    config = LabelConfig(tolerance, opacity_threshold)
    objects = list(objects)
    check_unique_ids(objects)
    frame = frame_geometry(camera, view, opacity_threshold=config.opacity_threshold, device=device)
    rasters = [rasterize_object(o, frame, tolerance=tolerance, device=device) for o in objects]
    rasters = [raster for raster in rasters if raster is not None]
    height, width = frame.field_depth.shape
    empty = FrameLabels(
        instance_mask=np.zeros((height, width), np.uint16),
        category_mask=np.zeros((height, width), np.uint16),
        depth=np.where(np.isfinite(frame.field_depth), frame.field_depth, 0.0).astype(np.float32),
        object_depth=np.zeros((height, width), np.float32),
        confidence=np.zeros((height, width), np.float32),
    )
    region = np.ones((height, width), dtype=bool)
    return _compose(empty, view, frame, config, rasters, region, kept_labels=[])


def relabel_objects(
    previous: FrameLabels,
    view: RenderedView,
    camera: Camera,
    objects,
    changed_ids,
    *,
    tolerance: float,
    opacity_threshold: float = 0.5,
    device: str = "cpu",
) -> FrameLabels:
    """Update ``previous`` labels after the objects in ``changed_ids`` were added, moved or deleted.

    ``objects`` is the scene's full current object list, ``view`` the frame's cached field render and
    ``previous`` what :func:`labels_from_view` gave with the same view before the change. Only changed
    objects and the objects whose image windows overlap theirs are recomputed; the result equals a
    full :func:`labels_from_view` of ``objects`` (``device`` as there).
    """
    config = LabelConfig(tolerance, opacity_threshold)
    objects = list(objects)
    check_unique_ids(objects)
    changed_ids = {int(i) for i in changed_ids}
    frame = frame_geometry(camera, view, opacity_threshold=config.opacity_threshold, device=device)
    height, width = frame.field_depth.shape
    region = np.zeros((height, width), dtype=bool)
    for label in previous.objects:
        if label.instance_id in changed_ids and label.amodal_box is not None:
            region[_box_window(label.amodal_box, height, width)] = True
    rasters = {}
    for obj in objects:
        if obj.instance_id in changed_ids:
            raster = rasterize_object(obj, frame, tolerance=tolerance, device=device)
            if raster is not None:
                rasters[obj.instance_id] = raster
                region[_window_slices(raster.window)] = True
    for obj in objects:
        if obj.instance_id in changed_ids:
            continue
        # Projecting the box is cheap; only objects whose window meets the changed region are re-cast.
        window = project_box(camera, obj.box_corners()).pixel_window
        if window is not None and region[_window_slices(window)].any():
            rasters[obj.instance_id] = rasterize_object(obj, frame, tolerance=tolerance, device=device)
    kept = [label for label in previous.objects if label.instance_id not in changed_ids | set(rasters)]
    return _compose(previous, view, frame, config, list(rasters.values()), region, kept_labels=kept)


def _window_slices(window) -> tuple[slice, slice]:
    r0, r1, c0, c1 = window
    return slice(r0, r1), slice(c0, c1)


def _box_window(box, height: int, width: int) -> tuple[slice, slice]:
    x_min, y_min, x_max, y_max = box
    return (
        slice(max(int(np.floor(y_min)), 0), min(int(np.ceil(y_max)), height)),
        slice(max(int(np.floor(x_min)), 0), min(int(np.ceil(x_max)), width)),
    )


def base_confidence(view: RenderedView, config: LabelConfig) -> np.ndarray:
    """``|2α - 1| * exp(-½ (σ / τ)²)`` (the depth factor only where there is a surface), (H, W) float64."""
    opacity = np.clip(view.opacity.astype(np.float64), 0.0, 1.0)
    sigma = view.depth_std.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.exp(-0.5 * (sigma / config.tolerance) ** 2) if config.tolerance > 0 else (sigma == 0) * 1.0
    spread = np.where(opacity >= config.opacity_threshold, spread, 1.0)
    return np.abs(2.0 * opacity - 1.0) * spread


def _compose(previous, view, frame, config, rasters, region, *, kept_labels) -> FrameLabels:
    """Repaint ``region`` of ``previous`` from ``rasters`` (which cover every object touching it)."""
    instance = previous.instance_mask.copy()
    category = previous.category_mask.copy()
    object_depth = previous.object_depth.copy()
    confidence = previous.confidence.copy()
    # copyto(where=) rather than boolean indexing: the region is usually the whole 640x480 frame.
    for array in (instance, category, object_depth):
        np.copyto(array, 0, where=region)
    height, width = region.shape
    best = np.full((height, width), np.inf)
    nearest_shape = np.full((height, width), np.inf)
    certainty = np.ones((height, width))
    # Smaller boxes first, so that a later claim must be strictly nearer to take a pixel.
    for raster in sorted(rasters, key=lambda r: (r.obj.box_volume, r.obj.instance_id)):
        rows, cols = _window_slices(raster.window)
        inside = region[rows, cols]
        wins = raster.claim & inside & (raster.claim_depth < best[rows, cols])
        best[rows, cols][wins] = raster.claim_depth[wins]
        instance[rows, cols][wins] = raster.obj.instance_id
        category[rows, cols][wins] = raster.obj.class_id
        np.minimum(nearest_shape[rows, cols], np.where(inside, raster.silhouette_depth, np.inf),
                   out=nearest_shape[rows, cols])
        np.minimum(certainty[rows, cols], np.where(inside, raster.certainty, 1.0), out=certainty[rows, cols])
    np.copyto(object_depth, np.where(np.isfinite(nearest_shape), nearest_shape, 0.0), where=region)
    np.copyto(confidence, base_confidence(view, config) * certainty, where=region)
    labels = kept_labels + [_object_label(raster, instance, frame) for raster in rasters]
    return FrameLabels(
        instance_mask=instance,
        category_mask=category,
        depth=np.where(np.isfinite(frame.field_depth), frame.field_depth, 0.0).astype(np.float32),
        object_depth=object_depth.astype(np.float32),
        confidence=confidence.astype(np.float32),
        objects=sorted(labels, key=lambda label: label.instance_id),
    )


def _object_label(raster: ObjectRaster, instance: np.ndarray, frame: FrameGeometry) -> ObjectLabel:
    obj = raster.obj
    r0, r1, c0, c1 = raster.window
    visible = instance[r0:r1, c0:c1] == obj.instance_id
    silhouette_pixels = int(np.isfinite(raster.silhouette_depth).sum())
    visible_pixels = int(visible.sum())
    modal_box = None
    if visible_pixels:
        rows, cols = np.nonzero(visible)
        modal_box = (float(c0 + cols.min()), float(r0 + rows.min()), float(c0 + cols.max() + 1), float(r0 + rows.max() + 1))
    world_to_camera = frame.camera.world_to_camera
    object_to_camera = world_to_camera @ obj.object_to_world
    box_center = world_to_camera @ np.append(obj.box_to_world[:3, 3], 1.0)
    return ObjectLabel(
        instance_id=obj.instance_id,
        class_id=obj.class_id,
        class_name=obj.class_name,
        modal_box=modal_box,
        amodal_box=raster.projection.amodal_box,
        box_center_camera=tuple(float(v) for v in box_center[:3]),
        box_size=tuple(float(v) for v in obj.box_size),
        object_to_camera=tuple(tuple(float(v) for v in row) for row in object_to_camera),
        visible_pixels=visible_pixels,
        visible_fraction=float(min(1.0, visible_pixels / silhouette_pixels)) if silhouette_pixels else 0.0,
        truncation=raster.projection.truncation,
    )
