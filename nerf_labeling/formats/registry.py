"""The export formats by name: a plain dict filled by a decorator that refuses duplicate names.

A format is a function ``write(archive, frames, spec)`` that writes one frame at a time into an open
``zipfile.ZipFile``; ``frames`` is an iterator of :class:`~nerf_labeling.formats.records.LabeledFrame`.
A format may register a ``check(spec)`` that raises :class:`ExportError` for a spec it cannot honour,
so the driver refuses the request before it writes anything.
:mod:`nerf_labeling.formats.all_formats` imports every format module so they are all registered.
"""
from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from nerf_labeling.formats.errors import ExportError
from nerf_labeling.formats.records import ExportSpec, LabeledFrame

FormatWriter = Callable[[zipfile.ZipFile, Iterator[LabeledFrame], ExportSpec], None]
SpecCheck = Callable[[ExportSpec], None]


@dataclass(frozen=True)
class ExportFormat:
    name: str
    write: FormatWriter
    description: str
    check: SpecCheck | None = None
    #: writes lengths in metres (3D boxes, poses, depth), so a capture of arbitrary units cannot go into it
    needs_metric: bool = False


FORMATS: dict[str, ExportFormat] = {}


def register_format(
    name: str, *, description: str, check: SpecCheck | None = None, needs_metric: bool = False
) -> Callable[[FormatWriter], FormatWriter]:
    """Decorator registering ``write`` under ``name``; a second format with the same name is refused.

    ``description`` is one line, in plain words, of what the archive holds; the export page shows it.
    ``needs_metric``: the format's files promise metres, so frames of unknown scale must not go in.
    """

    def decorate(write: FormatWriter) -> FormatWriter:
        if name in FORMATS:
            existing = FORMATS[name].write
            raise ValueError(
                f"export format {name!r} is already registered by {existing.__module__}.{existing.__name__}"
            )
        FORMATS[name] = ExportFormat(
            name=name, write=write, description=description, check=check, needs_metric=needs_metric
        )
        return write

    return decorate


def get_format(name: str) -> ExportFormat:
    """The format registered as ``name``, or :class:`ExportError` naming the known ones."""
    try:
        return FORMATS[name]
    except KeyError:
        known = ", ".join(sorted(FORMATS)) or "none registered"
        raise ExportError(f"unknown export format {name!r}; known formats: {known}") from None
