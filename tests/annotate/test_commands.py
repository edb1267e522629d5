"""The command line does everything: projects, members, classes, objects files, meshes, refinement, waiting."""
import io
import json
import time

import numpy as np
import pytest
import trimesh
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from annotate.models import Capture, CaptureStatus, Job, JobStatus, LabelClass, Membership, Project, Role
from annotate.services.projects import create_label_class
from annotate.services.training import PRESET_CATALOG


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def capture(project):
    return Capture.objects.create(project=project, name="scene", status=CaptureStatus.READY)


def _yaw(degrees):
    a = np.deg2rad(degrees)
    return [[np.cos(a), -np.sin(a), 0.0], [np.sin(a), np.cos(a), 0.0], [0.0, 0.0, 1.0]]


def _write_mesh(path, extents=(0.2, 0.3, 0.4)):
    path.parent.mkdir(parents=True, exist_ok=True)
    trimesh.creation.box(extents=extents).export(path)
    return path


# --- projects, members, classes ---------------------------------------------------------------------


def test_a_project_its_members_and_classes_are_made_from_the_command_line(db):
    users = get_user_model().objects
    boss, ann = users.create_user("boss"), users.create_user("ann")
    _run("create_project", "Garage", "--manager", "boss", "--description", "cars")
    project = Project.objects.get(name="Garage")
    assert project.description == "cars"
    assert Membership.objects.get(project=project, user=boss).role == Role.MANAGER

    _run("add_member", "Garage", "ann", "--role", "annotator")
    assert Membership.objects.get(project=project, user=ann).role == Role.ANNOTATOR
    _run("add_member", "Garage", "ann", "--role", "manager")
    assert Membership.objects.get(project=project, user=ann).role == Role.MANAGER
    _run("add_member", "Garage", "ann", "--remove")
    assert not Membership.objects.filter(project=project, user=ann).exists()

    _run("add_class", "Garage", "car", "--color", "#00ff00", "--kitti-type", "Car")
    _run("add_class", "Garage", "tyre", "--class-id", "7")
    car, tyre = LabelClass.objects.get(project=project, name="car"), LabelClass.objects.get(project=project, name="tyre")
    assert (car.class_id, car.color, car.kitti_type) == (1, "#00ff00", "Car")
    assert tyre.class_id == 7


@pytest.mark.parametrize("args, words", [
    (("create_project", "Garage", "--manager", "nobody"), "No user named 'nobody'"),
    (("create_project", "Kitchen", "--manager", "manager"), "already exists"),
    (("add_member", "Nowhere", "annotator", "--role", "annotator"), "No project named 'Nowhere'"),
    (("add_member", "Kitchen", "nobody", "--role", "annotator"), "No user named 'nobody'"),
    (("add_member", "Kitchen", "manager", "--remove"), "at least one manager"),
    (("add_member", "Kitchen", "outsider", "--remove"), "not a member"),
    (("add_class", "Nowhere", "car"), "No project named 'Nowhere'"),
    (("add_class", "Kitchen", "car", "--color", "green"), "#rrggbb"),
    (("attach_mesh", "999999", __file__), "No scene object with id 999999"),
    (("refine_object", "999999"), "No scene object with id 999999"),
])
def test_command_line_mistakes_are_told_in_words(project, outsider, args, words):
    with pytest.raises(CommandError, match=words):
        _run(*args)


# --- objects files ----------------------------------------------------------------------------------


def test_importing_mesh_entries_reads_meshes_relative_to_the_file(capture, tmp_path):
    _write_mesh(tmp_path / "files" / "meshes" / "mug.ply", extents=(0.1, 0.2, 0.3))
    path = tmp_path / "files" / "objects.json"
    path.write_text(json.dumps({"units": "metres", "frame": "world", "objects": [
        {"instance_id": 7, "class": "mug", "kind": "mesh", "center": [1, 2, 0], "size": [9, 9, 9],
         "rotation": [1, 0, 0, 0, 1, 0, 0, 0, 1], "mesh": "meshes/mug.ply", "version": 4},
    ]}))
    _run("import_objects", str(capture.pk), str(path))
    obj = capture.scene_objects.get()
    assert (obj.instance_id, obj.kind, obj.version) == (7, "mesh", 1)
    np.testing.assert_allclose(obj.size, [0.1, 0.2, 0.3])  # the mesh decides, not the file's size
    with obj.mesh_file.open("rb") as stored:
        assert stored.read() == (tmp_path / "files" / "meshes" / "mug.ply").read_bytes()


