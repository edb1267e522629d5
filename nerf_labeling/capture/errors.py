"""Errors raised while reading a capture; every message says what is wrong and where (file, frame, key)."""
from __future__ import annotations


class CaptureError(ValueError):
    """A capture that cannot be ingested."""


class CaptureNotFoundError(CaptureError):
    """No transforms.json or COLMAP model where one was looked for."""


class CaptureFormatError(CaptureError):
    """Malformed file contents: bad JSON or binary, a missing key, a non-finite or out-of-range value."""


class CapturePoseError(CaptureFormatError):
    """A camera pose that is not a finite, invertible rigid transform."""


class CapturePathError(CaptureError):
    """A path that escapes the capture root, or one named twice."""


class CaptureImageError(CaptureError):
    """An image that is missing, undecodable, or disagrees with its frame's intrinsics."""


class OversizedImageError(CaptureImageError):
    """An image with more pixels than allowed."""


class ArchiveError(CaptureError):
    """An uploaded archive that cannot be extracted safely."""


class CorruptArchiveError(ArchiveError):
    """Not a zip file, a damaged one, a CRC mismatch, or an entry that cannot be decompressed."""


class UnsafeArchiveEntryError(ArchiveError):
    """An entry that would escape the destination, a link or special file, or a duplicate name."""


class ArchiveTooLargeError(ArchiveError):
    """Too many entries, too many bytes, or a compression ratio typical of a zip bomb."""
