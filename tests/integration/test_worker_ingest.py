"""Upload through the API, a real worker ingests over Redis, the frames are readable through the API."""
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from rest_framework.test import APIClient

from annotate.services.projects import create_project
from tests.annotate.archives import write_capture_dir, zip_dir
from tests.fixtures.worker import wait_for_job

pytestmark = pytest.mark.integration


@pytest.fixture
def manager_api(transactional_db):
    user = get_user_model().objects.create_user("lead", password="pw")
    create_project(name="Scenes", user=user)
    client = APIClient()
    client.force_authenticate(user)
    return client


def _upload(api, capture_dir):
    project_id = api.get("/api/projects/").json()["results"][0]["id"]
    return api.post(
        f"/api/projects/{project_id}/captures/",
        {"file": SimpleUploadedFile("scene.zip", zip_dir(capture_dir), content_type="application/zip")},
        format="multipart",
    )


def test_a_worker_ingests_an_uploaded_capture_and_its_frames_are_served(
    celery_worker_process, manager_api, tmp_path
):
    capture_dir = write_capture_dir(tmp_path / "scene", n_frames=5)
    upload = _upload(manager_api, capture_dir)
    assert upload.status_code == 202, upload.json()
    job = wait_for_job(manager_api, upload.json()["job"]["id"])
    assert job["status"] == "succeeded", job["error"] or celery_worker_process.log_path.read_text()
    assert job["attempts"] == 1 and job["result"]["frames"] == 5

    frames = manager_api.get(f"/api/captures/{upload.json()['capture']['id']}/frames/").json()
    assert [f["index"] for f in frames["results"]] == [0, 1, 2, 3, 4]
    image = manager_api.get(frames["results"][4]["image_url"])
    assert b"".join(image.streaming_content) == (capture_dir / frames["results"][4]["file_name"]).read_bytes()


def test_a_broken_upload_fails_on_the_worker_with_its_reason(celery_worker_process, manager_api, tmp_path):
    capture_dir = write_capture_dir(tmp_path / "scene", n_frames=3)
    (capture_dir / "images" / "frame_00001.png").write_bytes(b"not a png")
    upload = _upload(manager_api, capture_dir).json()
    job = wait_for_job(manager_api, upload["job"]["id"])
    assert job["status"] == "failed" and "frame_00001.png" in job["error"]
    capture = manager_api.get(f"/api/captures/{upload['capture']['id']}/").json()
    assert capture["status"] == "failed" and capture["frame_count"] == 0


def test_import_capture_command_waits_for_the_worker(celery_worker_process, manager_api, tmp_path):
    capture_dir = write_capture_dir(tmp_path / "scene", n_frames=3)
    out, err = io.StringIO(), io.StringIO()
    call_command("import_capture", str(capture_dir), "--project", "Scenes", "--wait", stdout=out, stderr=err)
    capture_id = int(out.getvalue().strip())
    frames = manager_api.get(f"/api/captures/{capture_id}/frames/").json()
    assert frames["count"] == 3
    assert "Ingested 3 frames" in err.getvalue()


def test_a_job_whose_worker_is_killed_ends_failed_not_running_forever(
    celery_worker_process, manager_api, tmp_path, settings
):
    import os
    import signal
    import time

    capture_dir = write_capture_dir(tmp_path / "scene", n_frames=10, width=32, height=24)
    upload = _upload(manager_api, capture_dir).json()
    wait_for_job(manager_api, upload["job"]["id"])
    train = manager_api.post(f"/api/captures/{upload['capture']['id']}/train/", {"preset": "grid-default"}, format="json")
    assert train.status_code == 202
    job_url = f"/api/jobs/{train.json()['id']}/"
    deadline = time.monotonic() + 120
    while manager_api.get(job_url).json()["status"] != "running" and time.monotonic() < deadline:
        time.sleep(0.3)
    os.kill(celery_worker_process.pid, signal.SIGKILL)
    celery_worker_process.wait(timeout=30)

    settings.RAYLABEL_JOB_HEARTBEAT_TIMEOUT_S = 3
    time.sleep(4)
    job = manager_api.get(job_url).json()
    assert job["status"] == "failed" and "stopped responding" in job["error"]
    # It can be started again at once.
    assert manager_api.post(f"/api/captures/{upload['capture']['id']}/train/", format="json").status_code == 202
