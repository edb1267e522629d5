"""Scene objects: placement, optimistic concurrency (409, never a silent overwrite), meshes, files."""
import io
import json

import numpy as np
import pytest
import trimesh
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from annotate.models import Capture, CaptureStatus
from annotate.services.projects import create_label_class


@pytest.fixture
def capture(project):
    return Capture.objects.create(project=project, name="scene", status=CaptureStatus.READY)


@pytest.fixture
def mug(project):
    return create_label_class(project=project, name="mug")


def _yaw(degrees):
    a = np.deg2rad(degrees)
    return [[np.cos(a), -np.sin(a), 0.0], [np.sin(a), np.cos(a), 0.0], [0.0, 0.0, 1.0]]


def _create(api, capture, mug, **overrides):
    body = {"label_class": mug.pk, "center": [0.1, 0.2, 0.3], "size": [0.2, 0.3, 0.4], **overrides}
    return api.post(f"/api/captures/{capture.pk}/objects/", body, format="json")


def test_placing_boxes_gives_stable_increasing_instance_ids(annotator_api, capture, mug):
    first = _create(annotator_api, capture, mug)
    second = _create(annotator_api, capture, mug, rotation=_yaw(30))
    assert first.status_code == 201, first.json()
    assert (first.json()["instance_id"], second.json()["instance_id"]) == (1, 2)
    assert first.json()["version"] == 1 and first.json()["class_name"] == "mug"
    np.testing.assert_allclose(second.json()["rotation"], _yaw(30))
    listed = annotator_api.get(f"/api/captures/{capture.pk}/objects/").json()["results"]
    assert [o["instance_id"] for o in listed] == [1, 2]


@pytest.mark.parametrize(
    "overrides, words",
    [
        ({"size": [0.2, -1, 0.4]}, "positive"),
        ({"rotation": [[1, 0, 0], [0, 2, 0], [0, 0, 1]]}, "rigid"),
        ({"rotation": [[1, 0, 0], [0, 1, 0], [0, 0, -1]]}, "rigid"),
    ],
)
def test_invalid_boxes_are_refused_with_a_reason(annotator_api, capture, mug, overrides, words):
    response = _create(annotator_api, capture, mug, **overrides)
    assert response.status_code == 400 and words in response.json()["error"]


def test_a_class_of_another_project_is_refused(annotator_api, capture, manager):
    from annotate.services.projects import create_project

    other = create_label_class(project=create_project(name="Other", user=manager), name="car")
    response = _create(annotator_api, capture, other)
    assert response.status_code == 400 and "not a class of this project" in response.json()["error"]


def test_two_annotators_editing_one_object_conflict_instead_of_overwriting(
    annotator_api, manager_api, capture, mug
):
    obj = _create(annotator_api, capture, mug).json()
    url = f"/api/objects/{obj['id']}/"
    mine = annotator_api.patch(url, {"version": 1, "center": [1.0, 0.0, 0.5]}, format="json")
    assert mine.status_code == 200 and mine.json()["version"] == 2

    theirs = manager_api.patch(url, {"version": 1, "size": [1, 1, 1]}, format="json")
    assert theirs.status_code == 409
    assert "changed by annotator (version 2)" in theirs.json()["error"]
    assert theirs.json()["current"]["object"]["center"] == [1.0, 0.0, 0.5]
    stored = manager_api.get(url).json()
    assert stored["size"] == [0.2, 0.3, 0.4] and stored["version"] == 2

    retried = manager_api.patch(url, {"version": 2, "size": [1, 1, 1]}, format="json")
    assert retried.status_code == 200 and retried.json()["center"] == [1.0, 0.0, 0.5]
    assert manager_api.patch(url, {"size": [1, 1, 1]}, format="json").status_code == 400


def test_deleting_with_an_old_version_conflicts(annotator_api, capture, mug):
    obj = _create(annotator_api, capture, mug).json()
    annotator_api.patch(f"/api/objects/{obj['id']}/", {"version": 1, "center": [0, 0, 0]}, format="json")
    assert annotator_api.delete(f"/api/objects/{obj['id']}/?version=1").status_code == 409
    assert annotator_api.delete(f"/api/objects/{obj['id']}/?version=2").status_code == 204
    assert annotator_api.get(f"/api/objects/{obj['id']}/").status_code == 404


@pytest.mark.parametrize("suffix", ["obj", "ply", "stl", "glb"])
def test_uploading_a_mesh_makes_a_mesh_object_sized_by_its_extents(annotator_api, capture, mug, suffix):
    obj = _create(annotator_api, capture, mug).json()
    data = trimesh.creation.box(extents=(0.1, 0.2, 0.3)).export(file_type=suffix)
    data = data.encode() if isinstance(data, str) else data
    response = annotator_api.post(
        f"/api/objects/{obj['id']}/mesh/",
        {"file": SimpleUploadedFile(f"mug.{suffix}", data), "version": 1}, format="multipart",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["kind"] == "mesh" and body["version"] == 2
    np.testing.assert_allclose(body["size"], [0.1, 0.2, 0.3], atol=1e-6)
    assert annotator_api.get(body["mesh_url"]).status_code == 200


def test_a_broken_mesh_file_is_refused(annotator_api, capture, mug):
    obj = _create(annotator_api, capture, mug).json()
    for name, data in (("mug.obj", b"this is not a mesh"), ("mug.txt", b"v 0 0 0")):
        response = annotator_api.post(
            f"/api/objects/{obj['id']}/mesh/", {"file": SimpleUploadedFile(name, data), "version": 1},
            format="multipart",
        )
        assert response.status_code == 400 and name in response.json()["error"]
    assert annotator_api.get(f"/api/objects/{obj['id']}/").json()["kind"] == "box"


def test_objects_file_round_trips_through_the_commands(annotator_api, capture, mug, tmp_path):
    _create(annotator_api, capture, mug, rotation=_yaw(45))
    path = tmp_path / "objects.json"
    call_command("export_objects", str(capture.pk), str(path), stdout=io.StringIO())
    data = json.loads(path.read_text())
    assert data["objects"][0]["class"] == "mug"

    other = Capture.objects.create(project=capture.project, name="copy", status=CaptureStatus.READY)
    call_command("import_objects", str(other.pk), str(path), stdout=io.StringIO())
    copied = annotator_api.get(f"/api/captures/{other.pk}/objects/").json()["results"]
    assert len(copied) == 1
    np.testing.assert_allclose(copied[0]["rotation"], _yaw(45))
    assert copied[0]["instance_id"] == 1 and copied[0]["size"] == [0.2, 0.3, 0.4]


def test_importing_a_bad_objects_file_creates_nothing(capture, tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "objects.json"
    path.write_text(json.dumps({"objects": [
        {"class": "mug", "center": [0, 0, 0], "size": [1, 1, 1]},
        {"class": "mug", "center": [0, 0, 0], "size": [1, 0, 1]},
    ]}))
    with pytest.raises(CommandError, match=r"objects\[1\].*positive"):
        call_command("import_objects", str(capture.pk), str(path), stdout=io.StringIO())
    assert capture.scene_objects.count() == 0
