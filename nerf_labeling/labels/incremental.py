"""Incremental label rendering: what a frame's stored labels need after an edit, and doing just that.

Labels remember the field and the object versions they were rendered from. From the same field with the
same versions they still hold (skip); from the same field with objects added, edited or removed, only
those objects are recomputed against the cached field render (relabel); from another field, or with no
labels yet, every object is rendered anew (full).
"""
from __future__ import annotations

import enum
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass

from nerf_labeling.cameras import Camera
from nerf_labeling.fields.base import RenderedView
from nerf_labeling.labels.frame_labels import labels_from_view, relabel_objects
from nerf_labeling.labels.records import FrameLabels
from nerf_labeling.labels.scene_objects import SceneObject


class RenderAction(enum.Enum):
    SKIP = "skip"
    RELABEL = "relabel"
    FULL = "full"


@dataclass(frozen=True)
class FramePlan:
    """What one frame's labels need; ``changed`` holds the instance ids a relabel recomputes."""

    action: RenderAction
    changed: frozenset[int] = frozenset()


def plan_frame_render(
    *,
    previous_field: Hashable | None,
    previous_versions: Mapping[int, int],
    field: Hashable,
    versions: Mapping[int, int],
) -> FramePlan:
    """Skip, relabel the changed objects, or render in full.

    previous_field : id of the field the stored labels came from; None when the frame has no labels
    previous_versions : instance id -> object version the stored labels came from
    field, versions : the same for the render about to run
    """
    if previous_field is None or previous_field != field:
        return FramePlan(RenderAction.FULL)
    changed = frozenset(
        instance_id for instance_id in set(previous_versions) | set(versions)
        if previous_versions.get(instance_id) != versions.get(instance_id)
    )
    return FramePlan(RenderAction.RELABEL, changed) if changed else FramePlan(RenderAction.SKIP)


def labels_for_plan(
    plan: FramePlan,
    view: RenderedView,
    camera: Camera,
    objects: Sequence[SceneObject],
    previous: Callable[[], FrameLabels],
    *,
    tolerance: float,
    device: str = "cpu",
) -> FrameLabels:
    """The frame's labels as ``plan`` says: the ``previous()`` ones with the changed objects redone, or all anew.

    ``previous`` is called only for a relabel (it reads the stored labels). A skip has nothing to render.
    """
    if plan.action is RenderAction.SKIP:
        raise ValueError("a skipped frame keeps its labels: there is nothing to render")
    if plan.action is RenderAction.RELABEL:
        return relabel_objects(previous(), view, camera, objects, plan.changed, tolerance=tolerance, device=device)
    return labels_from_view(view, camera, objects, tolerance=tolerance, device=device)
