"""Capture upload and ingest: validate an archive, store its frames and thumbnails, or leave nothing.

The upload request stores the archive and starts an ingest job; the job (a Celery task on the ``cpu``
queue) unpacks it safely, reads the poses (transforms.json or COLMAP), checks every image and stores
the frames through Django's storage API. Any failure leaves the capture ``failed`` with a message and
no frames or frame files behind.
"""
from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image

from annotate.errors import UserFacingError
from annotate.models import Capture, CaptureStatus, Frame, Job, JobKind, Project
from annotate.services.jobs import JobReporter, start_job


def _human_bytes(count: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count} bytes"


def create_capture(*, project: Project, user, name: str, archive: File) -> tuple[Capture, Job]:
    """Store an uploaded capture archive (zip) and start its ingest job.

    Raises :class:`UserFacingError` for an oversize upload or a file that is not a zip archive;
    then nothing is stored.
    """
    from annotate.tasks import ingest_capture_task

    size = archive.size
    if size > settings.RAYLABEL_MAX_UPLOAD_BYTES:
        raise UserFacingError(
            f"The upload is {_human_bytes(size)}; the limit is "
            f"{_human_bytes(settings.RAYLABEL_MAX_UPLOAD_BYTES)}."
        )
    archive.seek(0)
    if size == 0 or not zipfile.is_zipfile(archive):
        raise UserFacingError(
            f"{Path(archive.name or 'The upload').name} is not a zip archive. Upload a .zip holding "
            "transforms.json (or a COLMAP model) and the images."
        )
    archive.seek(0)
    name = (name or Path(archive.name or "capture").stem).strip()[:200] or "capture"
    stored_name = None
    try:
        with transaction.atomic():
            capture = Capture.objects.create(project=project, name=name, created_by=user)
            capture.archive.save(f"capture-{capture.pk}.zip", archive, save=True)
            stored_name = capture.archive.name
            job = start_job(
                kind=JobKind.INGEST,
                target=f"capture:{capture.pk}",
                project=project,
                user=user,
                params={"capture_id": capture.pk},
                task=ingest_capture_task,
            )
    except Exception:
        if stored_name:
            default_storage.delete(stored_name)
        raise
    return capture, job


def restart_ingest(*, capture: Capture, user) -> Job:
    """Ingest an already uploaded capture again (after a failure, or to rebuild thumbnails)."""
    from annotate.tasks import ingest_capture_task

    with transaction.atomic():
        return start_job(
            kind=JobKind.INGEST,
            target=f"capture:{capture.pk}",
            project=capture.project,
            user=user,
            params={"capture_id": capture.pk},
            task=ingest_capture_task,
        )


def ingest_capture(*, capture: Capture, reporter: JobReporter) -> dict:
    """Unpack, validate and store the frames of ``capture``. Idempotent: earlier frames are replaced."""
    from nerf_labeling.capture import CaptureError

    delete_frames(capture)
    Capture.objects.filter(pk=capture.pk).update(status=CaptureStatus.INGESTING, error="")
    try:
        with tempfile.TemporaryDirectory(prefix="raylabel-ingest-") as workdir:
            count, source_format, metadata = _ingest_from_archive(capture, Path(workdir), reporter)
    except CaptureError as error:
        _mark_failed(capture, str(error))
        raise UserFacingError(str(error)) from error
    except Exception as error:
        _mark_failed(capture, f"Ingest failed: {error}")
        raise
    Capture.objects.filter(pk=capture.pk).update(
        status=CaptureStatus.READY, source_format=source_format, metadata=metadata, error=""
    )
    return {"frames": count, "source_format": source_format}


def _mark_failed(capture: Capture, message: str) -> None:
    Capture.objects.filter(pk=capture.pk).update(status=CaptureStatus.FAILED, error=message)


