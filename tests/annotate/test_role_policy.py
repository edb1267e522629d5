"""Who may do what: every destructive or costly action × role → the status the API answers.

``POLICY`` mirrors the role-policy table in docs/API.md. Each case starts from a fresh project with a
ready capture (frames, labels, a field, a box and a mesh object), a failed capture, a batch and one
queued job started by each member; no Celery task runs (jobs are enqueued only after a commit, and
these tests never commit).
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from annotate.models import (
    Batch, BatchFrame, Capture, CaptureStatus, FieldModel, Frame, FrameLabel, Job, JobKind, JobStatus, Review,
    SceneObject,
)
from annotate.services.projects import create_label_class
from tests.annotate.test_field_import import fake_run_zip

IDENTITY = [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
TETRAHEDRON_OBJ = b"v 0 0 0\nv 0.1 0 0\nv 0 0.1 0\nv 0 0 0.1\nf 1 3 2\nf 1 2 4\nf 1 4 3\nf 2 3 4\n"


@dataclass
class World:
    project: object
    ready: Capture
    failed: Capture
    frames: list
    box: SceneObject
    mesh: SceneObject
    label_class: object
    spare_class: object
    batch: Batch
    job_by: dict
    upload_zip: bytes


def _frames(capture: Capture, count: int) -> list[Frame]:
    return [
        Frame.objects.create(
            capture=capture, index=i, file_name=f"{i}.png", image=f"x/{i}.png", thumbnail=f"x/{i}.jpg", width=4,
            height=3, fx=1, fy=1, cx=2, cy=1.5, camera_to_world=IDENTITY,
        )
        for i in range(count)
    ]


def _object(capture, label_class, user, instance_id, **extra) -> SceneObject:
    return SceneObject.objects.create(
        capture=capture, label_class=label_class, instance_id=instance_id, kind=extra.pop("kind", "box"),
        object_to_world=IDENTITY, size=[0.2, 0.2, 0.2], created_by=user, updated_by=user, **extra,
    )


@pytest.fixture
def world(project, manager, annotator, capture_zip) -> World:
    label_class = create_label_class(project=project, name="mug")
    ready = Capture.objects.create(project=project, name="kitchen", status=CaptureStatus.READY, created_by=manager)
    ready.archive.save("ready.zip", ContentFile(b"PK"), save=True)
    failed = Capture.objects.create(project=project, name="broken", status=CaptureStatus.FAILED, created_by=annotator)
    failed.archive.save("failed.zip", ContentFile(b"PK"), save=True)
    frames = _frames(ready, 3)
    field = FieldModel.objects.create(capture=ready, backend="synthetic", preset="exact", checkpoint="fields/x.zip")
    for frame in frames:
        FrameLabel.objects.create(frame=frame, field_model=field, data=f"labels/{frame.pk}.npz")
    mesh_name = default_storage.save("meshes/tetra.obj", ContentFile(TETRAHEDRON_OBJ))
    batch = Batch.objects.create(project=project, name="Round 1", created_by=manager)
    BatchFrame.objects.create(batch=batch, frame=frames[0], position=0)
    job_by = {
        # Its own target, so that starting a round in the policy test is not a 409 against it.
        "manager": Job.objects.create(kind=JobKind.AL_ROUND, target=f"project:{project.pk}:earlier", project=project,
                                      created_by=manager),
        "annotator": Job.objects.create(kind=JobKind.TRAIN, target=f"capture:{failed.pk}", project=project,
                                        created_by=annotator),
    }
    return World(
        project=project, ready=ready, failed=failed, frames=frames, label_class=label_class, batch=batch,
        spare_class=create_label_class(project=project, name="bowl"),
        box=_object(ready, label_class, annotator, 1),
        mesh=_object(ready, label_class, annotator, 2, kind="mesh", mesh_file=mesh_name),
        job_by=job_by, upload_zip=capture_zip,
    )


OTHER = {"manager": "annotator", "annotator": "manager"}

# action: (request for a member of the given role, {role: expected status}); outsiders always get 404.
POLICY = {
    "upload a capture": (
        lambda w, role: ("post", f"/api/projects/{w.project.pk}/captures/", {
            "file": SimpleUploadedFile("s.zip", w.upload_zip, content_type="application/zip"), "name": "s"}, "multipart"),
        {"manager": 202, "annotator": 202},
    ),
    "re-ingest a failed capture": (
        lambda w, role: ("post", f"/api/captures/{w.failed.pk}/ingest/", None, None),
        {"manager": 202, "annotator": 403},
    ),
    "re-ingest a ready capture": (
        lambda w, role: ("post", f"/api/captures/{w.ready.pk}/ingest/", None, None),
        {"manager": 409, "annotator": 403},
    ),
    "delete a capture": (
        lambda w, role: ("delete", f"/api/captures/{w.ready.pk}/", None, None),
        {"manager": 204, "annotator": 403},
    ),
    "delete an object": (
        lambda w, role: ("delete", f"/api/objects/{w.box.pk}/?version=1", None, None),
        {"manager": 204, "annotator": 204},
    ),
    "refine an object": (
        lambda w, role: ("post", f"/api/objects/{w.mesh.pk}/refine/", None, None),
        {"manager": 202, "annotator": 202},
    ),
    "train a field": (
        lambda w, role: ("post", f"/api/captures/{w.ready.pk}/train/", {"preset": "grid-fast"}, "json"),
        {"manager": 202, "annotator": 202},
    ),
    "render labels": (
        lambda w, role: ("post", f"/api/captures/{w.ready.pk}/render/", None, None),
        {"manager": 202, "annotator": 202},
    ),
    "import a field": (
        lambda w, role: ("post", f"/api/captures/{w.ready.pk}/fields/import/", {
            "file": SimpleUploadedFile("run.zip", fake_run_zip(), content_type="application/zip")}, "multipart"),
        {"manager": 202, "annotator": 403},
    ),
    # The ready capture came with its own poses, so a manager is told its scale cannot be set (a 400).
    "set a capture's scale": (
        lambda w, role: ("post", f"/api/captures/{w.ready.pk}/scale/",
                         {"point_a": [0, 0, 0], "point_b": [1, 0, 0], "metres": 2.0}, "json"),
        {"manager": 400, "annotator": 403},
    ),
    "export": (
        lambda w, role: ("post", f"/api/projects/{w.project.pk}/exports/", {"format": "coco", "frames": "all"}, "json"),
        {"manager": 202, "annotator": 202},
    ),
    "start an active-learning round": (
        lambda w, role: ("post", f"/api/projects/{w.project.pk}/al-rounds/", {"method": "random", "batch_size": 2}, "json"),
        {"manager": 202, "annotator": 403},
    ),
    "make a batch": (
        lambda w, role: ("post", f"/api/projects/{w.project.pk}/batches/",
                         {"frames": [w.frames[1].pk], "assignees": ["annotator"]}, "json"),
        {"manager": 201, "annotator": 403},
    ),
    "delete a batch": (
        lambda w, role: ("delete", f"/api/batches/{w.batch.pk}/", None, None),
        {"manager": 204, "annotator": 403},
    ),
    "assign a batch": (
        lambda w, role: ("post", f"/api/batches/{w.batch.pk}/assign/", {"assignees": ["annotator"]}, "json"),
        {"manager": 200, "annotator": 403},
    ),
    "add a member": (
        lambda w, role: ("post", f"/api/projects/{w.project.pk}/members/", {"username": "outsider", "role": "annotator"}, "json"),
        {"manager": 201, "annotator": 403},
    ),
    "remove a member": (
        lambda w, role: ("delete", f"/api/projects/{w.project.pk}/members/annotator/", None, None),
        {"manager": 204, "annotator": 403},
    ),
    "add a label class": (
        lambda w, role: ("post", f"/api/projects/{w.project.pk}/classes/", {"name": "plate"}, "json"),
        {"manager": 201, "annotator": 403},
    ),
    "change a label class": (
        lambda w, role: ("patch", f"/api/projects/{w.project.pk}/classes/{w.label_class.pk}/", {"color": "#00ff00"}, "json"),
        {"manager": 200, "annotator": 403},
    ),
    "delete a label class no object uses": (
        lambda w, role: ("delete", f"/api/projects/{w.project.pk}/classes/{w.spare_class.pk}/", None, None),
        {"manager": 204, "annotator": 403},
    ),
    "delete a label class objects use": (
        lambda w, role: ("delete", f"/api/projects/{w.project.pk}/classes/{w.label_class.pk}/", None, None),
        {"manager": 409, "annotator": 403},
    ),
    "cancel one's own job": (
        lambda w, role: ("post", f"/api/jobs/{w.job_by[role].pk}/cancel/", None, None),
        {"manager": 202, "annotator": 202},
    ),
    "cancel another member's job": (
        lambda w, role: ("post", f"/api/jobs/{w.job_by[OTHER[role]].pk}/cancel/", None, None),
        {"manager": 202, "annotator": 403},
    ),
}


def _send(api, method, url, body, fmt):
    return getattr(api, method)(url, body, format=fmt) if body is not None else getattr(api, method)(url)


@pytest.mark.parametrize("role", ["manager", "annotator", "outsider"])
@pytest.mark.parametrize("action", list(POLICY))
def test_role_policy(action, role, world, manager_api, annotator_api, outsider_api):
    request, expected = POLICY[action]
    api = {"manager": manager_api, "annotator": annotator_api, "outsider": outsider_api}[role]
    method, url, body, fmt = request(world, "annotator" if role == "outsider" else role)
    response = _send(api, method, url, body, fmt)
    want = expected.get(role, 404)
    assert response.status_code == want, (action, role, response.content[:300])
    if want == 403:
        assert "manager" in response.json()["error"]


def test_re_ingesting_a_ready_capture_keeps_its_review_work(world, manager_api, manager, annotator):
    """The reported loss: reviews, batch items and labels of a ready capture's frames survive the refusal."""
    Review.objects.create(frame=world.frames[0], reviewer=annotator, decision="accepted")
    response = manager_api.post(f"/api/captures/{world.ready.pk}/ingest/")
    assert response.status_code == 409
    error = response.json()["error"]
    assert "kitchen" in error and "is ready" in error and "upload the archive as a new capture" in error
    assert (Review.objects.count(), BatchFrame.objects.count(), FrameLabel.objects.count()) == (1, 1, 3)
    assert not Job.objects.filter(kind=JobKind.INGEST).exists()


