"""A semi-supervised active-learning round through the API on a real worker (PostgreSQL, Redis, Celery)."""
import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from annotate.models import Frame
from annotate.services.projects import create_project
from annotate.services.review import review_frame
from tests.annotate.scenes import exact_scene_capture
from tests.fixtures.worker import wait_for_job

pytestmark = pytest.mark.integration


def test_a_round_that_learns_from_unlabelled_frames_runs_on_a_worker(celery_worker_process, transactional_db,
                                                                     tmp_path):
    lead = get_user_model().objects.create_user("lead", password="pw")
    project = create_project(name="Semi-supervised", user=lead)
    capture, _ = exact_scene_capture(project, lead, tmp_path, n_frames=8)
    api = APIClient()
    api.force_authenticate(lead)
    job = wait_for_job(api, api.post(f"/api/captures/{capture.pk}/render/").json()["id"])
    assert job["status"] == "succeeded", job["error"]
    for frame in Frame.objects.filter(capture=capture, index__lt=3):
        review_frame(frame=frame, user=lead, decision="accepted")
    url = f"/api/projects/{project.pk}/al-rounds/"

    refused = api.post(url, {"method": "coreset", "semi_supervised": "sometimes"}, format="json")
    assert refused.status_code == 400 and "semi_supervised" in refused.json()["detail"]

    started = api.post(url, {"method": "coreset", "batch_size": 2, "train_steps": 5, "semi_supervised": True},
                       format="json")
    assert started.status_code == 202, started.json()
    job = wait_for_job(api, started.json()["id"], timeout_s=300)
    assert job["status"] == "succeeded", job["error"]
    assert job["result"]["semi_supervised"] is True and job["result"]["labelled_frames"] == 3
    al_round = api.get(f"/api/al-rounds/{job['result']['round']}/").json()
    assert al_round["metrics"]["semi_supervised"] is True
    assert al_round["metrics"]["unlabelled_frames"] == 5  # the pool's 8 - 3 accepted frames went into training
    assert al_round["reason"] == ("A manager chose coreset for this round, the model also learning from the "
                                  "frames nobody labelled yet")
    assert [p["rank"] for p in al_round["picks"]] == [1, 2] and al_round["model_version"] == 1

    # Left to the method, entropy (single-sample uncertainty) trains on labelled frames only.
    job = wait_for_job(api, api.post(url, {"method": "entropy", "batch_size": 2, "train_steps": 5},
                                     format="json").json()["id"], timeout_s=300)
    assert job["status"] == "succeeded", job["error"]
    assert job["result"]["semi_supervised"] is False and job["result"]["model_version"] == "tiny-unet-v2"
    assert api.get(f"/api/al-rounds/{job['result']['round']}/").json()["metrics"]["unlabelled_frames"] == 0
