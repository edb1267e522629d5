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
from django.db import transaction
from PIL import Image

from annotate.errors import ConflictError, JobCancelled, JobNoLongerOwned, ServiceUnavailableError, UserFacingError
from annotate.models import BatchFrame, Capture, CaptureStatus, Frame, Job, JobKind, Project, Review
from annotate.scratch import scratch_dir, sweep_stale_scratch
from annotate.services.jobs import JobReporter, start_job
from annotate.services.sfm_ingest import place_video, read_or_place_poses
from annotate.storage import (
    StagedFiles,
    capture_upload_key,
    delete_files,
    files_of_capture,
    files_of_rows,
    frame_image_key,
    frame_thumbnail_key,
)
from annotate.uploads import too_large
from nerf_labeling.capture.video import VIDEO_SUFFIXES

#: Pillow's format name -> the suffix a frame image of that format is stored (and served) under
IMAGE_SUFFIXES = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp", "GIF": ".gif", "BMP": ".bmp", "TIFF": ".tif"}


def create_capture(*, project: Project, user, name: str, archive: File) -> tuple[Capture, Job]:
    """Store an uploaded capture archive (zip) or video and start its ingest job.

    Raises :class:`UserFacingError` for an oversize upload, a file that is not a zip archive, or one
    named like a video without a readable video stream; then nothing is stored.
    """
    size = archive.size
    if size > settings.RAYLABEL_MAX_UPLOAD_BYTES:
        raise too_large("RAYLABEL_MAX_UPLOAD_BYTES", size)
    archive.seek(0)
    suffix = Path(archive.name or "").suffix.lower()
    is_video = suffix in VIDEO_SUFFIXES
    if size == 0 or not (is_video or zipfile.is_zipfile(archive)):
        raise UserFacingError(
            f"{Path(archive.name or 'The upload').name} is not a zip archive. Upload a .zip holding "
            "transforms.json (or a COLMAP model) and the images, a .zip of photos alone, or a video "
            f"({', '.join(VIDEO_SUFFIXES)})."
        )
    if is_video:
        _check_video_upload(archive)
    archive.seek(0)
    name = (name or Path(archive.name or "capture").stem).strip()[:200] or "capture"
    try:
        # The archive is kept once the capture is committed, even if enqueueing its job then fails.
        with transaction.atomic(), StagedFiles() as staged:
            capture = Capture.objects.create(project=project, name=name, created_by=user)
            capture.archive = staged.save(
                capture_upload_key(project_id=project.pk, capture_id=capture.pk, suffix=suffix if is_video else ".zip"),
                archive,
            )
            capture.save(update_fields=["archive"])
            job = start_job(
                kind=JobKind.INGEST,
                target=f"capture:{capture.pk}",
                project=project,
                user=user,
                params={"capture_id": capture.pk},
                work=JobKind.INGEST,
            )
    except ServiceUnavailableError as error:
        # The capture and its archive are committed; only the queue is down. Keep the upload so the
        # ingest can be started again without uploading it twice.
        raise ServiceUnavailableError(
            f"{error} The upload is kept as capture {capture.pk}: start its ingest again once the queue is back."
        ) from error
    return capture, job


def _check_video_upload(archive: File) -> None:
    """Refuse (400) an upload named like a video that holds no readable video stream, before storing it."""
    from nerf_labeling.capture.video import VideoLimits, probe_video_upload
    from nerf_labeling.errors import InputError

    archive.seek(0)
    limits = VideoLimits(max_bytes=settings.RAYLABEL_MAX_UPLOAD_BYTES, max_pixels=settings.RAYLABEL_MAX_IMAGE_PIXELS)
    try:
        probe_video_upload(archive, archive.name or "video", limits)
    except InputError as error:
        raise UserFacingError(
            f"{error}. Upload a video (.mp4, .mov, .webm, ...) of the scene, or a .zip of a capture."
        ) from None


