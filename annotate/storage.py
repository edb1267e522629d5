"""Stored files: the key of every artefact, a change's files saved all or nothing, and the files of a capture.

Keys are built here and nowhere else, from ids, server-chosen suffixes and random tokens, never from
anything a user typed (a project's name may be ``../../x``); the suffix is what a file is served as.
A change saves its files through :class:`StagedFiles`: they are deleted again if the change fails, and
the files it replaces go once it has committed. :func:`files_of_capture` finds a capture's files from the
models' file fields, so a new file field is deleted with its capture without anyone listing it.

This module reads rows only through Django's model metadata and imports no model: the models take
their upload key from here.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.core.files.storage import default_storage
from django.db import models, transaction

# Keys: one builder per artefact.


def capture_upload_key(*, project_id: int, capture_id: int, suffix: str) -> str:
    """The uploaded archive (``.zip``) or video of a capture."""
    return f"captures/{project_id}/uploads/capture-{capture_id}{suffix}"


def frame_image_key(*, project_id: int, capture_id: int, index: int, suffix: str) -> str:
    """A frame's image; ``suffix`` names the format Pillow decoded."""
    return f"captures/{project_id}/{capture_id}/frames/{index:05d}{suffix}"


def frame_thumbnail_key(*, project_id: int, capture_id: int, index: int) -> str:
    return f"captures/{project_id}/{capture_id}/thumbs/{index:05d}.jpg"


def sparse_points_key(*, project_id: int, capture_id: int) -> str:
    """The ``.npz`` of a capture's sparse points from structure-from-motion."""
    return f"captures/{project_id}/{capture_id}/sparse_points.npz"


def field_file_key(file_name: str, *, project_id: int, capture_id: int, job_id: int) -> str:
    """A file of the field trained or imported by a job: ``checkpoint.zip``, ``preview.ply`` or ``cameras.json``
    (first, so that a job's ids can be bound once)."""
    return f"fields/{project_id}/{capture_id}/job-{job_id}/{file_name}"


def field_import_key(*, project_id: int, capture_id: int) -> str:
    """The slim nerfstudio run archive an import job reads; a token keeps two uploads apart."""
    return f"fields/{project_id}/{capture_id}/import-{secrets.token_hex(8)}/run.zip"


def object_mesh_key(*, project_id: int, capture_id: int, instance_id: int, suffix: str) -> str:
    """An uploaded or imported mesh of a scene object; ``suffix`` is one the mesh loader read."""
    return f"objects/{project_id}/{capture_id}/{instance_id}{suffix}"


def extracted_mesh_key(*, project_id: int, capture_id: int, instance_id: int) -> str:
    """The surface a field holds inside a box, extracted as PLY."""
    return f"objects/{project_id}/{capture_id}/{instance_id}-extracted.ply"


def field_render_key(*, project_id: int, capture_id: int, field_model_id: int, index: int) -> str:
    """A frame's cached field render (``.npz``)."""
    return f"renders/{project_id}/{capture_id}/field-{field_model_id}/{index:05d}.npz"


def frame_labels_key(*, project_id: int, capture_id: int, index: int) -> str:
    """A frame's rendered labels (``.npz``)."""
    return f"labels/{project_id}/{capture_id}/{index:05d}.npz"


def export_key(*, project_id: int, job_id: int) -> str:
    """An export job's zip; a token keeps it unguessable."""
    return f"exports/{project_id}/job-{job_id}/export-{secrets.token_hex(8)}.zip"


def scoring_model_key(*, project_id: int, version: int) -> str:
    """A scoring model's weights."""
    return f"scoring-models/{project_id}/model-v{int(version)}.pt"


def detector_weights_key(*, project_id: int, version: int) -> str:
    """A 3D detector's weights: beside the segmentation models, named apart (each kind numbers its versions)."""
    return f"scoring-models/{project_id}/pointpillars-v{int(version)}.pt"


# Saving and deleting


def delete_files(names: Iterable[str | None]) -> None:
    """Delete the stored files ``names`` now (empty names skipped; a missing file is no error)."""
    for name in names:
        if name:
            default_storage.delete(name)


