"""Paths named inside a capture or archive: normalised, and refused if they could escape their root."""
from __future__ import annotations

import posixpath
import re

from nerf_labeling.capture.errors import CapturePathError

_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")


def relative_capture_path(raw: object, where: str) -> str:
    """``raw`` as a normalised POSIX path relative to the capture root.

    Backslashes count as separators (captures written on Windows). Raises :class:`CapturePathError`
    for an empty, absolute or root-escaping path; ``where`` names the file, frame and key.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise CapturePathError(f"{where}: expected a non-empty path string, got {raw!r}")
    if "\x00" in raw:
        raise CapturePathError(f"{where}: path {raw!r} contains a NUL character")
    path = raw.replace("\\", "/")
    if path.startswith("/") or _WINDOWS_DRIVE.match(path):
        raise CapturePathError(f"{where}: path {raw!r} is absolute; paths must be relative to the capture")
    normal = posixpath.normpath(path)
    if normal == ".." or normal.startswith("../"):
        raise CapturePathError(f"{where}: path {raw!r} escapes the capture root")
    if normal == ".":
        raise CapturePathError(f"{where}: path {raw!r} names the capture root, not a file")
    return normal
