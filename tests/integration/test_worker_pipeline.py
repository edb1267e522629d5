"""The labeling vertical on a real worker: render labels, run an active-learning round, export a dataset."""
import io
import zipfile

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from annotate.services.projects import create_project
from tests.annotate.scenes import exact_scene_capture
from tests.fixtures.worker import wait_for_job

pytestmark = pytest.mark.integration


@pytest.fixture
def lead(transactional_db):
    return get_user_model().objects.create_user("lead", password="pw")


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_render_round_batch_and_export_through_the_api_on_a_worker(celery_worker_process, lead, tmp_path):
    project = create_project(name="Vertical", user=lead)
    capture, _ = exact_scene_capture(project, lead, tmp_path, n_frames=8)
    api = _api(lead)

    render = api.post(f"/api/captures/{capture.pk}/render/")
    assert render.status_code == 202
    assert api.post(f"/api/captures/{capture.pk}/render/").status_code == 409  # the same job again
    job = wait_for_job(api, render.json()["id"])
    assert job["status"] == "succeeded", job["error"]
    assert job["result"]["rendered"] == 8

    frames = api.get(f"/api/captures/{capture.pk}/frames/").json()["results"]
    labels = api.get(frames[0]["labels_url"]).json()
    assert labels["stale"] is False and labels["objects"]

    started = api.post(f"/api/projects/{project.pk}/al-rounds/", {"method": "auto", "batch_size": 3, "train_steps": 5},
                       format="json")
    assert started.status_code == 202, started.json()
    job = wait_for_job(api, started.json()["id"], timeout_s=300)
    assert job["status"] == "succeeded", job["error"]
    al_round = api.get(f"/api/al-rounds/{job['result']['round']}/").json()
    assert al_round["method"] in ("random", "coreset") and al_round["reason"]
    assert [p["rank"] for p in al_round["picks"]] == [1, 2, 3]

    batch = api.post(f"/api/projects/{project.pk}/batches/", {"al_round": al_round["id"], "assignees": ["lead"]},
                     format="json").json()
    queued = api.post(f"/api/batches/{batch['id']}/next/").json()
    assert queued["id"] == al_round["picks"][0]["frame"]
    assert api.post(f"/api/frames/{queued['id']}/review/", {"decision": "accepted"}).status_code == 200

    export = api.post(f"/api/projects/{project.pk}/exports/", {"format": "coco", "frames": "accepted"}, format="json")
    assert export.status_code == 202, export.json()
    job = wait_for_job(api, export.json()["id"])
    assert job["status"] == "succeeded", job["error"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(api.get(job["artifact_url"]).streaming_content)))
    assert any(name.endswith(".json") for name in archive.namelist())
    assert job["result"]["frames"] == 1