def test_importing_honours_class_ids_as_the_format_documents(capture, tmp_path):
    path = tmp_path / "objects.json"
    path.write_text(json.dumps({"objects": [
        {"class": "apple", "center": [0, 0, 0], "size": [1, 1, 1]},
        {"class": "bowl", "class_id": 1, "center": [0, 0, 0], "size": [1, 1, 1]},
        {"class": "bowl", "center": [1, 0, 0], "size": [1, 1, 1]},
        {"class": "cup", "class_id": 5, "center": [0, 0, 0], "size": [1, 1, 1]},
    ]}))
    _run("import_objects", str(capture.pk), str(path))
    ids = dict(LabelClass.objects.filter(project=capture.project).values_list("name", "class_id"))
    # Given ids are kept; a class without one takes the next free id (not the 1 the file gave bowl).
    assert ids == {"bowl": 1, "cup": 5, "apple": 6}


@pytest.mark.parametrize("entries, words", [
    ([{"class": "mug", "class_id": 2, "center": [0, 0, 0], "size": [1, 1, 1]}],
     r"Class 'mug' has class id 1 in project 'Kitchen'; the file says 2"),
    ([{"class": "cup", "class_id": 3, "center": [0, 0, 0], "size": [1, 1, 1]},
      {"class": "cup", "class_id": 4, "center": [0, 0, 0], "size": [1, 1, 1]}], r"two class ids"),
    ([{"class": "cup", "class_id": 1, "center": [0, 0, 0], "size": [1, 1, 1]}], r"Class id 1 .* already 'mug'"),
])
def test_a_class_id_that_disagrees_is_refused(capture, tmp_path, entries, words):
    create_label_class(project=capture.project, name="mug")
    path = tmp_path / "objects.json"
    path.write_text(json.dumps({"objects": entries}))
    with pytest.raises(CommandError, match=words):
        _run("import_objects", str(capture.pk), str(path))
    assert capture.scene_objects.count() == 0


@pytest.mark.parametrize("bad, words", [
    ({"class": "mug", "center": [0, 0, 0], "size": [1, 1, 1], "yaw": 0.5}, r"objects\[1\]: unknown key 'yaw'"),
    ({"class": "mug", "kind": "mesh", "center": [0, 0, 0], "mesh": "missing.ply"}, r"objects\[1\]: cannot read mesh"),
    ({"class": "mug", "kind": "mesh", "center": [0, 0, 0]}, r"objects\[1\]: a mesh entry needs 'mesh'"),
    ({"class": "mug", "kind": "cone", "center": [0, 0, 0], "size": [1, 1, 1]}, r"objects\[1\]: kind must be"),
])
def test_a_bad_entry_is_refused_by_name_and_nothing_is_imported(capture, tmp_path, media_root, bad, words):
    _write_mesh(tmp_path / "good.ply")
    path = tmp_path / "objects.json"
    path.write_text(json.dumps({"objects": [
        {"class": "mug", "kind": "mesh", "center": [0, 0, 0], "rotation": _yaw(30), "mesh": "good.ply"}, bad,
    ]}))
    with pytest.raises(CommandError, match=words):
        _run("import_objects", str(capture.pk), str(path))
    assert capture.scene_objects.count() == 0
    assert [p for p in media_root.rglob("*") if p.is_file()] == []


