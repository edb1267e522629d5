"""Setting the metric scale of a capture posed by SfM: poses, sparse points and boxes scale together.

The capture here is a real ingested one whose world is then shrunk 4 times and marked as SfM leaves it
(units arbitrary, sparse points stored): a known distance must bring back exactly the true poses.
"""
import io

import numpy as np
import pytest
from django.core.files.storage import default_storage

from annotate.errors import UserFacingError
from annotate.models import Capture, FieldModel, FrameLabel, Job, JobKind, JobStatus
from annotate.services.capture_scale import stale_field_reason
from annotate.services.exports import export_format
from annotate.services.labels import start_render
from annotate.services.projects import create_label_class
from annotate.services.scene_objects import create_object
from annotate.sparse_points import read_sparse_points, store_sparse_points
from nerf_labeling.fields.preview import PLY_VERTEX

SFM_UNIT = 0.25  # one SfM unit is 4 metres: the world below is 4 times too small
GROUND = np.array([[x, y, 0.0] for x in np.linspace(-1, 1, 5) for y in np.linspace(-1, 1, 5)])


@pytest.fixture
def unscaled(tiny_capture):
    """``(capture, true poses)``: the tiny capture as SfM would leave it, in units 4 times too small."""
    capture = tiny_capture
    truth = {frame.pk: np.array(frame.camera_to_world) for frame in capture.frames.all()}
    for frame in capture.frames.all():
        pose = np.array(frame.camera_to_world)
        pose[:3, 3] *= SFM_UNIT
        frame.camera_to_world = pose.tolist()
        frame.save(update_fields=["camera_to_world"])
    key = store_sparse_points(capture, GROUND * SFM_UNIT, np.full((len(GROUND), 3), 200, np.uint8))
    capture.metadata = {"units": "arbitrary", "sfm": {"registered": 10, "sparse_points": key}}
    capture.source_format = "sfm-photos"
    capture.save(update_fields=["metadata", "source_format"])
    return capture, truth


def _scale(api, capture, body):
    return api.post(f"/api/captures/{capture.pk}/scale/", body, format="json")


def test_a_known_distance_scales_poses_points_and_boxes_together(unscaled, manager, manager_api):
    capture, truth = unscaled
    mug = create_label_class(project=capture.project, name="mug")
    box = create_object(capture=capture, user=manager, label_class=mug.pk, center=[0.1, 0.05, 0.02], size=[0.02, 0.03, 0.04])
    assert manager_api.get(f"/api/captures/{capture.pk}/").json()["units"] == "arbitrary"

    # two ground points 2 m apart in truth: (-1, 0, 0) and (1, 0, 0), 0.5 apart in SfM units
    response = _scale(manager_api, capture, {"point_a": [-0.25, 0, 0], "point_b": [0.25, 0, 0], "metres": 2.0})

    assert response.status_code == 200, response.json()
    assert response.json() == {"units": "metric", "factor": 4.0, "frames": 10, "objects": 1, "stale_fields": []}
    assert manager_api.get(f"/api/captures/{capture.pk}/").json()["units"] == "metric"
    for frame in capture.frames.all():
        np.testing.assert_allclose(frame.camera_to_world, truth[frame.pk], atol=1e-9)
    xyz, rgb = read_sparse_points(Capture.objects.get(pk=capture.pk))
    np.testing.assert_allclose(xyz, GROUND, atol=1e-6)
    assert (rgb == 200).all()
    box.refresh_from_db()
    np.testing.assert_allclose(np.array(box.object_to_world)[:3, 3], [0.4, 0.2, 0.08])
    np.testing.assert_allclose(box.size, [0.08, 0.12, 0.16])
    assert box.version == 2


