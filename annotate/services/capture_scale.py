"""The metric scale of a capture posed by structure-from-motion: a known distance turns its units to metres.

SfM leaves a capture's units arbitrary (``capture.units``). A known distance, between two points of
the scene or along one side of a placed box whose real size is known, gives the factor; one
transaction then scales everything placed in the capture's world about its origin (on the ground when
ingest found it, so the ground stays at z = 0): the frames' camera centres, the sparse points (saved as a
new file; the old one is deleted once the change commits) and every box (centre and size), so boxes
keep their place in the scene. Each moved box's version rises, so labels rendered from it read as
stale, and exports in metres refuse labels rendered before the change (their 3D boxes are in the old units).

A radiance field is trained in the world of its frames' poses: one trained before a scale change sits
in the old units, so rendering labels from it is refused (:func:`stale_field_reason`) until a field
is trained again. The fields that predate the change are listed in ``metadata["scale"]["stale_fields"]``.
A scale change while a job on the capture is queued or running (ingest, training, import, render) is
refused, so no field is trained from poses half old, half new.
"""
from __future__ import annotations

import numpy as np
from django.db import transaction
from django.utils import timezone

from annotate.errors import ConflictError, UserFacingError
from annotate.models import Capture, FieldModel, Frame, Job, SceneObject, SceneObjectKind
from annotate.models.captures import CaptureStatus
from annotate.models.jobs import ACTIVE_STATUSES
from annotate.sparse_points import read_sparse_points, sparse_points_file
from annotate.storage import StagedFiles, sparse_points_key, sparse_points_of

#: the axes of a box a reference length may be measured along (its own x, y, z: the order of ``size``)
BOX_AXES = ("x", "y", "z")


def set_scale_by_distance(*, capture: Capture, user, point_a, point_b, metres: float) -> dict:
    """Scale the capture so ``point_a`` and ``point_b`` ((3,) world, current units) lie ``metres`` apart."""
    return _rescale(
        capture, user, point_a, point_b, metres,
        reference={"kind": "distance", "point_a": [float(v) for v in point_a], "point_b": [float(v) for v in point_b]},
    )


def set_scale_by_object(*, capture: Capture, user, object_id: int, axis: str, metres: float) -> dict:
    """Scale the capture so the box ``object_id`` measures ``metres`` along its own ``axis`` (x, y or z)."""
    if axis not in BOX_AXES:
        raise UserFacingError(f"axis must be one of {', '.join(BOX_AXES)}, got {axis!r}.")
    row = capture.scene_objects.filter(pk=object_id).first()
    if row is None:
        raise UserFacingError(f"Object {object_id} is not an object of capture {capture.pk}.")
    pose = np.asarray(row.object_to_world, dtype=np.float64)
    half = pose[:3, BOX_AXES.index(axis)] * float(row.size[BOX_AXES.index(axis)]) / 2.0
    return _rescale(
        capture, user, pose[:3, 3] - half, pose[:3, 3] + half, metres,
        reference={"kind": "object", "object_id": row.pk, "instance_id": row.instance_id, "axis": axis},
    )


def stale_field_reason(field_model: FieldModel) -> str | None:
    """Why labels must not come from ``field_model`` (trained before its capture's scale was set), or None."""
    scale = (field_model.capture.metadata or {}).get("scale", {})
    if field_model.pk not in scale.get("stale_fields", []):
        return None
    return (
        f"Field {field_model.pk} was trained before the capture's scale was set (×{scale['factor']:.4g} on "
        f"{scale['set_at'][:10]}): it sits in the old units, so its labels would miss the boxes. Train the "
        "capture again."
    )


def _rescale(capture: Capture, user, point_a, point_b, metres: float, *, reference: dict) -> dict:
    from nerf_labeling.capture.ground import scale_from_distance
    from nerf_labeling.errors import InputError

    try:
        similarity = scale_from_distance(point_a, point_b, float(metres))
    except InputError as error:
        raise UserFacingError(str(error)) from None
    with StagedFiles() as staged, transaction.atomic():
        capture = Capture.objects.select_for_update().get(pk=capture.pk)
        _check_rescalable(capture)
        frames = _scaled_frames(capture, similarity)
        boxes = _scaled_boxes(capture, similarity, user)
        previous = capture.metadata.get("scale", {})
        stale = set(previous.get("stale_fields", [])) | set(capture.field_models.values_list("pk", flat=True))
        metadata = dict(capture.metadata)
        metadata["units"] = "metric"
        metadata["scale"] = {
            "factor": previous.get("factor", 1.0) * similarity.scale,
            "last_factor": similarity.scale,
            "metres": float(metres),
            "reference": reference,
            "set_by": getattr(user, "username", None),
            "set_at": timezone.now().isoformat(),
            "stale_fields": sorted(stale),
        }
        points = read_sparse_points(capture)
        if points is not None:  # a new file: the old one is deleted once the change commits, kept on a rollback
            key = sparse_points_key(project_id=capture.project_id, capture_id=capture.pk)
            scaled = sparse_points_file(similarity.apply(points[0]), points[1])
            metadata["sfm"] = {**metadata["sfm"], "sparse_points": staged.save(key, scaled)}
            staged.supersede(sparse_points_of(capture))
        Capture.objects.filter(pk=capture.pk).update(metadata=metadata)
    return {"units": "metric", "factor": similarity.scale, "frames": frames, "objects": boxes, "stale_fields": sorted(stale)}


def _check_rescalable(capture: Capture) -> None:
    if capture.status != CaptureStatus.READY:
        raise UserFacingError(f"Capture {capture.name!r} is {capture.status}: set its scale once it is ingested.")
    if not capture.source_format.startswith("sfm"):
        raise UserFacingError(
            f"Capture {capture.name!r} did not get its poses from structure-from-motion: its scale is the one "
            "its poses came with and cannot be set."
        )
    running = Job.objects.filter(target=f"capture:{capture.pk}", status__in=ACTIVE_STATUSES).first()
    if running is not None:
        raise ConflictError(
            f"A {running.get_kind_display().lower()} job (#{running.pk}) on this capture is {running.status}; "
            "set the scale once it has finished, so it does not work from poses half in the old units."
        )
    meshes = capture.scene_objects.filter(kind=SceneObjectKind.MESH).count()
    if meshes:
        raise ConflictError(
            f"The capture holds {meshes} mesh objects, whose meshes are in metres of their own: a scale "
            "change would leave them the wrong size. Set the scale before aligning meshes, or delete them first."
        )


def _scaled_frames(capture: Capture, similarity) -> int:
    frames = list(Frame.objects.filter(capture=capture).only("pk", "camera_to_world"))
    for frame in frames:
        frame.camera_to_world = similarity.apply_to_pose(frame.camera_to_world).tolist()
    Frame.objects.bulk_update(frames, ["camera_to_world"], batch_size=500)
    return len(frames)


def _scaled_boxes(capture: Capture, similarity, user) -> int:
    boxes = list(SceneObject.objects.select_for_update().filter(capture=capture))
    for box in boxes:
        box.object_to_world = similarity.apply_to_pose(box.object_to_world).tolist()
        box.size = [float(v) * similarity.scale for v in box.size]
        box.version += 1
        box.updated_by = user
        box.save(update_fields=["object_to_world", "size", "version", "updated_by", "updated_at"])
    return len(boxes)
