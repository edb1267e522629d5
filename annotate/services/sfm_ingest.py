"""Poses for an upload that has none: loose photos (or video frames) placed by structure-from-motion.

Runs inside the ingest job (``cpu`` queue): SfM, then the ground plane turns the world +Z up. The
capture's metadata says how many frames SfM placed, why the others were left out (they get no frame
row, so no training or labels use them), the units (``arbitrary`` until a scale is set) and where the
sparse points are stored (``sfm.sparse_points``, an ``.npz`` of ``xyz`` and ``rgb``) for the scene view.
"""
from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
from django.conf import settings

from annotate.errors import JobCancelled
from annotate.models import Capture
from annotate.services.jobs import JobReporter
from annotate.sparse_points import store_sparse_points
from nerf_labeling.errors import InputError

#: the share of the ingest job's progress bar SfM takes, after unpacking
SFM_PROGRESS = (0.1, 0.6)
#: how many frames per second of video go to SfM (at most ``VideoLimits.max_frames`` in all)
VIDEO_FRAMES_PER_SECOND = 3.0


def read_or_place_poses(capture: Capture, root: Path, reporter: JobReporter):
    """``(CaptureData, metadata)`` of an unpacked upload: its own poses (metadata None: the reader's),
    or, for an upload of photos alone, poses by structure-from-motion (exhaustive matching)."""
    from nerf_labeling.capture import CaptureNotFoundError, find_capture
    from nerf_labeling.capture.photos import PHOTO_SUFFIXES, PhotoLimits, find_photos

    try:
        return find_capture(root), None
    except CaptureNotFoundError as error:
        if not any(path.suffix.lower() in PHOTO_SUFFIXES for path in root.rglob("*")):
            raise
        try:
            names = find_photos(root, PhotoLimits(max_pixels=settings.RAYLABEL_MAX_IMAGE_PIXELS))
        except InputError as photos_error:  # say both ways the upload could have been read
            raise CaptureNotFoundError(f"{error}. Without poses: {photos_error}") from None
    data, metadata = place_photos(capture, root, names, matching="exhaustive", reporter=reporter)
    return replace(data, source_format="sfm-photos"), metadata


def place_video(capture: Capture, video: Path, root: Path, reporter: JobReporter):
    """``(CaptureData, metadata)`` of an uploaded video: sharp frames that add viewpoint, posed by SfM.

    The frames are written to ``root`` (``frame_00012.png``: numbered by their place in the video).
    """
    from nerf_labeling.capture.video import VideoLimits, select_video_frames, write_frames

    limits = VideoLimits(max_bytes=settings.RAYLABEL_MAX_UPLOAD_BYTES, max_pixels=settings.RAYLABEL_MAX_IMAGE_PIXELS)
    selection = select_video_frames(video, rate=VIDEO_FRAMES_PER_SECOND, limits=limits)
    names = write_frames(selection, root)
    reporter.progress(SFM_PROGRESS[0], f"Kept {len(names)} of {selection.decoded} video frames", force=True)
    data, metadata = place_photos(capture, root, names, matching="sequential", reporter=reporter)
    metadata["video"] = {
        "width": selection.info.width,
        "height": selection.info.height,
        "duration_s": selection.info.duration_s,
        "decoded": selection.decoded,
        "kept": len(names),
        "dropped": {f"frame_{index:05d}": reason for index, reason in selection.dropped.items()},
    }
    return replace(data, source_format="sfm-video"), metadata


def place_photos(capture: Capture, root: Path, names: list[str], *, matching: str, reporter: JobReporter):
    """``(CaptureData, metadata)`` for the images ``names`` under ``root``, posed by SfM and set upright.

    Raises :class:`~nerf_labeling.errors.InputError` when SfM places too few of them, and
    :class:`JobCancelled` when the job is cancelled meanwhile.
    """
    from nerf_labeling.capture.ground import align_to_ground
    from nerf_labeling.capture.sfm import SfmCancelled, SfmOptions, run_sfm

    cancelled = threading.Event()
    start, end = SFM_PROGRESS

    def progress(report) -> None:
        try:
            reporter.progress(start + (end - start) * report.fraction, f"Structure-from-motion: {report.detail}")
        except JobCancelled:
            cancelled.set()

    try:
        options = SfmOptions(matching=matching)
        result = run_sfm(root, names, options=options, progress=progress, should_stop=cancelled.is_set)
    except SfmCancelled:
        raise JobCancelled() from None
    notes = list(result.notes)
    try:
        result, _ = align_to_ground(result, np.random.default_rng(0))
    except InputError as error:
        notes.append(f"{error}; the world's up direction is SfM's own")
    metadata = {
        "sfm": {
            "matching": matching,
            "registered": len(result.capture.frames),
            "images": len(names),
            "unregistered": result.unregistered,
            "models": list(result.models),
            "notes": notes,
            "sparse_points": store_sparse_points(capture, result.points.xyz, result.points.rgb),
        },
        "units": result.units,
    }
    return result.capture, metadata

