"""Bring your own field: a nerfstudio nerfacto run trained elsewhere becomes a capture's field.

:func:`import_nerfstudio_run` takes the run directory, or a zip of it, checks at once that it holds a
run (``config.yml`` of a nerfacto method, a checkpoint, ``dataparser_transforms.json``), stores only
those three files, and starts a job (kind ``train``, queue ``gpu``: nerfstudio lives on GPU workers)
whose :func:`import_capture_field` loads the model without the run's training images and checks it
against the capture: a few of its frames, rendered at reduced resolution, must match their photos to
at least :data:`IMPORT_MIN_PSNR`. A run trained on other cameras, or in another world frame, renders
the capture's views as something else and is refused with that figure. An accepted field is stored
as any trained one (backend ``nerfacto``, preset ``imported``) with its quality verdict.
"""
from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from annotate.adapters import frame_camera, frame_image
from annotate.errors import ConflictError, UserFacingError
from annotate.models import Capture, CaptureStatus, Job, JobKind
from annotate.services.field_quality import assess_capture_field, describe_quality
from annotate.services.jobs import JobReporter, start_job
from annotate.services.training import preset_queue, store_field
from annotate.storage import StagedFiles, delete_files, field_import_key

#: The work (:data:`~annotate.services.jobs.JOB_TASKS` key) of an import: a train-kind job with its own task.
IMPORT_FIELD = "import_field"
IMPORTED_PRESET = "imported"
#: nerfstudio lives where the nerfacto preset trains
IMPORT_QUEUE = preset_queue("nerfacto")
#: Mean PSNR (dB) over the capture's checked frames below which an imported run is refused. A field
#: trained on the capture's own cameras reaches 20 dB and more (the usable threshold of
#: nerf_labeling.fields.quality); one in another world frame, or of another scene, renders views that
#: do not line up with the photos and lands near 10 dB. 15 dB lies between.
IMPORT_MIN_PSNR = 15.0
_METHOD_LINE = re.compile(r"^method_name:\s*['\"]?([\w.-]+)", re.MULTILINE)


def import_nerfstudio_run(*, capture: Capture, source, user, min_psnr: float = IMPORT_MIN_PSNR) -> Job:
    """Check the run at ``source`` (a directory, a zip path, or an uploaded zip file) and start its import job.

    Raises :class:`UserFacingError` naming what is wrong with the run (no ``config.yml``, no checkpoint,
    another method, no ``dataparser_transforms.json``, not a zip) and :class:`ConflictError` for a
    capture that is not ready or has a training or import job running; then nothing is stored.
    """
    if capture.status != CaptureStatus.READY:
        raise ConflictError(f"Capture {capture.pk} is {capture.status}; a field can be imported once it is ingested.")
    # Any failure, an enqueue after the job's commit included, deletes the stored run.
    with StagedFiles() as staged:
        with tempfile.TemporaryDirectory(prefix="raylabel-import-") as workdir:
            archive = _slim_run_archive(source, Path(workdir))
            with open(archive, "rb") as handle:
                stored = staged.save(field_import_key(project_id=capture.project_id, capture_id=capture.pk), File(handle))
        with transaction.atomic():
            return start_job(
                kind=JobKind.TRAIN, target=f"capture:{capture.pk}", project=capture.project, user=user,
                params={"capture_id": capture.pk, "preset": IMPORTED_PRESET, "run_archive": stored,
                        "min_psnr": float(min_psnr)},
                work=IMPORT_FIELD, queue=IMPORT_QUEUE,
            )


def import_capture_field(*, job: Job, reporter: JobReporter) -> dict:
    """The work of an import job: load the run, check it against the capture, store it as the capture's field.

    The stored run archive goes once the job has an answer (the field, or a refusal); a crash keeps it
    for the job's retry.
    """
    try:
        result = _import_field(job, reporter)
    except UserFacingError:
        delete_files([job.params["run_archive"]])
        raise
    delete_files([job.params["run_archive"]])
    return result