def test_a_reference_box_side_sets_the_scale(unscaled, manager, manager_api):
    capture, truth = unscaled
    mug = create_label_class(project=capture.project, name="mug")
    yawed = [[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    box = create_object(capture=capture, user=manager, label_class=mug.pk, center=[0, 0, 0.05], size=[0.1, 0.025, 0.1], rotation=yawed)

    response = _scale(manager_api, capture, {"object_id": box.pk, "axis": "y", "metres": 0.1})

    assert response.status_code == 200, response.json()
    assert response.json()["factor"] == pytest.approx(4.0)
    frame = capture.frames.first()
    np.testing.assert_allclose(frame.camera_to_world, truth[frame.pk], atol=1e-9)


def test_a_field_trained_before_the_scale_is_stale_and_labels_refuse_it(unscaled, manager, manager_api):
    capture, _ = unscaled
    old = FieldModel.objects.create(capture=capture, backend="voxel", preset="fast", checkpoint="fields/old.pt")
    assert stale_field_reason(old) is None

    response = _scale(manager_api, capture, {"point_a": [0, 0, 0], "point_b": [0, 0.25, 0], "metres": 1.0})

    assert response.json()["stale_fields"] == [old.pk]
    old = FieldModel.objects.get(pk=old.pk)
    assert "trained before the capture's scale was set" in stale_field_reason(old)
    with pytest.raises(UserFacingError, match="Train the capture again"):
        start_render(capture=Capture.objects.get(pk=capture.pk), user=manager)
    retrained = FieldModel.objects.create(capture=capture, backend="voxel", preset="fast", checkpoint="fields/new.pt")
    assert stale_field_reason(retrained) is None


def test_kitti_and_bop_refuse_unscaled_captures_and_coco_does_not(unscaled, project, manager_api):
    capture, _ = unscaled
    create_label_class(project=project, name="mug")
    kitti = manager_api.post(f"/api/projects/{project.pk}/exports/", {"format": "kitti"}, format="json")
    assert kitti.status_code == 400 and "have no scale yet ('tiny')" in kitti.json()["error"], kitti.json()
    assert export_format("bop").needs_metric  # BOP asks first for object meshes, which block a scale change
    coco = manager_api.post(f"/api/projects/{project.pk}/exports/", {"format": "coco"}, format="json")
    assert "no rendered labels" in coco.json()["error"]  # refused only for what it lacks: labels

    _scale(manager_api, capture, {"point_a": [0, 0, 0], "point_b": [0, 0.25, 0], "metres": 1.0})
    kitti = manager_api.post(f"/api/projects/{project.pk}/exports/", {"format": "kitti"}, format="json")
    assert "no rendered labels" in kitti.json()["error"]


def test_scaled_sparse_points_go_to_a_new_file_and_the_old_one_goes_only_on_commit(
    unscaled, manager_api, django_capture_on_commit_callbacks
):
    capture, _ = unscaled
    old_key = capture.metadata["sfm"]["sparse_points"]

    with django_capture_on_commit_callbacks(execute=False) as on_commit:
        _scale(manager_api, capture, {"point_a": [-0.25, 0, 0], "point_b": [0.25, 0, 0], "metres": 2.0})
    new_key = Capture.objects.get(pk=capture.pk).metadata["sfm"]["sparse_points"]
    assert new_key != old_key and default_storage.exists(new_key)
    with default_storage.open(old_key, "rb") as old:  # what a rollback would still name, untouched
        np.testing.assert_allclose(np.load(io.BytesIO(old.read()))["xyz"], GROUND * SFM_UNIT, atol=1e-6)

    for callback in on_commit:
        callback()
    assert not default_storage.exists(old_key) and default_storage.exists(new_key)


def test_labels_rendered_before_the_scale_are_refused_by_kitti_and_not_by_coco(unscaled, project, manager_api):
    capture, _ = unscaled
    create_label_class(project=project, name="mug")
    for frame in capture.frames.all():  # rendered labels, in the units SfM left
        FrameLabel.objects.create(frame=frame, data=f"labels/{frame.pk}.npz")

    _scale(manager_api, capture, {"point_a": [0, 0, 0], "point_b": [0, 0.25, 0], "metres": 1.0})
    kitti = manager_api.post(f"/api/projects/{project.pk}/exports/", {"format": "kitti"}, format="json")
    assert kitti.status_code == 400
    assert (f"labels of 'tiny' ({capture.frames.count()} frames) were rendered before the capture's scale was set"
            in kitti.json()["error"]), kitti.json()
    coco = manager_api.post(f"/api/projects/{project.pk}/exports/", {"format": "coco"}, format="json")
    assert coco.status_code == 202, coco.json()


@pytest.mark.parametrize(
    "body, status, words",
    [
        ({"point_a": [0, 0, 0], "point_b": [0, 0, 0], "metres": 1.0}, 400, "the same point"),
        ({"point_a": [0, 0, 0], "metres": 1.0}, 400, "either point_a and point_b, or object_id and axis"),
        ({"point_a": [0, 0, 0], "point_b": [1, 0, 0], "metres": -2}, 400, "metres"),
        ({"object_id": 999999, "axis": "x", "metres": 1.0}, 400, "is not an object of capture"),
    ],
)
def test_bad_scale_requests_get_clear_errors(unscaled, manager_api, body, status, words):
    capture, _ = unscaled
    response = _scale(manager_api, capture, body)
    assert response.status_code == status and words in str(response.json()), response.json()
    assert Capture.objects.get(pk=capture.pk).units == "arbitrary"


def test_the_scale_is_refused_while_a_job_runs_for_annotators_and_for_captures_with_their_own_poses(
    unscaled, tiny_capture, project, manager, manager_api, annotator_api
):
    capture, _ = unscaled
    body = {"point_a": [0, 0, 0], "point_b": [0, 0.25, 0], "metres": 1.0}
    assert _scale(annotator_api, capture, body).status_code == 403
    job = Job.objects.create(kind=JobKind.TRAIN, target=f"capture:{capture.pk}", project=project, status=JobStatus.RUNNING)
    running = _scale(manager_api, capture, body)
    assert running.status_code == 409 and f"#{job.pk}" in running.json()["error"]
    Capture.objects.filter(pk=capture.pk).update(source_format="nerfstudio")
    Job.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED)
    own_poses = _scale(manager_api, capture, body)
    assert own_poses.status_code == 400 and "did not get its poses from structure-from-motion" in own_poses.json()["error"]


def test_sparse_points_are_served_as_the_preview_ply(unscaled, annotator_api, outsider_api, project):
    capture, _ = unscaled
    response = annotator_api.get(f"/api/captures/{capture.pk}/sparse-points/")

    assert response.status_code == 200
    header, body = response.content.split(b"end_header\n", 1)
    assert header.startswith(b"ply\nformat binary_little_endian 1.0\nelement vertex 25\n")
    vertices = np.frombuffer(body, dtype=PLY_VERTEX)
    np.testing.assert_allclose(np.stack([vertices[a] for a in "xyz"], axis=1), GROUND * SFM_UNIT, atol=1e-6)
    assert (vertices["red"] == 200).all()
    assert outsider_api.get(f"/api/captures/{capture.pk}/sparse-points/").status_code == 404
    posed = Capture.objects.create(project=project, name="posed", status="ready")
    missing = annotator_api.get(f"/api/captures/{posed.pk}/sparse-points/")
    assert missing.status_code == 404 and "only captures posed by SfM" in missing.json()["error"]


@pytest.mark.parametrize("start", ["training", "render"])
def test_a_job_started_during_a_scale_change_waits_for_it(transactional_db, project, manager, start):
    """A scale change holds the capture's row while it moves the poses and marks fields stale: a training or
    a render started meanwhile waits for it to commit, so it never works from poses half in the old units."""
    import threading
    import time

    from django.db import connections, transaction

    from annotate.models import CaptureStatus
    from annotate.services.training import start_training

    capture = Capture.objects.create(project=project, name="walk", status=CaptureStatus.READY)
    FieldModel.objects.create(capture=capture, backend="voxel-grid", preset="grid-fast", checkpoint="x.pt")
    locked, release = threading.Event(), threading.Event()

    def hold_like_a_scale_change():
        try:
            with transaction.atomic():
                Capture.objects.select_for_update().get(pk=capture.pk)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_like_a_scale_change)
    holder.start()
    assert locked.wait(10)
    threading.Timer(1.0, release.set).start()
    began = time.monotonic()
    if start == "training":
        start_training(capture=capture, user=manager)
    else:
        start_render(capture=capture, user=manager, allow_poor_field=True)
    waited = time.monotonic() - began
    holder.join()
    assert waited >= 0.9
