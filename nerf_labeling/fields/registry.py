"""Registry of radiance-field backends by name, and loading any saved field from its directory.

Every backend saves a directory holding ``field.json`` with at least ``{"backend": name}``;
:func:`load_field` reads that name and hands the directory to the registered class's ``load``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, TypeVar

from nerf_labeling.fields.base import RadianceField

FIELD_MANIFEST = "field.json"

#: backend name -> RadianceField subclass that can load it
FIELD_TYPES: dict[str, type[RadianceField]] = {}

FieldType = TypeVar("FieldType", bound=type[RadianceField])


def register_field(name: str) -> Callable[[FieldType], FieldType]:
    """Class decorator registering a RadianceField subclass under ``name``; refuses duplicates."""

    def decorate(cls: FieldType) -> FieldType:
        if name in FIELD_TYPES:
            raise ValueError(f"a radiance field backend named {name!r} is already registered")
        cls.backend_name = name
        FIELD_TYPES[name] = cls
        return cls

    return decorate


def read_manifest(path: str | Path) -> dict:
    """The ``field.json`` of a saved field directory."""
    manifest = Path(path) / FIELD_MANIFEST
    if not manifest.is_file():
        raise FileNotFoundError(f"{path} is not a saved radiance field (no {FIELD_MANIFEST})")
    return json.loads(manifest.read_text())


def load_field(path: str | Path, *, device: str | None = None) -> RadianceField:
    """Load a field saved by any registered backend's ``save``, computing on ``device`` (a torch device name).

    None leaves it where the backend loads it (the CPU for the built-in ones); backends that compute
    on the CPU only stay there whatever ``device`` says (see :meth:`RadianceField.to`).
    """
    import nerf_labeling.fields.all_backends  # noqa: F401 - registers every backend

    name = read_manifest(path).get("backend")
    if name not in FIELD_TYPES:
        raise ValueError(f"{path} was saved by unknown backend {name!r}; known: {sorted(FIELD_TYPES)}")
    field = FIELD_TYPES[name].load(path)
    return field if device is None else field.to(device)
