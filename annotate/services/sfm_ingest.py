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
#: the share decoding a video takes: choosing the frames, then writing the kept ones
VIDEO_PROGRESS = (0.02, 0.1)
#: how many frames per second of video go to SfM (at most ``VideoLimits.max_frames`` in all)
VIDEO_FRAMES_PER_SECOND = 3.0


def read_or_place_poses(capture: Capture, root: Path, scratch: Path, reporter: JobReporter):
    """``(CaptureData, metadata)`` of an unpacked upload: its own poses (metadata None: the reader's),
    or, for an upload of photos alone, poses by structure-from-motion (exhaustive matching), whose
    files go to the folder ``scratch``."""
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
    data, metadata = place_photos(capture, root, names, scratch, matching="exhaustive", reporter=reporter)
    return replace(data, source_format="sfm-photos"), metadata


def place_video(capture: Capture, video: Path, root: Path, scratch: Path, reporter: JobReporter):
    """``(CaptureData, metadata)`` of an uploaded video: sharp frames that add viewpoint, posed by SfM.

    The frames are written to ``root`` (``frame_00012.png``: numbered by their place in the video); SfM's
    files go to ``scratch``. Decoding reports each frame and stops on a cancel (:class:`JobCancelled`).
    """
    from nerf_labeling.capture.video import VideoCancelled, VideoLimits, select_video_frames, write_frames

    limits = VideoLimits(max_bytes=settings.RAYLABEL_MAX_UPLOAD_BYTES, max_pixels=settings.RAYLABEL_MAX_IMAGE_PIXELS)
    start, end = VIDEO_PROGRESS
    middle = (start + end) / 2

    def decoding(done: int, total: int) -> None:
        reporter.progress(start + (middle - start) * done / total, f"Choosing frames: {done} of about {total} decoded")

    def writing(done: int, total: int) -> None:
        reporter.progress(middle + (end - middle) * done / total, f"Writing the kept frames: {done} of {total} decoded")

    try:
        selection = select_video_frames(
            video, rate=VIDEO_FRAMES_PER_SECOND, limits=limits, progress=decoding, should_stop=_stop_flag(reporter)
        )
        names = write_frames(selection, root, progress=writing, should_stop=_stop_flag(reporter))
    except VideoCancelled:
        raise JobCancelled() from None
    reporter.progress(SFM_PROGRESS[0], f"Kept {len(names)} of {selection.decoded} video frames", force=True)
    data, metadata = place_photos(capture, root, names, scratch, matching="sequential", reporter=reporter)
    metadata["video"] = {
        "width": selection.info.width,
        "height": selection.info.height,
        "duration_s": selection.info.duration_s,
        "decoded": selection.decoded,
        "kept": len(names),
        "dropped": {f"frame_{index:05d}": reason for index, reason in selection.dropped.items()},
    }
    return replace(data, source_format="sfm-video"), metadata


def place_photos(
    capture: Capture, root: Path, names: list[str], scratch: Path, *, matching: str, reporter: JobReporter
):
    """``(CaptureData, metadata)`` for the images ``names`` under ``root``, posed by SfM and set upright.

    SfM's files (feature database, models) go to the folder ``scratch``. Raises
    :class:`~nerf_labeling.errors.InputError` when SfM places too few of them, and :class:`JobCancelled`
    when the job is cancelled meanwhile, mid-stage too (the heartbeat thread sets ``reporter.stop_requested``).
    """
    from nerf_labeling.capture.ground import align_to_ground
    from nerf_labeling.capture.sfm import SfmCancelled, SfmOptions, run_sfm

    start, end = SFM_PROGRESS
    cancelled = threading.Event()

    def progress(report) -> None:
        try:
            reporter.progress(start + (end - start) * report.fraction, f"Structure-from-motion: {report.detail}")
        except JobCancelled:  # raised again once SfM has stopped, outside pycolmap's callback
            cancelled.set()

    def should_stop() -> bool:
        return cancelled.is_set() or reporter.stop_requested

    try:
        options = SfmOptions(matching=matching)
        result = run_sfm(root, names, options=options, progress=progress, should_stop=should_stop, workdir=scratch)
    except SfmCancelled:
        raise JobCancelled() from None
    notes = list(result.notes)
    try:
        result, _ = align_to_ground(result, np.random.default_rng(0))
    except InputError as error:
        notes.append(
            f"{error}. The capture keeps SfM's own axes: +Z need not point up and the origin need not lie "
            "on the ground, so boxes placed in the scene may not sit level with the floor"
        )
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


def _stop_flag(reporter: JobReporter):
    """``should_stop`` for work between reports: the flag the job's heartbeat thread sets on a cancel."""
    return lambda: reporter.stop_requested
