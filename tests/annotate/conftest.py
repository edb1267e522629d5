"""Fixtures for the Django app: users with roles, a project, API clients, capture archives."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from annotate.models import Capture, CaptureStatus, Frame, Role
from annotate.services.projects import create_project, set_membership
from tests.annotate.archives import write_capture_dir, zip_dir


@pytest.fixture
def manager(db):
    return get_user_model().objects.create_user("manager", password="pw-manager")


@pytest.fixture
def annotator(db):
    return get_user_model().objects.create_user("annotator", password="pw-annotator")


@pytest.fixture
def outsider(db):
    return get_user_model().objects.create_user("outsider", password="pw-outsider")


@pytest.fixture
def project(manager, annotator):
    project = create_project(name="Kitchen", user=manager)
    set_membership(project=project, username=annotator.username, role=Role.ANNOTATOR)
    return project


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def manager_api(manager):
    return _client(manager)


@pytest.fixture
def annotator_api(annotator):
    return _client(annotator)


@pytest.fixture
def outsider_api(outsider):
    return _client(outsider)


@pytest.fixture
def capture_dir(tmp_path):
    return write_capture_dir(tmp_path / "capture")


@pytest.fixture
def capture_zip(capture_dir) -> bytes:
    return zip_dir(capture_dir)


@pytest.fixture
def tiny_capture(project, manager, tmp_path):
    """An ingested 10-frame capture at 32x24: enough to train a field in seconds."""
    from django.core.files.base import ContentFile

    from annotate.services.captures import create_capture
    from annotate.tasks import ingest_capture_task

    data = zip_dir(write_capture_dir(tmp_path / "scene", n_frames=10, width=32, height=24))
    capture, job = create_capture(project=project, user=manager, name="tiny", archive=ContentFile(data, name="s.zip"))
    ingest_capture_task(job.id)
    capture.refresh_from_db()
    return capture


@pytest.fixture
def capture(tiny_capture):
    return tiny_capture


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def frames(project):
    """Five frames of a ready capture in ``project``, with no files behind them (for reviews and batches)."""
    capture = Capture.objects.create(project=project, name="seq", status=CaptureStatus.READY)
    return [
        Frame.objects.create(
            capture=capture, index=i, file_name=f"{i}.png", image="x.png", thumbnail="x.jpg", width=4,
            height=3, fx=1, fy=1, cx=2, cy=1.5, camera_to_world=[[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]],
        )
        for i in range(5)
    ]