def test_export_writes_the_documented_layout_and_round_trips_through_import(annotator_api, capture, tmp_path):
    mug = create_label_class(project=capture.project, name="mug")
    create_label_class(project=capture.project, name="unused")
    plate = create_label_class(project=capture.project, name="plate")
    body = {"center": [0.1, 0.2, 0.3], "size": [0.2, 0.3, 0.4]}
    for label_class, degrees in ((mug, 45), (plate, -20)):
        made = annotator_api.post(f"/api/captures/{capture.pk}/objects/", {
            **body, "label_class": label_class.pk, "rotation": _yaw(degrees)}, format="json")
        assert made.status_code == 201, made.json()
    _write_mesh(tmp_path / "plate.stl", extents=(0.3, 0.3, 0.02))
    _run("attach_mesh", str(made.json()["id"]), str(tmp_path / "plate.stl"))

    first = tmp_path / "one" / "objects.json"
    first.parent.mkdir()
    _run("export_objects", str(capture.pk), str(first))
    document = json.loads(first.read_text())
    assert (document["units"], document["frame"]) == ("metres", "world")
    box, mesh = document["objects"]
    assert set(box) == {"instance_id", "class", "class_id", "kind", "center", "size", "rotation", "mesh", "version"}
    assert (box["class"], box["class_id"], box["kind"], box["mesh"]) == ("mug", 1, "box", None)
    assert (mesh["class"], mesh["class_id"], mesh["kind"], mesh["mesh"]) == ("plate", 3, "mesh", "objects_meshes/2.stl")
    assert (first.parent / mesh["mesh"]).read_bytes() == (tmp_path / "plate.stl").read_bytes()

    other_project = Project.objects.create(name="Elsewhere")
    fresh = Capture.objects.create(project=other_project, name="fresh", status=CaptureStatus.READY)
    _run("import_objects", str(fresh.pk), str(first))
    second = tmp_path / "two" / "objects.json"
    second.parent.mkdir()
    _run("export_objects", str(fresh.pk), str(second))
    again = json.loads(second.read_text())

    def comparable(doc):  # versions count edits of the original; the copies are new objects
        return [{**entry, "version": None} for entry in doc["objects"]]

    assert comparable(again) == comparable(document)
    assert (second.parent / "objects_meshes" / "2.stl").read_bytes() == (tmp_path / "plate.stl").read_bytes()


# --- meshes and refinement ----------------------------------------------------------------------------


def test_a_mesh_is_attached_and_refined_from_the_command_line(project, manager, tmp_path):
    from annotate.services.scene_objects import update_object
    from annotate.tasks import refine_object_task
    from tests.annotate.scenes import exact_scene_capture

    capture, truth = exact_scene_capture(project, manager, tmp_path)
    box = capture.scene_objects.get(instance_id=1)  # unambiguous under a 10 degree turn
    out = _run("attach_mesh", str(box.pk), str(truth.mesh_path(1)), "--user", "manager")
    assert f"Object {box.pk}" in out
    box.refresh_from_db()
    assert box.kind == "mesh" and box.version == 2
    true_pose = np.array(box.object_to_world)
    turn = np.array(_yaw(10))
    update_object(obj=box, user=manager, version=box.version, rotation=(turn @ true_pose[:3, :3]).tolist(),
                  center=(true_pose[:3, 3] + [0.05, 0.05, -0.05]).tolist())

    job = Job.objects.get(pk=int(_run("refine_object", str(box.pk), "--user", "manager")))
    assert (job.kind, job.status, job.params["object_id"]) == ("refine", JobStatus.QUEUED, box.pk)
    refine_object_task(job.id)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    box.refresh_from_db()
    assert np.linalg.norm(np.array(box.object_to_world)[:3, 3] - true_pose[:3, 3]) < 0.01


# --- waiting -------------------------------------------------------------------------------------------


@pytest.fixture
def broker_queue():
    """Messages waiting in a broker queue (``cpu`` unless named); both queues are emptied before and after
    the test (nothing else consumes this test's broker)."""
    from config.celery import app

    with app.connection_for_write() as connection:
        channel = connection.default_channel
        for name in ("cpu", "gpu"):
            channel.queue_declare(name, durable=True)
            channel.queue_purge(name)
        yield lambda name="cpu": channel.queue_declare(name, passive=True).message_count
        for name in ("cpu", "gpu"):
            channel.queue_purge(name)


def test_waiting_with_no_worker_listening_says_so_within_seconds(transactional_db, broker_queue, project):
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.fail("this test needs the Redis broker: set CELERY_BROKER_URL (as `make test` does)")
    capture = Capture.objects.create(project=project, name="scene", status=CaptureStatus.READY)
    started = time.monotonic()
    with pytest.raises(CommandError, match=r"no worker listens on the 'cpu' queue.*celery -A config worker -Q cpu,gpu"):
        call_command("train_nerf", str(capture.pk), "--preset", "grid-fast", "--wait",
                     stdout=io.StringIO(), stderr=io.StringIO())
    assert time.monotonic() - started < 10
    job = Job.objects.get(kind="train")
    assert job.status == JobStatus.QUEUED  # it stays queued for a worker started later
    assert broker_queue("cpu") == 1  # grid-fast is a CPU preset


# --- help ------------------------------------------------------------------------------------------------


def test_train_nerf_help_lists_every_preset_with_what_it_does():
    from annotate.management.commands.train_nerf import Command

    text = " ".join(Command().create_parser("manage.py", "train_nerf").format_help().split())
    for name, entry in PRESET_CATALOG.items():
        assert f"{name} ({entry['backend']}): {entry['description'].rstrip('.')}" in text
