"""The broker is down when a job starts: the job fails saying so, the API answers 503, the upload is kept,
and once the broker is back the same capture is ingested by a real worker."""
import pytest
from celery import Celery, _state
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from annotate.models import Capture, Job, JobStatus
from annotate.services.projects import create_project
from config.celery import app as project_app
from tests.annotate.archives import write_capture_dir, zip_dir
from tests.fixtures.worker import wait_for_job

pytestmark = pytest.mark.integration

#: Nothing listens on port 1: every connection is refused at once.
CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def manager_api(transactional_db):
    user = get_user_model().objects.create_user("lead", password="pw")
    project = create_project(name="Scenes", user=user)
    client = APIClient()
    client.force_authenticate(user)
    client.project = project
    return client


@pytest.fixture
def broker_down():
    """A real Celery app whose broker is a closed port, current while the test needs the broker down.

    ``broker_write_url`` is set because ``CELERY_BROKER_URL`` in the environment wins over ``broker_url``.
    """
    previous = _state.get_current_app()
    down = Celery("raylabel-broker-down", set_as_current=False)
    down.conf.broker_write_url = CLOSED_PORT_BROKER
    down.set_current()
    yield down
    previous.set_current()
    down.close()


def _upload(api, capture_dir):
    return api.post(
        f"/api/projects/{api.project.pk}/captures/",
        {"file": SimpleUploadedFile("scene.zip", zip_dir(capture_dir), content_type="application/zip")},
        format="multipart",
    )


def test_an_upload_while_the_broker_is_down_fails_its_job_keeps_the_archive_and_can_be_retried(
    celery_worker_process, manager_api, broker_down, tmp_path
):
    capture_dir = write_capture_dir(tmp_path / "scene", n_frames=4)
    upload = _upload(manager_api, capture_dir)
    assert upload.status_code == 503, upload.content
    assert "the task queue is unreachable" in upload.json()["error"]

    capture = Capture.objects.get(project=manager_api.project)
    assert f"capture {capture.pk}" in upload.json()["error"]
    job = Job.objects.get(target=f"capture:{capture.pk}")
    assert job.status == JobStatus.FAILED and "the task queue is unreachable" in job.error
    assert capture.archive and default_storage.exists(capture.archive.name)

    # While the broker is still down a retry fails the same way, and does not answer 409.
    refused = manager_api.post(f"/api/captures/{capture.pk}/ingest/")
    assert refused.status_code == 503 and "the task queue is unreachable" in refused.json()["error"]

    project_app.set_current()  # the broker is back
    retry = manager_api.post(f"/api/captures/{capture.pk}/ingest/")
    assert retry.status_code == 202, retry.json()
    finished = wait_for_job(manager_api, retry.json()["id"])
    assert finished["status"] == "succeeded", finished["error"] or celery_worker_process.log_path.read_text()
    assert finished["result"]["frames"] == 4
    assert Job.objects.filter(target=f"capture:{capture.pk}", status=JobStatus.FAILED).count() == 2