def _import_field(job: Job, reporter: JobReporter) -> dict:
    from nerf_labeling.fields.nerfacto_field import load_nerfstudio_run
    from nerf_labeling.fields.nerfstudio_run import NerfstudioRunError
    from nerf_labeling.training.train import TrainingMetrics

    capture = Capture.objects.get(pk=job.params["capture_id"])
    frames = list(capture.frames.order_by("index"))
    if not frames:
        raise UserFacingError(f"Capture {capture.pk} has no frames to check the imported field against.")
    with tempfile.TemporaryDirectory(prefix="raylabel-import-") as workdir:
        reporter.progress(0.05, "Loading the nerfstudio run", force=True)
        run_dir = Path(workdir) / "run"
        with default_storage.open(job.params["run_archive"], "rb") as source, zipfile.ZipFile(source) as archive:
            archive.extractall(run_dir)  # the slim archive this service wrote from a checked upload
        metadata = capture.metadata or {}
        try:
            field = load_nerfstudio_run(run_dir, applied_transform=metadata.get("applied_transform"),
                                        applied_scale=metadata.get("applied_scale"))
        except NerfstudioRunError as error:
            raise UserFacingError(_without_root(str(error), run_dir)) from None
        reporter.progress(0.3, f"Checking the field against {len(frames)} frames of the capture", force=True)
        pairs = [(frame_image(frame), frame_camera(frame)) for frame in frames]
        # Every frame counts as unseen: which frames the run trained on is not known here.
        quality = assess_capture_field(field, frames, pairs, list(range(len(frames))))
        psnr, min_psnr = quality.get("held_out_psnr"), job.params.get("min_psnr", IMPORT_MIN_PSNR)
        if psnr is None or psnr < min_psnr:
            reached = "could not be measured" if psnr is None else f"reach a PSNR of {psnr:.1f} dB against their photos"
            raise UserFacingError(
                f"The imported run does not match capture {capture.pk}: its renders of the capture's frames {reached}, "
                f"below the {min_psnr:g} dB an imported field needs. "
                "It was most likely trained on other cameras, another scene or another world frame (the capture's "
                "transforms.json must be the one the run was trained from)."
            )
        reporter.progress(0.9, "Saving the field and its preview", force=True)
        metrics = TrainingMetrics(
            backend="nerfacto", iterations=field.run.step + 1, seconds=0.0, final_loss=None,
            train_psnr=None, held_out_psnr=psnr, planned_iterations=field.run.step + 1,
            extra={"imported": True, "capture_psnr": round(psnr, 3), "import_min_psnr": min_psnr,
                   "checkpoint_step": field.run.step},
        )
        field_model = store_field(job, capture, field, [camera for _, camera in pairs], metrics, quality)
    return {"field_model": field_model.pk, "metrics": field_model.metrics, "quality": field_model.quality,
            "verdict": field_model.verdict,
            "message": f"Imported (PSNR {psnr:.1f} dB on the capture's frames). "
                       f"Field quality {describe_quality(field_model.quality)}."}


def _slim_run_archive(source, workdir: Path) -> Path:
    """A zip of just the run's ``config.yml``, ``dataparser_transforms.json`` and newest checkpoint."""
    from nerf_labeling.capture.errors import CaptureError
    from nerf_labeling.capture.safe_zip import safe_extract_zip
    from nerf_labeling.fields.nerfstudio_run import NERFACTO_METHODS, NerfstudioRunError, find_nerfstudio_run

    run_dir = workdir / "upload"
    try:
        if isinstance(source, (str, Path)) and Path(source).is_dir():
            run_dir = Path(source)
        else:
            local_zip = _local_zip(source, workdir)
            safe_extract_zip(local_zip, run_dir, max_total_bytes=settings.RAYLABEL_MAX_UNPACKED_BYTES,
                             max_files=settings.RAYLABEL_MAX_FILES)
        run = find_nerfstudio_run(run_dir)
    except (CaptureError, NerfstudioRunError) as error:
        raise UserFacingError(_without_root(str(error), run_dir)) from None
    method = _METHOD_LINE.search(run.config_path.read_text(errors="replace"))
    if method is None or method.group(1) not in NERFACTO_METHODS:
        found = repr(method.group(1)) if method else "not named"
        raise UserFacingError(f"config.yml: the run's method is {found}; only nerfacto runs "
                              f"({', '.join(NERFACTO_METHODS)}) can be imported.")
    slim = workdir / "slim"
    run.copy_to(slim)
    return Path(shutil.make_archive(str(workdir / "run"), "zip", slim))


def _local_zip(source, workdir: Path) -> Path:
    """``source`` (a path or an uploaded file) as a zip file on disk, or a UserFacingError."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise UserFacingError(f"{path} does not exist; give a nerfstudio run directory or a zip of one.")
    else:
        if source.size > settings.RAYLABEL_MAX_UPLOAD_BYTES:
            raise UserFacingError(f"The upload is {source.size} bytes, over RAYLABEL_MAX_UPLOAD_BYTES.")
        path = workdir / "upload.zip"
        source.seek(0)
        with open(path, "wb") as target:
            shutil.copyfileobj(source, target, length=1024 * 1024)
    if not zipfile.is_zipfile(path):
        raise UserFacingError(f"{Path(getattr(source, 'name', None) or path).name} is not a zip archive; "
                              "give a nerfstudio run directory or a zip of one.")
    return path


def _without_root(message: str, root: Path) -> str:
    """``message`` with the temporary folder it names replaced by 'the run directory'."""
    return message.replace(str(root) + "/", "").replace(str(root), "the run directory")