def restart_ingest(*, capture: Capture, user) -> Job:
    """Ingest an already uploaded capture again, after its ingest failed or never finished.

    Ingest replaces every frame, and with the frames go their reviews, batch items, rendered labels
    and renders. So a ready capture, or one whose frames hold review work, is refused with a 409:
    nothing reviewed may be lost as a side effect of a retry.
    """
    if (reason := _reingest_refusal(capture)) is not None:
        raise ConflictError(reason)
    with transaction.atomic():
        return start_job(
            kind=JobKind.INGEST,
            target=f"capture:{capture.pk}",
            project=capture.project,
            user=user,
            params={"capture_id": capture.pk},
            work=JobKind.INGEST,
        )


def _reingest_refusal(capture: Capture) -> str | None:
    """Why ``capture`` must not be ingested again, or None when a retry loses nothing reviewed."""
    if capture.status == CaptureStatus.READY:
        return (
            f"Capture {capture.name!r} is ready with {capture.frames.count()} frames; ingesting it again "
            "would delete them with their reviews, batch items and rendered labels. Only a capture whose "
            "ingest failed can be ingested again; to start over, upload the archive as a new capture."
        )
    reviews = Review.objects.filter(frame__capture=capture).count()
    batch_items = BatchFrame.objects.filter(frame__capture=capture).count()
    if reviews or batch_items:
        return (
            f"Capture {capture.name!r} has {reviews} reviews and {batch_items} batch items on its frames; "
            "ingesting it again would delete them. Upload the archive as a new capture instead."
        )
    return None


def ingest_capture(*, job: Job, reporter: JobReporter) -> dict:
    """Unpack, validate and store the frames of the job's capture. Idempotent: earlier frames are replaced."""
    from nerf_labeling.capture import CaptureError
    from nerf_labeling.errors import InputError

    capture = Capture.objects.get(pk=job.params["capture_id"])
    delete_frames(capture)
    Capture.objects.filter(pk=capture.pk).update(status=CaptureStatus.INGESTING, error="")
    sweep_stale_scratch()  # what killed workers left behind
    workdir = Path(tempfile.mkdtemp(prefix="ingest-", dir=scratch_dir()))
    try:
        count, source_format, metadata = _ingest_from_archive(capture, workdir, reporter)
    except (CaptureError, InputError) as error:
        message = _without_server_paths(str(error), workdir)
        _reject_upload(capture, message)
        raise UserFacingError(message) from error
    except JobCancelled:
        _mark_failed(capture, INGEST_CANCELLED)
        raise
    except JobNoLongerOwned:
        raise  # a newer attempt (or the expiry) owns the capture now: write nothing
    except Exception as error:
        # Not the upload's fault (storage, database): keep the archive so the ingest can be retried.
        _mark_failed(capture, f"Ingest failed: {_without_server_paths(str(error), workdir)}")
        raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    Capture.objects.filter(pk=capture.pk).update(
        status=CaptureStatus.READY, source_format=source_format, metadata=metadata, error=""
    )
    return {"frames": count, "source_format": source_format}


#: what a capture whose ingest was cancelled says; its upload is kept for a retry
INGEST_CANCELLED = (
    "Ingest cancelled. The upload is kept: start the ingest again (POST /api/captures/<id>/ingest/), "
    "or delete the capture."
)


def _mark_failed(capture: Capture, message: str) -> None:
    Capture.objects.filter(pk=capture.pk).update(status=CaptureStatus.FAILED, error=message)


def _reject_upload(capture: Capture, message: str) -> None:
    """A rejected upload keeps its row and the reason, not its bytes: the archive is deleted."""
    archive_name = Capture.objects.filter(pk=capture.pk).values_list("archive", flat=True).first()
    Capture.objects.filter(pk=capture.pk).update(status=CaptureStatus.FAILED, error=message, archive="")
    delete_files([archive_name])


