"""Writing into an open zip one piece at a time.

Files that are only complete at the end of the selection (COCO's annotation list, BOP's per-scene
JSON, mapping tables) grow in a temporary file on disk and are copied into the zip when done, so an
export of any length holds one frame in memory at a time.
"""
from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from typing import IO, Any

from nerf_labeling.formats.errors import ExportError


#: Suffixes of payloads that are compressed already: stored as they are rather than deflated again.
COMPRESSED_SUFFIXES = (".png", ".jpg", ".jpeg")


def write_member(archive: zipfile.ZipFile, name: str, data: bytes | str) -> None:
    """Write one file, deflated unless its suffix says it is compressed already (PNG, JPEG)."""
    stored = name.lower().endswith(COMPRESSED_SUFFIXES)
    archive.writestr(name, data, compress_type=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)


def unused_name(archive: zipfile.ZipFile, name: str) -> str:
    """``name``, or :class:`ExportError` when the zip already has it (a zip would silently keep both)."""
    try:
        archive.getinfo(name)
    except KeyError:
        return name
    raise ExportError(f"two frames would both be written as {name!r}; frame file names must be unique")


class Spool:
    """Text written piece by piece to a temporary file, then copied into a zip member."""

    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile()

    def write(self, text: str) -> None:
        self._file.write(text.encode())

    def copy_to(self, out: IO[bytes]) -> None:
        self._file.flush()
        self._file.seek(0)
        shutil.copyfileobj(self._file, out, length=1 << 16)

    def store(self, archive: zipfile.ZipFile, name: str) -> None:
        with archive.open(name, "w", force_zip64=True) as out:
            self.copy_to(out)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "Spool":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class JsonSpool(Spool):
    """A JSON array (``add(value)``) or object (``add(value, key=...)``) grown one item at a time."""

    def __init__(self, *, keyed: bool = False) -> None:
        super().__init__()
        self.keyed = keyed
        self.count = 0

    def add(self, value: Any, *, key: str | None = None) -> None:
        if (key is not None) != self.keyed:
            raise TypeError("a keyed JsonSpool needs a key for every item, an array none")
        separator = "," if self.count else ""
        prefix = f"{json.dumps(key)}:" if self.keyed else ""
        self.write(separator + prefix + json.dumps(value, separators=(",", ":")))
        self.count += 1

    def copy_to(self, out: IO[bytes]) -> None:
        out.write(b"{" if self.keyed else b"[")
        super().copy_to(out)
        out.write(b"}" if self.keyed else b"]")
