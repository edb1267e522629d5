"""Trained fields in storage: a saved field directory travels as one zip; workers cache it unpacked.

Storage may be remote (object storage), so a worker that needs a field copies the zip once into
``VAR_DIR/cache/fields/<id>/`` and loads it from there.
"""
from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage

from annotate.models import FieldModel


def store_field_directory(directory: Path, storage_name: str) -> str:
    """Zip ``directory`` (a saved field) into storage under ``storage_name``; returns the stored name."""
    with tempfile.TemporaryDirectory(prefix="raylabel-field-") as workdir:
        archive = Path(shutil.make_archive(str(Path(workdir) / "field"), "zip", directory))
        with open(archive, "rb") as handle:
            return default_storage.save(storage_name, File(handle))


def local_field_directory(field_model: FieldModel) -> Path:
    """An unpacked local copy of ``field_model``'s checkpoint, made once per worker machine."""
    target = Path(settings.VAR_DIR) / "cache" / "fields" / str(field_model.pk)
    if (target / "field.json").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{field_model.pk}-", dir=target.parent))
    try:
        with field_model.checkpoint.open("rb") as source, zipfile.ZipFile(source) as archive:
            archive.extractall(staging)  # written by store_field_directory, not a user upload
        if not target.exists():
            staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def load_trained_field(field_model: FieldModel):
    """The :class:`~nerf_labeling.fields.base.RadianceField` of ``field_model``."""
    from nerf_labeling.fields.registry import load_field

    return load_field(local_field_directory(field_model))