def _ingest_from_archive(capture: Capture, workdir: Path, reporter: JobReporter):
    from nerf_labeling.capture import find_capture, safe_extract_zip, validate_images

    if not capture.archive:
        raise UserFacingError("This capture has no uploaded archive.")
    local_zip = workdir / "upload.zip"
    with capture.archive.open("rb") as source, open(local_zip, "wb") as target:
        shutil.copyfileobj(source, target, length=1024 * 1024)
    reporter.progress(0.02, "Unpacking the archive", force=True)
    root = workdir / "capture"
    safe_extract_zip(
        local_zip,
        root,
        max_total_bytes=settings.RAYLABEL_MAX_UNPACKED_BYTES,
        max_files=settings.RAYLABEL_MAX_FILES,
    )
    reporter.progress(0.08, "Reading camera poses", force=True)
    data = find_capture(root)
    reporter.progress(0.1, f"Checking {len(data.frames)} images", force=True)
    validate_images(data, data.root, max_pixels=settings.RAYLABEL_MAX_IMAGE_PIXELS)
    _store_frames(capture, data, reporter)
    return len(data.frames), data.source_format, _json_safe(data.metadata)


def _store_frames(capture: Capture, data, reporter: JobReporter) -> None:
    """Save images and thumbnails, then create all frame rows in one transaction, or nothing."""
    stored: list[str] = []
    frames: list[Frame] = []
    base = f"captures/{capture.project_id}/{capture.pk}"
    try:
        for index, record in enumerate(data.frames):
            source = data.root / record.file_path
            suffix = source.suffix.lower() or ".png"
            with open(source, "rb") as handle:
                image_name = default_storage.save(f"{base}/frames/{index:05d}{suffix}", File(handle))
            stored.append(image_name)
            thumb_name = default_storage.save(f"{base}/thumbs/{index:05d}.jpg", _thumbnail(source))
            stored.append(thumb_name)
            intr = record.camera.intrinsics
            frames.append(
                Frame(
                    capture=capture,
                    index=index,
                    file_name=str(record.file_path),
                    image=image_name,
                    thumbnail=thumb_name,
                    width=intr.width,
                    height=intr.height,
                    fx=intr.fx,
                    fy=intr.fy,
                    cx=intr.cx,
                    cy=intr.cy,
                    distortion=[float(k) for k in intr.distortion],
                    camera_to_world=[[float(v) for v in row] for row in record.camera.camera_to_world],
                )
            )
            reporter.progress(0.1 + 0.85 * (index + 1) / len(data.frames), f"Stored frame {index + 1} of {len(data.frames)}")
        with transaction.atomic():
            Frame.objects.bulk_create(frames, batch_size=500)
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise


def _thumbnail(path: Path) -> ContentFile:
    with Image.open(path) as image:
        image = image.convert("RGB")
        image.thumbnail((settings.RAYLABEL_THUMBNAIL_SIZE, settings.RAYLABEL_THUMBNAIL_SIZE))
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=85)
    return ContentFile(buffer.getvalue())


def delete_frames(capture: Capture) -> None:
    """Remove a capture's frames and their stored files (before a re-ingest, or with the capture)."""
    names = []
    for image, thumbnail in capture.frames.values_list("image", "thumbnail"):
        names.extend(name for name in (image, thumbnail) if name)
    capture.frames.all().delete()
    for name in names:
        default_storage.delete(name)


def delete_capture(*, capture: Capture) -> None:
    """Delete a capture and every file stored for it: frames, fields, renders, labels, object meshes."""
    from annotate.models import FieldModel, FrameLabel, FrameRender

    names = [capture.archive.name] if capture.archive else []
    for fields in (
        FieldModel.objects.filter(capture=capture).values_list("checkpoint", "preview", "cameras"),
        FrameRender.objects.filter(frame__capture=capture).values_list("data"),
        FrameLabel.objects.filter(frame__capture=capture).values_list("data"),
        capture.scene_objects.values_list("mesh_file"),
    ):
        names.extend(name for row in fields for name in row if name)
    delete_frames(capture)
    capture.delete()
    for name in names:
        default_storage.delete(name)


def _json_safe(value):
    """Metadata from a capture file, reduced to what JSON can hold."""
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
