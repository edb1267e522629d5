"""Rendering every frame's labels from the capture's field and placed objects, and refining mesh poses.

Per frame the field is rendered once (cached as a :class:`FrameRender`); labels remember the object
versions they came from, so after an edit only changed objects are recomputed, and frames whose
objects did not change are skipped.
"""
from __future__ import annotations

from functools import partial

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from annotate.adapters import (
    box_object,
    frame_camera,
    library_objects,
    load_trained_field,
    read_rendered_view,
    rendered_view_bytes,
    store_extracted_mesh,
)
from annotate.errors import ConflictError, UserFacingError
from annotate.models import (
    Capture,
    FieldModel,
    Frame,
    FrameLabel,
    FrameRender,
    Job,
    JobKind,
    SceneObject,
    SceneObjectKind,
)
from annotate.selectors import current_field, read_frame_labels
from annotate.services.capture_scale import stale_field_reason
from annotate.services.field_quality import require_trusted_field
from annotate.services.jobs import JobReporter, start_job
from annotate.services.training import field_queue
from annotate.storage import StagedFiles, delete_files, field_render_key, frame_labels_key


def _require_field(capture: Capture) -> FieldModel:
    field_model = current_field(capture)
    if field_model is None:
        raise UserFacingError(f"Capture {capture.pk} has no trained radiance field yet: train it first.")
    if (reason := stale_field_reason(field_model)) is not None:
        raise UserFacingError(reason)
    return field_model


def start_render(*, capture: Capture, user, allow_poor_field: bool = False) -> Job:
    """Queue the render of every frame's labels; refused from a field judged poor unless ``allow_poor_field``."""
    with transaction.atomic():
        # A scale change holds this lock while it marks the fields stale: the render sees it done or not begun.
        Capture.objects.select_for_update().filter(pk=capture.pk).first()
        field_model = _require_field(capture)
        require_trusted_field(field_model, allow_poor_field=allow_poor_field)
        return start_job(
            kind=JobKind.RENDER, target=f"capture:{capture.pk}", project=capture.project, user=user,
            params={"capture_id": capture.pk, "allow_poor_field": bool(allow_poor_field)}, work=JobKind.RENDER,
            queue=field_queue(field_model),
        )


def label_device() -> str:
    """The torch device this worker renders labels on: ``RAYLABEL_DEVICE``, else CUDA when present, else the CPU."""
    import torch

    device = settings.RAYLABEL_DEVICE or ("cuda" if torch.cuda.is_available() else "cpu")
    try:
        torch.empty(0, device=device)
    except (RuntimeError, AssertionError) as error:  # an unknown device name, or CUDA missing
        raise UserFacingError(f"This worker cannot render labels on RAYLABEL_DEVICE={device!r}: {error}") from error
    return device


#: What the job's result counts each frame as, by what its labels needed.
COUNTED_AS = {"skip": "unchanged", "relabel": "updated", "full": "rendered"}


def render_capture_labels(*, job: Job, reporter: JobReporter) -> dict:
    from nerf_labeling.labels.frame_labels import suggest_tolerance
    from nerf_labeling.labels.incremental import RenderAction, labels_for_plan, plan_frame_render

    capture = Capture.objects.get(pk=job.params["capture_id"])
    field_model = _require_field(capture)  # a newer field may have been trained since the job was queued
    require_trusted_field(field_model, allow_poor_field=bool(job.params.get("allow_poor_field")))
    device = label_device()
    reporter.progress(0.0, "Loading the field and the objects", force=True)
    field = load_trained_field(field_model).to(device)
    extract_box_meshes(capture, field_model, field)
    objects = library_objects(capture)
    versions = {obj.instance_id: obj.version for obj in objects}
    tolerance = suggest_tolerance(field.bounds)
    frames = list(capture.frames.order_by("index"))
    counts = {"rendered": 0, "updated": 0, "unchanged": 0}
    for position, frame in enumerate(frames):
        row = FrameLabel.objects.filter(frame=frame).first()
        plan = plan_frame_render(
            previous_field=row.field_model_id if row else None,
            previous_versions={int(key): version for key, version in row.object_versions.items()} if row else {},
            field=field_model.pk, versions=versions,
        )
        if plan.action is not RenderAction.SKIP:
            labels = labels_for_plan(plan, _field_view(frame, field_model, field), frame_camera(frame), objects,
                                     partial(read_frame_labels, frame), tolerance=tolerance, device=device)
            _save_labels(frame, field_model, labels, {str(key): version for key, version in versions.items()})
        counts[COUNTED_AS[plan.action.value]] += 1
        reporter.progress((position + 1) / len(frames), f"Frame {position + 1} of {len(frames)}")
    return {"frames": len(frames), **counts, "tolerance": tolerance, "field_model": field_model.pk,
            "field_verdict": field_model.verdict, "device": device}


