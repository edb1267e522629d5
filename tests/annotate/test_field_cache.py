"""A worker's local copy of a stored field belongs to that stored checkpoint, not just to the row's id."""
import io
import json
import zipfile

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from annotate.adapters import local_field_directory
from annotate.models import Capture, CaptureStatus, FieldModel


def _stored_field(name: str, marker: str) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("field.json", json.dumps({"backend": "voxel-grid", "marker": marker}))
    return default_storage.save(name, ContentFile(buffer.getvalue()))


def test_a_new_field_with_a_reused_id_is_not_served_from_an_old_copy(db, project):
    """Ids start again in a new database (a test session, a restored backup); the cache must not mix them up."""
    capture = Capture.objects.create(project=project, name="c", status=CaptureStatus.READY)
    field_model = FieldModel.objects.create(capture=capture, backend="voxel-grid", preset="p",
                                            checkpoint=_stored_field("fields/test/old.zip", "old"))
    old_copy = local_field_directory(field_model)
    assert json.loads((old_copy / "field.json").read_text())["marker"] == "old"

    field_model.checkpoint = _stored_field("fields/test/new.zip", "new")  # same id, another checkpoint
    new_copy = local_field_directory(field_model)
    assert json.loads((new_copy / "field.json").read_text())["marker"] == "new"
