"""Dataset exports as jobs: check the request up front, stream the frames into a zip, publish it whole."""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime

from annotate.adapters import frame_camera, object_mesh
from annotate.errors import UserFacingError
from annotate.models import Batch, Capture, Export, Frame, Job, JobKind, Project, SceneObject
from annotate.models.captures import ReviewStatus
from annotate.scratch import scratch_dir, sweep_stale_scratch
from annotate.selectors import read_frame_labels
from annotate.services.jobs import JobReporter, start_job
from annotate.storage import StagedFiles, export_key

FRAME_SELECTIONS = "all, accepted, batch:<id> or status:<pending|accepted|rejected|fixed>"


def select_frames(project: Project, selection: str) -> QuerySet[Frame]:
    """The frames a selection names, in capture and sequence order."""
    frames = Frame.objects.filter(capture__project=project)
    if selection == "all":
        pass
    elif selection == "accepted":
        frames = frames.filter(review_status=ReviewStatus.ACCEPTED)
    elif selection.startswith("status:") and selection[7:] in ReviewStatus.values:
        frames = frames.filter(review_status=selection[7:])
    elif selection.startswith("batch:") and selection[6:].isdigit():
        batch = Batch.objects.filter(project=project, pk=int(selection[6:])).first()
        if batch is None:
            raise UserFacingError(f"Batch {selection[6:]} is not a batch of this project.")
        frames = frames.filter(batch_items__batch=batch)
    else:
        raise UserFacingError(f"Unknown frame selection {selection!r}; choose {FRAME_SELECTIONS}.")
    return frames.select_related("capture").order_by("capture_id", "index")


def export_format(name: str):
    """The registered format ``name`` (an ExportError naming the known ones otherwise)."""
    from nerf_labeling.formats import all_formats  # noqa: F401 - registers every format
    from nerf_labeling.formats.registry import get_format

    return get_format(name)


def export_format_list() -> list[dict[str, str]]:
    """Every registered format as ``{name, description}``, by name, for the export page's choice."""
    from nerf_labeling.formats import all_formats  # noqa: F401 - registers every format
    from nerf_labeling.formats.registry import FORMATS

    return [{"name": name, "description": FORMATS[name].description} for name in sorted(FORMATS)]


def _spec(project: Project, options: dict):
    from nerf_labeling.formats.records import ExportClass, ExportSpec

    classes = [ExportClass(id=c.class_id, name=c.name) for c in project.label_classes.all()]
    kitti_types = {c.name: c.kitti_type for c in project.label_classes.all() if c.kitti_type}
    options = {"kitti_types": kitti_types, **options}
    return ExportSpec.from_options(classes, options, object_models=_object_models(project))


def _object_models(project: Project) -> dict:
    """Class id -> the mesh of that class's first mesh object (BOP writes poses of object models)."""
    models = {}
    rows = SceneObject.objects.filter(capture__project=project).exclude(mesh_file="").select_related("label_class")
    for row in rows.order_by("label_class__class_id", "capture_id", "instance_id"):
        if row.label_class.class_id not in models:
            models[row.label_class.class_id] = object_mesh(row)
    return models


def start_export(*, project: Project, user, format_name: str, selection: str = "all", options=None) -> Job:
    """Check the request (format, options, a non-empty selection whose frames all have labels), start the job."""
    options = dict(options or {})
    chosen = export_format(format_name)
    spec = _spec(project, options)
    if chosen.check is not None:
        chosen.check(spec)
    frames = select_frames(project, selection)
    total = frames.count()
    if total == 0:
        raise UserFacingError(f"The selection {selection!r} holds no frames.")
    if chosen.needs_metric:
        _require_metric_captures(frames, format_name)
        _require_labels_after_scale(frames, format_name)
    unlabeled = frames.filter(labels__isnull=True).count()
    if unlabeled:
        raise UserFacingError(
            f"{unlabeled} of the {total} selected frames have no rendered labels; render the captures' "
            "labels first."
        )
    with transaction.atomic():
        job = start_job(
            kind=JobKind.EXPORT, target=f"project:{project.pk}:{format_name}:{selection}", project=project,
            user=user, params={"format": format_name, "selection": selection, "options": options},
            work=JobKind.EXPORT,
        )
        Export.objects.create(project=project, job=job, format=format_name, frame_selection=selection, options=options)
    return job


