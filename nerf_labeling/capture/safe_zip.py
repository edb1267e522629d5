"""Extract an uploaded zip without trusting it: no escaping paths, links, bombs or half-written output.

Everything is checked from the central directory before a byte is written, then the entries are
streamed into a staging folder next to ``destination`` while counting bytes (a lying header cannot
write more than it declared); only a fully successful extraction is moved into place.
"""
from __future__ import annotations

import os
import posixpath
import shutil
import stat
import tempfile
import zipfile
import zlib
from pathlib import Path

from nerf_labeling.capture.errors import (
    ArchiveTooLargeError,
    CaptureError,
    CapturePathError,
    CorruptArchiveError,
    UnsafeArchiveEntryError,
)
from nerf_labeling.capture.paths import relative_capture_path

_CHUNK = 1 << 20


def _entry_path(info: zipfile.ZipInfo) -> str:
    """The entry's normalised relative path, or :class:`UnsafeArchiveEntryError` saying why not."""
    try:
        return relative_capture_path(info.filename, f"archive entry {info.filename!r}")
    except CapturePathError as error:
        raise UnsafeArchiveEntryError(str(error)) from None


def _check_entry(info: zipfile.ZipInfo, max_ratio: float) -> None:
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if kind == stat.S_IFLNK:
        raise UnsafeArchiveEntryError(f"archive entry {info.filename!r} is a symbolic link; links are not allowed")
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise UnsafeArchiveEntryError(f"archive entry {info.filename!r} is a special file (mode {oct(mode)})")
    if info.flag_bits & 0x1:
        raise CorruptArchiveError(f"archive entry {info.filename!r} is encrypted; upload an unencrypted zip")
    ratio = info.file_size / max(info.compress_size, 1)
    if ratio > max_ratio:
        raise ArchiveTooLargeError(
            f"archive entry {info.filename!r} expands {ratio:.0f}x ({info.compress_size} -> {info.file_size} bytes), "
            f"over the limit of {max_ratio:g}x (a zip bomb?)"
        )


def _plan(archive: zipfile.ZipFile, max_total_bytes: int, max_files: int, max_ratio: float) -> list:
    """Check every entry from the central directory; return ``(info, relative path)`` pairs."""
    infos = archive.infolist()
    if len(infos) > max_files:
        raise ArchiveTooLargeError(f"archive has {len(infos)} entries, over the limit of {max_files}")
    declared = sum(info.file_size for info in infos)
    if declared > max_total_bytes:
        raise ArchiveTooLargeError(
            f"archive declares {declared} bytes uncompressed, over the limit of {max_total_bytes}"
        )
    plan, seen = [], {}
    for info in infos:
        if info.is_dir() and posixpath.normpath(info.filename) == ".":
            continue  # a "./" entry some zip tools add for the archive's own root
        path = _entry_path(info)
        _check_entry(info, max_ratio)
        if path in seen:
            raise UnsafeArchiveEntryError(
                f"archive entry {info.filename!r} names the same path as {seen[path]!r}"
            )
        seen[path] = info.filename
        plan.append((info, path))
    return plan


def _extract_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int) -> int:
    """Stream one file entry to ``target``; return bytes written, refusing more than declared or ``budget``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with archive.open(info) as source, open(target, "xb") as sink:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > info.file_size:
                raise ArchiveTooLargeError(
                    f"archive entry {info.filename!r} holds more than its declared {info.file_size} bytes"
                )
            if written > budget:
                raise ArchiveTooLargeError(f"archive expands past the limit while extracting {info.filename!r}")
            sink.write(chunk)
    if written != info.file_size:
        raise CorruptArchiveError(
            f"archive entry {info.filename!r} holds {written} bytes but declares {info.file_size}"
        )
    return written


def _open_archive(zip_path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(zip_path)
    except FileNotFoundError:
        raise CorruptArchiveError(f"{zip_path.name}: file does not exist") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise CorruptArchiveError(f"{zip_path.name}: not a readable zip archive ({error})") from None


def safe_extract_zip(
    zip_path: str | Path,
    destination: str | Path,
    *,
    max_total_bytes: int,
    max_files: int,
    max_ratio: float = 100,
) -> list[Path]:
    """Extract ``zip_path`` into ``destination`` (absent or an empty folder); return the files written.

    Raises an :class:`~nerf_labeling.capture.errors.ArchiveError` subclass for a corrupt archive, an
    unsafe entry (absolute, ``..``, link, special file, duplicate), or one over the limits; on any
    error ``destination`` is left as it was.
    """
    zip_path, destination = Path(zip_path), Path(destination)
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise CaptureError(f"extraction target {destination.name!r} must be absent or an empty folder")
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".extract-", dir=destination.parent))
    try:
        with _open_archive(zip_path) as archive:
            files = _extract_all(archive, staging, max_total_bytes, max_files, max_ratio)
        if destination.exists():
            destination.rmdir()
        os.replace(staging, destination)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [destination / relative for relative in files]


def _extract_all(archive: zipfile.ZipFile, staging: Path, max_total_bytes: int, max_files: int, max_ratio: float):
    budget = max_total_bytes
    files = []
    for info, relative in _plan(archive, max_total_bytes, max_files, max_ratio):
        target = staging / relative
        try:
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            budget -= _extract_entry(archive, info, target, budget)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
            raise CorruptArchiveError(f"archive entry {info.filename!r} cannot be extracted ({error})") from None
        except (FileExistsError, NotADirectoryError, IsADirectoryError):
            raise UnsafeArchiveEntryError(
                f"archive entry {info.filename!r} clashes with another entry (a file and a folder of the same name?)"
            ) from None
        files.append(Path(relative))
    return files
