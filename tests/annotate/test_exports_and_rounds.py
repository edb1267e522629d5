"""Exports and active-learning rounds on a project whose labels come from an exact field."""
import io
import json
import zipfile

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from annotate.models import ActiveLearningRound, Frame, Job
from annotate.selectors import read_frame_labels
from annotate.services.labels import start_render
from annotate.services.review import review_frame
from annotate.tasks import active_learning_round_task, export_dataset_task, render_labels_task
from tests.annotate.scenes import exact_scene_capture


@pytest.fixture
def labelled(project, manager, tmp_path):
    capture, truth = exact_scene_capture(project, manager, tmp_path, n_frames=10)
    job = start_render(capture=capture, user=manager)
    render_labels_task(job.id)
    return capture, truth


def _run(task, job_id) -> Job:
    task(job_id)
    job = Job.objects.get(pk=job_id)
    assert job.status == "succeeded", job.error
    return job


@pytest.mark.parametrize("fmt", ["coco", "kitti", "nerfstudio", "bop"])
def test_each_format_exports_through_a_job_into_a_downloadable_zip(labelled, project, manager_api, fmt):
    response = manager_api.post(f"/api/projects/{project.pk}/exports/", {"format": fmt}, format="json")
    assert response.status_code == 202, response.json()
    job = _run(export_dataset_task, response.json()["id"])
    assert job.result["frames"] == 10
    download = manager_api.get(f"/api/jobs/{job.pk}/download/")
    assert download.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).namelist()
    assert len(names) > 10


def test_coco_export_masks_equal_the_rendered_masks(labelled, project, manager_api):
    capture, _ = labelled
    job = _run(export_dataset_task, manager_api.post(f"/api/projects/{project.pk}/exports/", {"format": "coco"}, format="json").json()["id"])
    with job.artifact.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    coco = json.loads(archive.read(next(n for n in archive.namelist() if n.endswith(".json") and "instances" in n)))
    frame = capture.frames.get(index=3)
    image = next(i for i in coco["images"] if i["file_name"].endswith("frame_00003.png"))
    labels = read_frame_labels(frame)
    for annotation in (a for a in coco["annotations"] if a["image_id"] == image["id"]):
        decoded = mask_utils.decode(annotation["segmentation"]).astype(bool)
        instance = next(o.instance_id for o in labels.objects
                        if o.visible_pixels == annotation["area"] and np.array_equal(decoded, labels.instance_mask == o.instance_id))
        assert instance >= 1


@pytest.mark.parametrize(
    "body, words",
    [
        ({"format": "yolo"}, "unknown export format 'yolo'"),
        ({"format": "coco", "frames": "accepted"}, "holds no frames"),
        ({"format": "coco", "frames": "batch:12345"}, "not a batch of this project"),
        ({"format": "coco", "options": {"colour": 1}}, "unknown export options"),
    ],
)
def test_bad_export_requests_get_clear_errors(labelled, project, manager_api, body, words):
    response = manager_api.post(f"/api/projects/{project.pk}/exports/", body, format="json")
    assert response.status_code == 400 and words in response.json()["error"], response.json()


def test_bop_needs_object_meshes(project, manager, manager_api, tmp_path):
    # Before labels are rendered no box has its extracted surface yet, and no mesh was uploaded.
    exact_scene_capture(project, manager, tmp_path, n_frames=3)
    response = manager_api.post(f"/api/projects/{project.pk}/exports/", {"format": "bop"}, format="json")
    assert response.status_code == 400 and "needs a mesh" in response.json()["error"]


def test_exporting_frames_without_labels_is_refused(project, manager, manager_api, tmp_path):
    exact_scene_capture(project, manager, tmp_path, n_frames=3)
    response = manager_api.post(f"/api/projects/{project.pk}/exports/", {"format": "coco"}, format="json")
    assert response.status_code == 400 and "3 of the 3 selected frames have no rendered labels" in response.json()["error"]


def test_a_first_round_ranks_the_pool_and_a_batch_is_made_from_it(labelled, project, manager_api):
    response = manager_api.post(f"/api/projects/{project.pk}/al-rounds/", {"method": "coreset", "batch_size": 3, "train_steps": 5}, format="json")
    assert response.status_code == 202, response.json()
    job = _run(active_learning_round_task, response.json()["id"])
    round_body = manager_api.get(f"/api/al-rounds/{job.result['round']}/").json()
    assert [p["rank"] for p in round_body["picks"]] == [1, 2, 3]
    assert all("farthest" in p["reason"] or "nearest" in p["reason"] for p in round_body["picks"])
    batch = manager_api.post(f"/api/projects/{project.pk}/batches/",
                             {"al_round": round_body["id"], "size": 2, "assignees": ["annotator"]}, format="json").json()
    assert [item["frame"] for item in manager_api.get(f"/api/batches/{batch['id']}/").json()["frames"]] == \
        [p["frame"] for p in round_body["picks"][:2]]


def test_uncertainty_needs_accepted_frames_then_trains_and_ranks(labelled, project, manager, manager_api, annotator_api):
    url = f"/api/projects/{project.pk}/al-rounds/"
    refused = manager_api.post(url, {"method": "entropy", "batch_size": 2}, format="json")
    assert refused.status_code == 400 and "accept some frames" in refused.json()["error"]
    assert annotator_api.post(url, {"method": "random"}, format="json").status_code == 403
    capture, _ = labelled
    for frame in Frame.objects.filter(capture=capture, index__lt=4):
        review_frame(frame=frame, user=manager, decision="accepted")
    for method in ("entropy", "equal", "bald", "auto"):
        body = {"method": method, "batch_size": 2, "train_steps": 5}
        job = _run(active_learning_round_task, manager_api.post(url, body, format="json").json()["id"])
        assert job.result["labelled_frames"] == 4 and 0.0 <= job.result["train_miou"] <= 1.0
        al_round = ActiveLearningRound.objects.get(pk=job.result["round"])
        # Single-sample scorers score every pending frame; Coreset (which auto may choose) only its picks.
        assert al_round.scores.count() == (2 if al_round.method == "coreset" else 6)
        assert al_round.scores.filter(rank__isnull=False).count() == 2
        assert al_round.reason
    versions = list(project.scoring_models.order_by("version").values_list("version", flat=True))
    assert versions == [1, 2, 3, 4]  # continuous training: each round's model builds on the last


def test_coco_references_check_the_rendered_labels_worst_frame_first(labelled, project, manager_api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    job = _run(export_dataset_task, manager_api.post(f"/api/projects/{project.pk}/exports/", {"format": "coco"}, format="json").json()["id"])
    with job.artifact.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    coco = json.loads(archive.read("annotations/instances_default.json"))

    def check(data):
        return manager_api.post(f"/api/projects/{project.pk}/coco-check/",
                                {"file": SimpleUploadedFile("refs.json", json.dumps(data).encode())}, format="multipart")

    same = check(coco).json()
    assert len(same["frames"]) == 10 and {row["mean_iou"] for row in same["frames"]} == {1.0}
    # Shift one reference annotation's box-only: drop its mask on frame 3 and that frame comes first.
    image_id = next(i["id"] for i in coco["images"] if i["file_name"].endswith("frame_00003.png"))
    coco["annotations"] = [a for a in coco["annotations"] if not (a["image_id"] == image_id and a["category_id"] == 1)]
    worst = check(coco).json()["frames"][0]
    assert worst["file_name"].endswith("frame_00003.png") and worst["mean_iou"] < 1.0
    broken = check({"images": "nope"})
    assert broken.status_code == 400 and broken.json()["error"]