def _require_metric_captures(frames: QuerySet[Frame], format_name: str) -> None:
    """Refuse a format that writes metres when a selected capture's units are still arbitrary (SfM, no scale)."""
    unscaled = Capture.objects.filter(pk__in=frames.values("capture_id"), metadata__units="arbitrary")
    names = sorted(unscaled.values_list("name", flat=True))
    if names:
        raise UserFacingError(
            f"A {format_name.upper()} export writes lengths in metres, but {len(names)} selected capture(s) posed "
            f"by structure-from-motion have no scale yet ({', '.join(repr(n) for n in names[:5])}"
            f"{', …' if len(names) > 5 else ''}): set each one's scale from a known distance on its scene "
            "page, or export COCO, which needs none."
        )


def _require_labels_after_scale(frames: QuerySet[Frame], format_name: str) -> None:
    """Refuse a format that writes metres when selected labels were rendered before their capture's scale was
    set: their boxes are in the old units while the cameras (the frames' poses) are in the new ones."""
    stale = []
    for capture in Capture.objects.filter(pk__in=frames.values("capture_id"), metadata__has_key="scale"):
        set_at = parse_datetime(capture.metadata["scale"]["set_at"])
        count = frames.filter(capture=capture, labels__rendered_at__lt=set_at).count()
        if count:
            stale.append(f"{capture.name!r} ({count} frames)")
    if stale:
        raise UserFacingError(
            f"A {format_name.upper()} export writes boxes and cameras in metres, but labels of {', '.join(stale[:5])}"
            f"{', …' if len(stale) > 5 else ''} were rendered before the capture's scale was set, in the old "
            "units: train the capture again and render its labels, or export COCO, whose 2D boxes do not change."
        )


def _export_frames(frames: QuerySet[Frame]):
    from nerf_labeling.formats.records import ExportFrame

    for frame in frames.iterator(chunk_size=200):
        yield ExportFrame(
            frame_id=frame.pk,
            file_name=f"capture_{frame.capture_id}/{Path(frame.file_name).name}",
            image=lambda frame=frame: _read(frame.image),
            camera=frame_camera(frame),
            labels=lambda frame=frame: read_frame_labels(frame),
            scene_id=frame.capture_id,
        )


def _read(field_file) -> bytes:
    with field_file.open("rb") as handle:
        return handle.read()


def run_export(*, job: Job, reporter: JobReporter) -> dict:
    from nerf_labeling.formats.export import write_export

    project = job.project
    params = job.params
    frames = select_frames(project, params["selection"])
    total = frames.count()
    spec = _spec(project, params["options"])

    def progress(done: int, of: int | None) -> None:
        reporter.progress(done / max(of or total, 1), f"Wrote {done} of {of or total} frames")

    sweep_stale_scratch()  # what killed workers left behind: .part zips, half-written folders
    with StagedFiles() as staged:
        with tempfile.TemporaryDirectory(prefix="export-", dir=scratch_dir()) as workdir:
            # Paths and keys come from ids only: a project's name is typed by users (it may be "../../x").
            zip_path = Path(workdir) / "export.zip"
            write_export(params["format"], _export_frames(frames), spec, zip_path, progress=progress, total=total)
            size = zip_path.stat().st_size
            with open(zip_path, "rb") as handle:
                name = staged.save(export_key(project_id=job.project_id, job_id=job.pk), File(handle))
        # A rerun of the job replaces the zip of the run before it.
        staged.supersede(Job.objects.filter(pk=job.pk).values_list("artifact", flat=True).first())
        Job.objects.filter(pk=job.pk).update(artifact=name)
    return {"frames": total, "bytes": size, "format": params["format"], "file": export_download_name(job)}


def export_download_name(job: Job) -> str:
    """The file name a browser saves an export as (``<project name>-<format>.zip``); display only.

    Folder separators and control characters become ``_``; the response header encodes the rest.
    """
    project_name = re.sub(r"[\\/\x00-\x1f\x7f]+", "_", job.project.name).strip(" .") or "export"
    return f"{project_name}-{job.params.get('format', 'export')}.zip"
