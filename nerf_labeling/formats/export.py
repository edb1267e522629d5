"""The export driver: check the request, stream the frames through a format into a zip, publish atomically."""
from __future__ import annotations

import itertools
import os
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sized
from pathlib import Path

from nerf_labeling.formats import all_formats  # noqa: F401 - registers every format
from nerf_labeling.formats.errors import ExportError
from nerf_labeling.formats.records import ExportFrame, ExportSpec, LabeledFrame, ProgressCallback
from nerf_labeling.formats.registry import get_format


def write_export(
    format_name: str,
    frames: Iterable[ExportFrame],
    spec: ExportSpec,
    zip_path: str | os.PathLike,
    *,
    progress: ProgressCallback | None = None,
    total: int | None = None,
) -> Path:
    """Write ``frames`` as ``format_name`` into the zip at ``zip_path`` and return its path.

    The zip is written to a temporary file beside ``zip_path`` and renamed over it only when complete,
    so a failed export leaves no file (and an older export at ``zip_path`` untouched).
    An unknown format, a spec the format cannot honour, an empty selection, or (for a sequence) a frame
    whose labels are None raise :class:`ExportError` before anything is written; with a one-shot
    iterator a frame without labels is found when reached, and still leaves no file.
    ``progress(done, total)`` is called after each frame; ``total`` defaults to ``len(frames)``.
    """
    export_format = get_format(format_name)
    if export_format.check is not None:
        export_format.check(spec)
    if total is None and isinstance(frames, Sized):
        total = len(frames)
    selection = _non_empty(frames)
    zip_path = Path(zip_path)
    handle, temp_name = tempfile.mkstemp(dir=zip_path.parent, prefix=f".{zip_path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
            export_format.write(archive, _labeled(selection, progress, total), spec)
        os.replace(temp_name, zip_path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return zip_path


def _non_empty(frames: Iterable[ExportFrame]) -> Iterator[ExportFrame]:
    if isinstance(frames, Sized):
        for frame in frames:  # type: ignore[attr-defined]
            if frame.labels is None:
                raise _no_labels(frame)
    iterator = iter(frames)
    first = next(iterator, None)
    if first is None:
        raise ExportError("the selection has no frames to export")
    return itertools.chain([first], iterator)


def _labeled(
    frames: Iterator[ExportFrame], progress: ProgressCallback | None, total: int | None
) -> Iterator[LabeledFrame]:
    for done, frame in enumerate(frames, start=1):
        labels = frame.load_labels()
        if labels is None:
            raise _no_labels(frame)
        expected = (frame.camera.intrinsics.height, frame.camera.intrinsics.width)
        if labels.instance_mask.shape != expected or labels.depth.shape != expected:
            raise ExportError(
                f"frame {frame.frame_id} ({frame.file_name}): labels are {labels.instance_mask.shape} "
                f"but its camera is {expected} (height, width); render its labels again"
            )
        yield LabeledFrame(frame=frame, labels=labels)
        if progress is not None:
            progress(done, total)


def _no_labels(frame: ExportFrame) -> ExportError:
    return ExportError(
        f"frame {frame.frame_id} ({frame.file_name}) has no labels yet; render its labels or leave it out"
    )