class StagedFiles:
    """The files of one change: deleted if the change fails, and the files they replace deleted once it commits.

    ::

        with StagedFiles() as staged:
            name = staged.save(key, content)
            with transaction.atomic():
                ...  # record ``name`` in rows
                staged.supersede(old_name)

    A block that raises deletes what it saved and supersedes nothing. A block that ends well deletes the
    superseded files after the surrounding transaction commits (at once outside one), never on a rollback.
    Open it inside an atomic block whose commit may raise without undoing the change (an enqueue after
    commit), so that such an error keeps the files the committed rows name.
    """

    def __init__(self) -> None:
        self.saved: list[str] = []
        self.superseded: list[str] = []

    def __enter__(self) -> StagedFiles:
        return self

    def save(self, key: str, content) -> str:
        """Store ``content`` under ``key`` (or a free name beside it); the stored name."""
        name = default_storage.save(key, content)
        self.saved.append(name)
        return name

    def supersede(self, *names: str | None) -> None:
        """Delete ``names`` (empty ones skipped) once the change commits: files it made unused.

        A name this change saved is kept: storage reuses a key whose file went missing, so an old row's name
        may be the new file's.
        """
        self.superseded.extend(name for name in names if name)

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is not None:
            delete_files(self.saved)
            return
        superseded = [name for name in self.superseded if name not in self.saved]
        if superseded:
            transaction.on_commit(lambda: delete_files(superseded))


# The files of a capture


def files_of_capture(capture: models.Model) -> list[str]:
    """Every file stored for ``capture``: in its file fields, those of every row deleted with it (frames,
    fields, renders, labels, objects, ...) and the keys kept in JSON (:func:`json_held_keys`)."""
    return sorted({*files_of_rows(type(capture)._default_manager.filter(pk=capture.pk)), *json_held_keys(capture)})


def files_of_rows(rows: models.QuerySet) -> list[str]:
    """Every file named by a file field of ``rows`` or of a row deleted with them (a chain of ``CASCADE``)."""
    names = _file_names(rows)
    for model, lookup in owned_models(rows.model):
        names.extend(_file_names(model._default_manager.filter(**{f"{lookup}__in": rows.values("pk")})))
    return sorted(set(names))


def json_held_keys(capture) -> list[str]:
    """The keys of a capture's files that the schema keeps in JSON rather than in a file field. The only ones:

    - ``Capture.metadata["sfm"]["sparse_points"]``: the sparse points of a capture posed by SfM;
    - ``Job.params["run_archive"]`` of the capture's jobs: a field import's run, kept until the job answers.
    """
    keys = [sparse_points_of(capture)]
    for params in capture.project.jobs.filter(target=f"capture:{capture.pk}").values_list("params", flat=True):
        keys.append((params or {}).get("run_archive"))
    return [key for key in keys if key]


def sparse_points_of(capture) -> str | None:
    """The key of the capture's sparse points, or None when SfM did not place it."""
    return (capture.metadata or {}).get("sfm", {}).get("sparse_points") or None


def owned_models(model: type[models.Model]) -> list[tuple[type[models.Model], str]]:
    """Every model whose rows are deleted with ``model``'s (a chain of ``CASCADE`` foreign keys to it), each with
    the lookup from its rows to ``model``'s (``"frame__capture"``); each model once, by its shortest chain."""
    owned: list[tuple[type[models.Model], str]] = []
    seen = {model}
    queue = [(model, "")]
    while queue:
        parent, path = queue.pop(0)
        for relation in parent._meta.related_objects:
            if relation.many_to_many or relation.on_delete is not models.CASCADE or relation.related_model in seen:
                continue
            lookup = relation.field.name + (f"__{path}" if path else "")
            seen.add(relation.related_model)
            owned.append((relation.related_model, lookup))
            queue.append((relation.related_model, lookup))
    return owned


def file_field_names(model: type[models.Model]) -> list[str]:
    """The names of ``model``'s file fields (``FileField`` and its subclasses, ``ImageField`` included)."""
    return [field.name for field in model._meta.concrete_fields if isinstance(field, models.FileField)]


def _file_names(rows: models.QuerySet) -> list[str]:
    fields = file_field_names(rows.model)
    if not fields:
        return []
    return [name for row in rows.values_list(*fields) for name in row if name]