def test_a_failed_capture_with_review_work_is_not_re_ingested(world, manager_api, annotator):
    """Belt and braces: whatever its status, a capture whose frames carry reviews is never re-ingested."""
    frame = _frames(world.failed, 1)[0]
    Review.objects.create(frame=frame, reviewer=annotator, decision="accepted")
    response = manager_api.post(f"/api/captures/{world.failed.pk}/ingest/")
    assert response.status_code == 409 and "1 reviews" in response.json()["error"]
    assert Frame.objects.filter(capture=world.failed).count() == 1


def test_an_annotator_cannot_cancel_a_managers_round_and_is_told_who_can(world, annotator_api):
    job = world.job_by["manager"]
    response = annotator_api.post(f"/api/jobs/{job.pk}/cancel/")
    assert response.status_code == 403
    assert response.json()["error"] == (
        f"Job {job.pk} (active-learning round) was started by manager; only they or a manager of this "
        "project can cancel it."
    )
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and not job.cancel_requested


def test_deleting_a_batch_keeps_its_frames_and_reviews(world, manager_api, annotator):
    Review.objects.create(frame=world.frames[0], reviewer=annotator, decision="accepted")
    response = manager_api.delete(f"/api/batches/{world.batch.pk}/")
    assert response.status_code == 204
    assert not Batch.objects.filter(pk=world.batch.pk).exists() and not BatchFrame.objects.exists()
    assert (Frame.objects.filter(capture=world.ready).count(), Review.objects.count()) == (3, 1)


def test_a_label_class_in_use_is_not_deleted_and_the_refusal_says_why(world, manager_api):
    response = manager_api.delete(f"/api/projects/{world.project.pk}/classes/{world.label_class.pk}/")
    assert response.status_code == 409
    assert response.json()["error"] == (
        "Class 'mug' is used by 2 object(s); delete those objects or give them another class first."
    )
    assert SceneObject.objects.filter(label_class=world.label_class).count() == 2
