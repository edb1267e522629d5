"""Loading any saved radiance field from its directory.

Every backend saves a directory holding ``field.json`` with at least ``{"backend": name}``;
:func:`load_field` reads that name and hands the directory to the ``load`` of that backend's field class
(:mod:`nerf_labeling.backends` names it).
"""
from __future__ import annotations

import json
from pathlib import Path

from nerf_labeling.backends import BACKENDS, field_class
from nerf_labeling.fields.base import RadianceField

FIELD_MANIFEST = "field.json"


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
    name = read_manifest(path).get("backend")
    if name not in BACKENDS:
        raise ValueError(f"{path} was saved by unknown backend {name!r}; known: {sorted(BACKENDS)}")
    field = field_class(name).load(path)
    return field if device is None else field.to(device)