def extract_box_meshes(capture: Capture, field_model: FieldModel, field) -> int:
    """Give each box the surface the field holds inside it (marching cubes), stored with the object.

    Redone only for boxes edited, or a field retrained, since their last extraction; the object's
    version does not change (the mesh follows from the box, it is not an edit). Returns how many ran.
    """
    from nerf_labeling.labels.box_meshes import with_extracted_mesh

    extracted = 0
    for row in capture.scene_objects.filter(kind=SceneObjectKind.BOX).select_related("capture", "label_class"):
        source = {"mesh_from_version": row.version, "mesh_from_field": field_model.pk}
        if all(row.fit.get(key) == value for key, value in source.items()):
            continue
        mesh = with_extracted_mesh(field, box_object(row)).mesh
        with StagedFiles() as staged:
            name = "" if mesh is None else store_extracted_mesh(row, mesh, staged)
            updated = SceneObject.objects.filter(pk=row.pk, version=row.version).update(
                mesh_file=name, fit={**row.fit, **source, "mesh_faces": 0 if mesh is None else len(mesh.faces)}
            )
            if updated:
                staged.supersede(row.mesh_file.name)
        if not updated:
            delete_files([name])  # edited meanwhile: the next render extracts again
        extracted += 1
    return extracted


def _field_view(frame: Frame, field_model: FieldModel, field):
    """The field rendered from ``frame`` (depth, opacity, depth spread), from the cache or made now."""
    from nerf_labeling.fields.base import render_view

    cached = FrameRender.objects.filter(frame=frame, field_model=field_model).first()
    if cached is not None:
        with cached.data.open("rb") as handle:
            return read_rendered_view(handle.read())
    view = render_view(field, frame_camera(frame))
    key = field_render_key(project_id=frame.capture.project_id, capture_id=frame.capture_id,
                           field_model_id=field_model.pk, index=frame.index)
    with StagedFiles() as staged:
        name = staged.save(key, ContentFile(rendered_view_bytes(view)))
        FrameRender.objects.update_or_create(frame=frame, field_model=field_model, defaults={"data": name})
    return view


def _save_labels(frame: Frame, field_model: FieldModel, labels, versions: dict) -> None:
    key = frame_labels_key(project_id=frame.capture.project_id, capture_id=frame.capture_id, index=frame.index)
    summaries = [_summary(label, labels) for label in labels.objects]
    visible = [item["confidence"] for item in summaries if item["confidence"] is not None]
    with StagedFiles() as staged:
        stored = staged.save(key, ContentFile(labels.to_bytes()))
        staged.supersede(FrameLabel.objects.filter(frame=frame).values_list("data", flat=True).first())
        FrameLabel.objects.update_or_create(
            frame=frame,
            defaults={
                "field_model": field_model, "field_verdict": field_model.verdict, "data": stored,
                "object_versions": versions, "objects_summary": summaries, "confidence": min(visible) if visible else None,
            },
        )


def _summary(label, labels) -> dict:
    pixels = labels.instance_mask == label.instance_id
    return {
        "confidence": round(float(labels.confidence[pixels].mean()), 4) if pixels.any() else None,
        "instance_id": label.instance_id, "class_id": label.class_id, "class_name": label.class_name,
        "modal_box": label.modal_box, "amodal_box": label.amodal_box,
        "visible_pixels": label.visible_pixels, "visible_fraction": round(label.visible_fraction, 4),
        "truncation": round(label.truncation, 4), "box_center_camera": label.box_center_camera,
        "box_size": label.box_size, "object_to_camera": label.object_to_camera,
    }


def start_refine(*, obj: SceneObject, user) -> Job:
    if not obj.mesh_file:
        raise UserFacingError("Only a mesh object can be refined: upload its mesh first.")
    field_model = _require_field(obj.capture)
    with transaction.atomic():
        return start_job(
            kind=JobKind.REFINE, target=f"object:{obj.pk}", project=obj.capture.project, user=user,
            params={"object_id": obj.pk, "version": obj.version}, work=JobKind.REFINE,
            queue=field_queue(field_model),
        )


#: Views the refinement samples the field's surface from, spread along the capture.
REFINE_VIEWS = 8


def refine_object(*, job: Job, reporter: JobReporter) -> dict:
    from nerf_labeling.labels.pose_refinement import PoseFitRejected, refine_mesh_pose

    obj = SceneObject.objects.select_related("capture").get(pk=job.params["object_id"])
    field = load_trained_field(_require_field(obj.capture))
    reporter.progress(0.1, "Sampling the field's surface", force=True)
    placed = next(o for o in library_objects(obj.capture) if o.instance_id == obj.instance_id)
    frames = list(obj.capture.frames.order_by("index"))
    step = max(1, len(frames) // REFINE_VIEWS)
    cameras = [frame_camera(frame) for frame in frames[::step][:REFINE_VIEWS]]
    try:
        refined, pose_fit = refine_mesh_pose(field, placed, cameras)
    except PoseFitRejected as rejected:  # the object keeps its pose and version
        raise UserFacingError(f"Object {obj.instance_id} keeps its pose. {rejected}") from rejected
    reporter.progress(0.9, "Saving the refined pose", force=True)
    fit = pose_fit.as_dict()
    with transaction.atomic():
        current = SceneObject.objects.select_for_update().get(pk=obj.pk)
        if current.version != job.params["version"]:
            raise ConflictError(
                f"Object {obj.instance_id} was edited while it was being refined; refine it again."
            )
        current.object_to_world = np.asarray(refined.object_to_world).tolist()
        current.fit = fit
        current.version += 1
        current.save()
    return {"object": obj.pk, "version": current.version, **fit}
