"""Rounds that rank frames with the 3D detector (scoring_model "detection3d"): the service refuses pairs of
method and scoring model that do not go together, naming the ones that do; a round needs rendered labels;
and a round through the API (PostgreSQL, the task run in this process) trains mmdet3d's PointPillars on
the accepted frames' pseudo-LiDAR scans, ranks the pool with reasons, stores the detector, and the next
round continues from it. tests/integration/test_detection_round_worker.py runs one on a real worker.
"""
import numpy as np
import pytest

pytest.importorskip("mmdet3d")

from annotate.adapters import detection_sample
from annotate.errors import UserFacingError
from annotate.models import ActiveLearningRound, Frame, Job, SceneObject, ScoringModel
from annotate.selectors import read_frame_labels
from annotate.services.active_learning import start_round
from annotate.services.labels import start_render
from annotate.services.review import review_frame
from annotate.tasks import active_learning_round_task, render_labels_task
from tests.annotate.scenes import exact_scene_capture

#: training steps per round: enough to run mmdet3d's whole training loop (a step takes 1-5 s on a CPU)
TRAIN_STEPS = 2


@pytest.fixture
def capture(project, manager, tmp_path):
    capture, _ = exact_scene_capture(project, manager, tmp_path, n_frames=6)
    return capture


@pytest.fixture
def rendered(capture, manager):
    render_labels_task(start_render(capture=capture, user=manager).id)
    return capture


def _accept(capture, manager, n: int) -> None:
    for frame in Frame.objects.filter(capture=capture, index__lt=n):
        review_frame(frame=frame, user=manager, decision="accepted")


def _stored_detector(row: ScoringModel):
    from active.models.detection3d import DetectionModel

    with row.weights.open("rb") as handle:
        return DetectionModel.from_bytes(handle.read())


def _assert_trained_further(project, newer: ScoringModel, older: ScoringModel) -> None:
    """``newer``'s weights are ``older``'s trained TRAIN_STEPS more on the accepted frames (training is
    deterministic on a CPU), not fresh weights trained as much."""
    from active.models.detection3d import DetectionModel
    from annotate.selectors import labelled_frames

    config = _stored_detector(older).config
    class_ids = sorted(project.label_classes.values_list("class_id", flat=True))
    class_index = {class_id: index for index, class_id in enumerate(class_ids)}
    samples = [detection_sample(frame, class_index=class_index) for frame in labelled_frames(project)]
    continued = _stored_detector(older).fit(samples, steps=TRAIN_STEPS)
    fresh = DetectionModel(config, DetectionModel.untrained(config).state_dict, older.version).fit(
        samples, steps=TRAIN_STEPS)
    stored = _stored_detector(newer).state_dict
    gap = {name: float((stored[name].float() - continued.state_dict[name].float()).abs().max()) for name in stored}
    fresh_gap = max(float((stored[n].float() - fresh.state_dict[n].float()).abs().max()) for n in stored)
    assert max(gap.values()) < 1e-5 < fresh_gap, (max(gap.values()), fresh_gap)


def _run(job_id: int) -> Job:
    active_learning_round_task(job_id)
    return Job.objects.get(pk=job_id)


def _points_inside(points: np.ndarray, box: np.ndarray, margin: float = 0.02) -> int:
    """How many points lie inside ``box`` ([x, y, z_bottom, l, w, h, yaw], lidar frame), ignoring a
    band of 5 cm above its bottom (where the ground's points are)."""
    x, y, z_bottom, length, width, height, yaw = box
    offset = points[:, :2] - (x, y)
    along = offset @ (np.cos(yaw), np.sin(yaw))
    across = offset @ (-np.sin(yaw), np.cos(yaw))
    up = points[:, 2] - z_bottom
    return int(np.count_nonzero((np.abs(along) <= length / 2 + margin) & (np.abs(across) <= width / 2 + margin)
                                & (up >= 0.05) & (up <= height + margin)))