def _without_server_paths(message: str, workdir: Path) -> str:
    """``message`` with the server's folders (the ingest's scratch, media, var) cut out of any path.

    The capture readers already name files relative to the archive; this catches what other libraries
    (Pillow, the OS) put in their messages.
    """
    roots = [workdir / "capture", workdir, Path(settings.MEDIA_ROOT), Path(settings.VAR_DIR)]
    for root in sorted({str(root) for root in roots}, key=len, reverse=True):
        message = message.replace(root + "/", "").replace(root, "the upload")
    return message


def _ingest_from_archive(capture: Capture, workdir: Path, reporter: JobReporter):
    from nerf_labeling.capture import safe_extract_zip, validate_images

    if not capture.archive:
        raise UserFacingError(
            "This capture has no uploaded archive (a rejected upload's archive is deleted); upload it again."
        )
    suffix = Path(capture.archive.name).suffix.lower()
    local_upload = workdir / f"upload{suffix}"
    with capture.archive.open("rb") as source, open(local_upload, "wb") as target:
        shutil.copyfileobj(source, target, length=1024 * 1024)
    root = workdir / "capture"
    if suffix in VIDEO_SUFFIXES:
        reporter.progress(0.02, "Choosing frames from the video", force=True)
        data, sfm_metadata = place_video(capture, local_upload, root, workdir / "sfm", reporter)
    else:
        reporter.progress(0.02, "Unpacking the archive", force=True)
        safe_extract_zip(
            local_upload,
            root,
            max_total_bytes=settings.RAYLABEL_MAX_UNPACKED_BYTES,
            max_files=settings.RAYLABEL_MAX_FILES,
        )
        reporter.progress(0.08, "Reading camera poses", force=True)
        data, sfm_metadata = read_or_place_poses(capture, root, workdir / "sfm", reporter)
    reporter.progress(0.1, f"Checking {len(data.frames)} images", force=True)
    validate_images(data, data.root, max_pixels=settings.RAYLABEL_MAX_IMAGE_PIXELS)
    _store_frames(capture, data, reporter)
    return len(data.frames), data.source_format, sfm_metadata or _json_safe(data.metadata)


def _store_frames(capture: Capture, data, reporter: JobReporter) -> None:
    """Save images and thumbnails, then create all frame rows in one transaction, or nothing."""
    frames: list[Frame] = []
    ids = {"project_id": capture.project_id, "capture_id": capture.pk}
    with StagedFiles() as staged:
        for index, record in enumerate(data.frames):
            source = data.root / record.file_path
            suffix = stored_image_suffix(source)
            with open(source, "rb") as handle:
                image_name = staged.save(frame_image_key(**ids, index=index, suffix=suffix), File(handle))
            thumb_name = staged.save(frame_thumbnail_key(**ids, index=index), _thumbnail(source))
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


def stored_image_suffix(path: Path) -> str:
    """The suffix a frame image is stored under: the format Pillow decodes, never the uploaded name's.

    A PNG uploaded as ``frame.html`` is stored as ``.png``, so it is served as an image, not a page.
    """
    with Image.open(path) as image:
        return IMAGE_SUFFIXES.get(image.format or "", ".bin")


def _thumbnail(path: Path) -> ContentFile:
    with Image.open(path) as image:
        image = image.convert("RGB")
        image.thumbnail((settings.RAYLABEL_THUMBNAIL_SIZE, settings.RAYLABEL_THUMBNAIL_SIZE))
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=85)
    return ContentFile(buffer.getvalue())


def delete_frames(capture: Capture) -> None:
    """Remove a capture's frames and their stored files, with those of their renders and labels (before a re-ingest)."""
    names = files_of_rows(capture.frames.all())
    capture.frames.all().delete()
    delete_files(names)


def delete_capture(*, capture: Capture) -> None:
    """Delete a capture and every file stored for it (:func:`~annotate.storage.files_of_capture`)."""
    names = files_of_capture(capture)
    capture.delete()
    delete_files(names)


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
