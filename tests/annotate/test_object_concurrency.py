"""Many annotators editing the same objects at once: every edit is applied (200) or refused (409), never a 500.

The edits go through the real HTTP stack (URL routing, DRF, the exception handler) on PostgreSQL, each
thread with its own database connection, so an edit really waits on another's row lock.
"""
import threading
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.test import APIClient

from annotate.models import Capture, CaptureStatus, Role
from annotate.services.projects import create_label_class, create_project, set_membership
from annotate.services.scene_objects import create_object

ANNOTATORS = 24
EDITS_PER_ANNOTATOR = 5
OBJECTS = 2

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (set DATABASE_URL)"
)


@pytest.fixture
def crowded_scene(transactional_db):
    """A capture with a few objects and many annotators (each a different user, so ``updated_by`` moves)."""
    users = get_user_model().objects
    lead = users.create_user("lead")
    project = create_project(name="Crowded", user=lead)
    annotators = []
    for number in range(ANNOTATORS):
        annotator = users.create_user(f"annotator{number}")
        set_membership(project=project, username=annotator.username, role=Role.ANNOTATOR)
        annotators.append(annotator)
    capture = Capture.objects.create(project=project, name="scene", status=CaptureStatus.READY)
    mug = create_label_class(project=project, name="mug")
    objects = [
        create_object(capture=capture, user=lead, label_class=mug.pk, center=[0, 0, 0], size=[1, 1, 1])
        for _ in range(OBJECTS)
    ]
    return annotators, objects


def _edit_repeatedly(user, object_ids, start, outcomes, number):
    client = APIClient()
    client.force_authenticate(user)
    try:
        start.wait()
        for edit in range(EDITS_PER_ANNOTATOR):
            url = f"/api/objects/{object_ids[(number + edit) % len(object_ids)]}/"
            version = client.get(url).json()["version"]
            response = client.patch(url, {"version": version, "center": [number, edit, 0.5]}, format="json")
            outcomes.append((response.status_code, response.json()))
    finally:
        connection.close()


def test_concurrent_edits_of_the_same_objects_answer_200_or_409(crowded_scene):
    annotators, objects = crowded_scene
    object_ids = [obj.pk for obj in objects]
    start = threading.Barrier(ANNOTATORS)
    outcomes = []
    threads = [
        threading.Thread(target=_edit_repeatedly, args=(user, object_ids, start, outcomes, number))
        for number, user in enumerate(annotators)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(outcomes) == ANNOTATORS * EDITS_PER_ANNOTATOR
    statuses = Counter(status for status, _ in outcomes)
    unexpected = [(status, body) for status, body in outcomes if status not in (200, 409)]
    assert not unexpected, f"{statuses}: {unexpected[:3]}"
    assert statuses[200] > 0 and statuses[409] > 0, statuses
    for status, body in outcomes:
        if status == 409:
            assert "was changed by annotator" in body["error"], body
            assert body["current"]["object"]["version"] > 1
    # Every applied edit raised the version by exactly one: none was lost or applied twice.
    final_versions = sum(client_version["version"] for client_version in (
        _fresh_payload(annotators[0], pk) for pk in object_ids))
    assert final_versions == OBJECTS + statuses[200]


def _fresh_payload(user, object_id):
    client = APIClient()
    client.force_authenticate(user)
    return client.get(f"/api/objects/{object_id}/").json()