def test_a_frame_becomes_a_pseudo_lidar_scan_with_the_boxes_of_the_objects_it_sees(rendered, project):
    frame = Frame.objects.filter(capture=rendered).order_by("index").first()
    labels = read_frame_labels(frame)
    classes = dict(project.label_classes.values_list("class_id", "name"))
    class_index = {class_id: index for index, class_id in enumerate(sorted(classes))}
    sample = detection_sample(frame, class_index=class_index)
    seen = [obj for obj in labels.objects if obj.visible_pixels > 0]
    assert sample.sample_id == str(frame.pk) and len(seen) >= 2
    assert len(sample.points) == np.count_nonzero(labels.depth > 0)  # a small frame keeps every pixel
    assert np.all(sample.points[:, 0] > 0) and 0 <= sample.points[:, 3].min() < sample.points[:, 3].max() <= 1
    assert [sorted(classes)[i] for i in sample.labels] == [obj.class_id for obj in seen]
    for box in sample.boxes:  # each box holds the scan's points on its object: points and boxes share axes
        assert _points_inside(sample.points, box) >= 5

    thinned = detection_sample(frame, class_index=None, max_points=len(sample.points) // 4)
    assert len(thinned.points) <= len(sample.points) // 4 + 64 and len(thinned.boxes) == 0 == len(thinned.labels)


@pytest.mark.parametrize("options, message", [
    ({"method": "coreset", "scoring_model": "detection3d"},
     "coreset ranks frames with the segmentation model only; with the detection3d model choose one of auto, "
     "random, detection_entropy."),
    ({"method": "detection_entropy"},
     "detection_entropy ranks frames with the detection3d model only; with the segmentation model choose one of "
     "auto, random, entropy, equal, bald, coreset."),
    ({"scoring_model": "lidar"}, "Unknown scoring model 'lidar'; choose one of segmentation, detection3d."),
    ({"scoring_model": "detection3d", "detector_size": "huge"},
     "Unknown detector size 'huge'; choose one of small, base."),
    ({"method": "boxiness", "scoring_model": "detection3d"},
     "Unknown method 'boxiness'; choose one of auto, random, detection_entropy."),
    ({"scoring_model": "detection3d", "semi_supervised": True},
     "Learning from unlabelled frames is for the segmentation model only; leave semi_supervised empty for a "
     "detection3d round."),
    ({"method": "detection_entropy", "scoring_model": "detection3d"},
     "detection_entropy needs a scoring model trained on accepted frames with labels; accept some frames first, "
     "or use auto or random for the first round."),
])
def test_the_service_refuses_what_does_not_go_together_and_names_what_does(
        capture, project, manager, options, message):
    with pytest.raises(UserFacingError) as refused:
        start_round(project=project, user=manager, **options)
    assert str(refused.value) == message
    assert not Job.objects.filter(kind="al_round").exists()


def test_the_detector_needs_label_classes_and_box_entropy_two_of_them(capture, project, manager):
    SceneObject.objects.filter(capture__project=project).delete()  # their classes are protected
    kept = project.label_classes.order_by("class_id").first()
    project.label_classes.exclude(pk=kept.pk).delete()
    with pytest.raises(UserFacingError, match="detection_entropy needs at least two label classes"):
        start_round(project=project, user=manager, method="detection_entropy", scoring_model="detection3d")
    project.label_classes.all().delete()
    with pytest.raises(UserFacingError, match="The 3D detector learns the project's label classes, and it has none"):
        start_round(project=project, user=manager, scoring_model="detection3d")
    assert not Job.objects.filter(kind="al_round").exists()


def test_the_api_names_the_scoring_models_and_sizes_it_takes(capture, project, manager_api):
    url = f"/api/projects/{project.pk}/al-rounds/"
    refused = manager_api.post(url, {"scoring_model": "lidar"}, format="json")
    assert refused.status_code == 400
    assert "lidar is not a scoring model; choose one of segmentation, detection3d." in str(refused.json())
    refused = manager_api.post(url, {"scoring_model": "detection3d", "detector_size": "huge"}, format="json")
    assert refused.status_code == 400 and "choose one of small, base" in str(refused.json())
    refused = manager_api.post(url, {"method": "bald", "scoring_model": "detection3d"}, format="json")
    assert refused.status_code == 400 and refused.json()["error"].startswith("bald ranks frames with the segmentation")


def test_a_detection_round_on_frames_without_rendered_labels_fails_saying_so(capture, project, manager):
    job = _run(start_round(project=project, user=manager, scoring_model="detection3d", train_steps=TRAIN_STEPS).pk)
    assert job.status == "failed"
    assert job.error.startswith("6 of 6 frames have no rendered labels: render labels first")
    assert not ScoringModel.objects.exists()


@pytest.mark.slow
def test_a_first_detection_round_without_accepted_frames_picks_at_random(rendered, project, manager_api):
    started = manager_api.post(f"/api/projects/{project.pk}/al-rounds/",
                               {"scoring_model": "detection3d", "batch_size": 2, "train_steps": TRAIN_STEPS},
                               format="json")
    assert started.status_code == 202, started.json()
    job = _run(started.json()["id"])
    assert job.status == "succeeded", job.error
    body = manager_api.get(f"/api/al-rounds/{job.result['round']}/").json()
    assert (body["requested_method"], body["method"], body["scoring_model"]) == ("auto", "random", "detection3d")
    assert body["reason"].startswith("No frame is accepted yet, so the detector has nothing to learn from")
    assert body["model_version"] is None and body["redundancy"] is None  # nothing to train on: no model stored
    assert [p["rank"] for p in body["picks"]] == [1, 2]
    assert not ScoringModel.objects.exists()


@pytest.mark.slow
def test_a_detection_round_trains_the_detector_ranks_by_box_entropy_and_the_next_continues(
        rendered, project, manager, manager_api):
    _accept(rendered, manager, 3)
    url = f"/api/projects/{project.pk}/al-rounds/"
    body = {"scoring_model": "detection3d", "batch_size": 2, "train_steps": TRAIN_STEPS}
    first = _run(manager_api.post(url, body, format="json").json()["id"])
    assert first.status == "succeeded", first.error
    assert first.result["method"] == "detection_entropy" and first.result["model_version"] == "pointpillars-v1"
    assert first.result["reason"].startswith("The detector learns from 3 accepted frames")
    al_round = manager_api.get(f"/api/al-rounds/{first.result['round']}/").json()
    assert al_round["scoring_model"] == "detection3d" and al_round["model_version"] == 1
    metrics = al_round["metrics"]
    assert metrics["labelled_frames"] == 3 and metrics["labelled_boxes"] > 0 and metrics["detector_size"] == "small"
    assert metrics["train_steps"] == TRAIN_STEPS and metrics["final_loss"] > 0 and metrics["train_seconds"] > 0
    assert [p["rank"] for p in al_round["picks"]] == [1, 2]
    assert all(p["reason"] for p in al_round["picks"])
    # every frame still to label is scored (box entropy scores each), the picks highest
    scores = ActiveLearningRound.objects.get(pk=al_round["id"]).scores
    assert scores.count() == 3 and min(p["score"] for p in al_round["picks"]) >= scores.filter(
        rank__isnull=True).values_list("score", flat=True).first()
    detector = ScoringModel.objects.get(kind="detection3d")
    assert detector.version == 1 and detector.weights.name.endswith("pointpillars-v1.pt") and detector.weights.size

    # The next round trains the same detector further: its version rises, a fresh start keeps counting.
    second = _run(manager_api.post(url, {**body, "method": "random", "detector_size": "small"},
                                   format="json").json()["id"])
    assert second.status == "succeeded", second.error
    assert second.result["model_version"] == "pointpillars-v2"
    _assert_trained_further(project, ScoringModel.objects.get(kind="detection3d", version=2), detector)
    assert second.result["reason"] == (
        "A manager chose random for this round, the detector learning from 3 accepted frames")
    third = _run(manager_api.post(url, {**body, "from_scratch": True}, format="json").json()["id"])
    assert third.status == "succeeded", third.error
    assert third.result["model_version"] == "pointpillars-v3"
    assert list(ScoringModel.objects.filter(kind="detection3d").values_list("version", flat=True)) == [3, 2, 1]

    # The segmentation model numbers its own versions: its first round makes version 1 beside the detectors.
    segmentation = _run(manager_api.post(url, {"method": "random", "batch_size": 2, "train_steps": 1},
                                         format="json").json()["id"])
    assert segmentation.status == "succeeded", segmentation.error
    assert manager_api.get(f"/api/al-rounds/{segmentation.result['round']}/").json()["scoring_model"] == "segmentation"
    assert ScoringModel.objects.get(kind="segmentation").version == 1
