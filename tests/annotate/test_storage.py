"""annotate.storage: a capture's files found from the models, and a change's files saved all or nothing."""
from pathlib import Path

import numpy as np
import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction

from annotate.models import (
    Capture,
    CaptureStatus,
    FieldModel,
    Frame,
    FrameLabel,
    FrameRender,
    Job,
    JobKind,
    JobStatus,
    SceneObject,
)
from annotate.services.captures import delete_capture
from annotate.services.projects import create_label_class
from annotate.storage import StagedFiles, files_of_capture


def _store(name: str, data: bytes = b"x") -> str:
    return default_storage.save(name, ContentFile(data))


def _stored_files(media_root) -> list[str]:
    return sorted(str(p.relative_to(media_root)) for p in Path(media_root).rglob("*") if p.is_file())


# --- every file field of a row deleted with a capture is deleted with it ------------------------------


def _path_to_capture(model, seen=frozenset()) -> list[str] | None:
    """The foreign keys from ``model`` up to Capture along which a capture's deletion cascades, or None.

    This walks up from each model; annotate.storage walks down from Capture, so the two must agree.
    """
    if model is Capture:
        return []
    for field in model._meta.concrete_fields:
        if field.is_relation and field.remote_field.on_delete is models.CASCADE and field.related_model not in seen:
            rest = _path_to_capture(field.related_model, seen | {model})
            if rest is not None:
                return [field.name, *rest]
    return None


def capture_owned_file_fields() -> list[tuple[type, str, str]]:
    """``(model, lookup to the capture, file field)`` for every file field of every installed model whose rows
    are deleted with their capture (Capture's own included, with the lookup ``pk``)."""
    found = []
    for model in apps.get_models():
        path = _path_to_capture(model)
        if path is not None:
            lookup = "__".join([*path, "pk"])
            found += [(model, lookup, field.name) for field in model._meta.concrete_fields
                      if isinstance(field, models.FileField)]
    return found


@pytest.fixture
def furnished_capture(project):
    """A capture with a row of every model it owns that has file fields, and both keys the schema keeps in JSON."""
    capture = Capture.objects.create(project=project, name="scene", status=CaptureStatus.READY)
    frame = Frame.objects.create(capture=capture, index=0, file_name="a.png", width=4, height=3, fx=1, fy=1, cx=2,
                                 cy=1.5, camera_to_world=np.eye(4).tolist())
    field_model = FieldModel.objects.create(capture=capture, backend="synthetic", preset="exact")
    FrameRender.objects.create(frame=frame, field_model=field_model)
    FrameLabel.objects.create(frame=frame, field_model=field_model)
    SceneObject.objects.create(capture=capture, label_class=create_label_class(project=project, name="mug"),
                               instance_id=1, kind="box", object_to_world=np.eye(4).tolist(), size=[1, 1, 1])
    capture.metadata = {"units": "arbitrary", "sfm": {"sparse_points": _store("json-held/sparse_points.npz")}}
    capture.save(update_fields=["metadata"])
    Job.objects.create(kind=JobKind.TRAIN, target=f"capture:{capture.pk}", project=project, status=JobStatus.FAILED,
                       params={"capture_id": capture.pk, "run_archive": _store("json-held/run.zip")})
    return capture


def test_every_file_field_of_a_row_deleted_with_a_capture_is_deleted_with_it(furnished_capture, media_root):
    capture = furnished_capture
    fields = capture_owned_file_fields()
    assert {(model.__name__, name) for model, _, name in fields} >= {
        ("Capture", "archive"), ("Frame", "image"), ("FieldModel", "checkpoint"), ("FrameLabel", "data"),
    }  # the walk up finds what it must
    probes = []
    for model, lookup, name in fields:
        rows = model._default_manager.filter(**{lookup: capture.pk})
        assert rows.exists(), f"furnished_capture has no {model.__name__} row: add one, so {name} is checked"
        probe = _store(f"probes/{model.__name__}-{name}.bin")
        rows.update(**{name: probe})
        probes.append(probe)
    capture.refresh_from_db()

    assert set(probes) | {"json-held/sparse_points.npz", "json-held/run.zip"} == set(files_of_capture(capture))
    delete_capture(capture=capture)
    assert _stored_files(media_root) == []


# --- StagedFiles: deleted if the change fails, superseded files gone once it commits, never on a rollback ---


def test_a_failed_change_deletes_the_files_it_saved_and_keeps_those_it_would_have_replaced(db):
    old = _store("staged/old.bin")
    with pytest.raises(RuntimeError, match="the change failed"), StagedFiles() as staged:
        new = staged.save("staged/new.bin", ContentFile(b"new"))
        staged.supersede(old)
        assert default_storage.exists(new)
        raise RuntimeError("the change failed")
    assert not default_storage.exists(new)
    assert default_storage.exists(old)


def test_a_superseded_file_is_deleted_only_once_the_change_commits(transactional_db):
    old = _store("staged/old.bin")
    with transaction.atomic():
        with StagedFiles() as staged:
            new = staged.save("staged/new.bin", ContentFile(b"new"))
            staged.supersede(old, "", None)
        assert default_storage.exists(old)  # the rows that named it are not committed yet
    assert not default_storage.exists(old)
    assert default_storage.exists(new)


def test_a_change_rolled_back_after_its_files_were_staged_deletes_nothing_it_superseded(transactional_db):
    old = _store("staged/old.bin")
    with pytest.raises(RuntimeError), transaction.atomic():
        with StagedFiles() as staged:
            staged.supersede(old)
        raise RuntimeError("the transaction rolls back")
    assert default_storage.exists(old)


def test_a_superseded_name_that_storage_gave_to_the_new_file_is_kept(transactional_db):
    """An old row names a file that went missing; storage gives the free key to the new file."""
    missing = "staged/labels.npz"
    with StagedFiles() as staged:
        new = staged.save(missing, ContentFile(b"new"))
        staged.supersede(missing)
    assert new == missing
    assert default_storage.exists(new)
