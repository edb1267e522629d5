"""A 3D-detection active-learning round through the API and the CLI on a real worker (PostgreSQL, Redis,
Celery): mmdet3d's PointPillars trains on the accepted frames' pseudo-LiDAR scans in the worker process,
the pool is ranked by box entropy with reasons, and the next round continues from the stored detector."""
import io

import pytest

pytest.importorskip("mmdet3d")
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.test import APIClient

from annotate.models import Frame, ScoringModel
from annotate.services.projects import create_project
from annotate.services.review import review_frame
from tests.annotate.scenes import exact_scene_capture
from tests.fixtures.worker import wait_for_job

pytestmark = pytest.mark.integration


def test_a_detection_round_runs_on_a_worker_and_the_next_continues_from_its_detector(
        celery_worker_process, transactional_db, tmp_path):
    lead = get_user_model().objects.create_user("lead", password="pw")
    project = create_project(name="Boxes in 3D", user=lead)
    capture, _ = exact_scene_capture(project, lead, tmp_path, n_frames=6)
    api = APIClient()
    api.force_authenticate(lead)
    url = f"/api/projects/{project.pk}/al-rounds/"
    body = {"scoring_model": "detection3d", "batch_size": 2, "train_steps": 2}

    unrendered = wait_for_job(api, api.post(url, body, format="json").json()["id"])
    assert unrendered["status"] == "failed"
    assert unrendered["error"].startswith("6 of 6 frames have no rendered labels: render labels first")

    job = wait_for_job(api, api.post(f"/api/captures/{capture.pk}/render/").json()["id"])
    assert job["status"] == "succeeded", job["error"]
    for frame in Frame.objects.filter(capture=capture, index__lt=3):
        review_frame(frame=frame, user=lead, decision="accepted")
    methods = api.get("/api/acquisition-functions/").json()["methods"]
    assert [m["name"] for m in methods if "detection3d" in m["scoring_models"]] == [
        "auto", "random", "detection_entropy"]

    started = api.post(url, {**body, "method": "detection_entropy"}, format="json")
    assert started.status_code == 202, started.json()
    job = wait_for_job(api, started.json()["id"], timeout_s=300)
    assert job["status"] == "succeeded", job["error"]
    assert job["result"]["model_version"] == "pointpillars-v1" and job["result"]["labelled_frames"] == 3
    al_round = api.get(f"/api/al-rounds/{job['result']['round']}/").json()
    assert (al_round["method"], al_round["scoring_model"], al_round["model_version"]) == (
        "detection_entropy", "detection3d", 1)
    assert [p["rank"] for p in al_round["picks"]] == [1, 2]
    assert all("rank" in p["reason"] for p in al_round["picks"])  # box entropy's reasons place each pick
    assert ScoringModel.objects.get(kind="detection3d").version == 1

    # The CLI starts the next round on the same worker; it trains the stored detector further.
    out = io.StringIO()
    call_command("al_round", project.name, "--scoring-model", "detection3d", "--batch", "2", "--train-steps", "2",
                 "--wait", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "Method: detection_entropy (The detector learns from 3 accepted frames" in text
    assert "detection3d model version 2" in text
    assert list(ScoringModel.objects.filter(kind="detection3d").values_list("version", flat=True)) == [2, 1]
