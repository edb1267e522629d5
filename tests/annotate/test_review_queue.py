"""Reviews, batches and the next-frame queue: two annotators never get the same frame."""
import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import close_old_connections
from django.utils import timezone
from rest_framework.test import APIClient

from annotate.models import BatchFrame, Frame, Role
from annotate.services.projects import set_membership
from annotate.services.review import LOCK_TIMEOUT, create_batch, next_frame, review_frame


@pytest.fixture
def second_annotator(project):
    user = get_user_model().objects.create_user("annotator2", password="pw")
    set_membership(project=project, username="annotator2", role=Role.ANNOTATOR)
    return user


def test_reviews_set_the_frame_status_and_a_rejection_needs_a_note(frames, annotator_api):
    url = f"/api/frames/{frames[0].pk}/review/"
    assert annotator_api.post(url, {"decision": "accepted"}).json()["review_status"] == "accepted"
    refused = annotator_api.post(url, {"decision": "rejected"})
    assert refused.status_code == 400 and "note" in refused.json()["error"]
    assert annotator_api.post(url, {"decision": "rejected", "note": "mask misses the handle"}).status_code == 200
    assert Frame.objects.get(pk=frames[0].pk).review_status == "rejected"
    listed = annotator_api.get(f"/api/captures/{frames[0].capture_id}/frames/?review_status=rejected").json()
    assert [f["id"] for f in listed["results"]] == [frames[0].pk]


def test_only_managers_make_batches_and_assignees_must_be_members(project, frames, manager_api, annotator_api, outsider):
    url = f"/api/projects/{project.pk}/batches/"
    body = {"name": "first", "frames": [f.pk for f in frames[:3]], "assignees": ["annotator"]}
    assert annotator_api.post(url, body, format="json").status_code == 403
    created = manager_api.post(url, body, format="json")
    assert created.status_code == 201 and created.json()["progress"]["total"] == 3
    bad = manager_api.post(url, {**body, "assignees": ["outsider"]}, format="json")
    assert bad.status_code == 400 and "not a member" in bad.json()["error"]
    assert manager_api.post(url, {"frames": [999999]}, format="json").status_code == 400


def test_the_queue_hands_frames_in_order_locks_them_and_skips_reviewed_ones(
    project, frames, manager, annotator, second_annotator
):
    batch = create_batch(project=project, user=manager, name="b", frame_ids=[f.pk for f in frames[:3]],
                         assignees=["annotator", "annotator2"])
    first = next_frame(batch=batch, user=annotator)
    assert first.frame_id == frames[0].pk
    assert next_frame(batch=batch, user=annotator).pk == first.pk  # asked again: the same held frame
    other = next_frame(batch=batch, user=second_annotator)
    assert other.frame_id == frames[1].pk
    review_frame(frame=frames[0], user=annotator, decision="accepted")
    assert next_frame(batch=batch, user=annotator).frame_id == frames[2].pk
    review_frame(frame=frames[2], user=annotator, decision="accepted")
    assert next_frame(batch=batch, user=annotator) is None


def test_an_unassigned_user_gets_no_frames(project, frames, manager, manager_api):
    batch = create_batch(project=project, user=manager, name="b", frame_ids=[frames[0].pk], assignees=["annotator"])
    response = manager_api.post(f"/api/batches/{batch.pk}/next/")
    assert response.status_code == 403 and "not assigned" in response.json()["error"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_never_get_the_same_frame(project, frames, manager, annotator, second_annotator):
    batch = create_batch(project=project, user=manager, name="race", frame_ids=[f.pk for f in frames],
                         assignees=["annotator", "annotator2"])
    results, barrier = {}, threading.Barrier(2)

    def ask(user):
        close_old_connections()
        barrier.wait()
        results[user.username] = next_frame(batch=batch, user=user).frame_id
        close_old_connections()

    threads = [threading.Thread(target=ask, args=(u,)) for u in (annotator, second_annotator)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results.values())) == 2


def test_batch_progress_counts_reviews_per_annotator(project, frames, manager, annotator, manager_api):
    batch = create_batch(project=project, user=manager, name="b", frame_ids=[f.pk for f in frames[:2]],
                         assignees=["annotator"])
    review_frame(frame=frames[0], user=annotator, decision="accepted")
    body = manager_api.get(f"/api/batches/{batch.pk}/").json()
    assert body["progress"]["done"] == 1
    assert body["progress"]["by_annotator"]["annotator"] == {"reviewed": 1, "holding": 0}
    assert [f["done"] for f in body["frames"]] == [True, False]


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_frame_locked_to_another_annotator_is_refused_naming_who_holds_it(
    project, frames, manager, annotator, second_annotator
):
    batch = create_batch(project=project, user=manager, name="Round 3", frame_ids=[frames[0].pk], assignees=["annotator"])
    held = next_frame(batch=batch, user=annotator)
    until = timezone.localtime(held.locked_at + LOCK_TIMEOUT)
    response = _client(second_annotator).post(f"/api/frames/{frames[0].pk}/review/", {"decision": "accepted"})
    assert response.status_code == 409
    assert response.json()["error"] == (
        f"Frame 0 is being reviewed by annotator (batch 'Round 3') until {until:%H:%M} UTC; "
        "ask a manager to reassign it."
    )
    assert response.json()["current"]["lock"]["locked_by"] == "annotator"
    assert Frame.objects.get(pk=frames[0].pk).review_status == "pending"
    assert BatchFrame.objects.get(pk=held.pk).locked_by_id == annotator.pk
    assert _client(annotator).post(f"/api/frames/{frames[0].pk}/review/", {"decision": "accepted"}).status_code == 200


def test_a_manager_overrides_the_lock_and_a_stale_lock_binds_nobody(project, frames, manager, annotator, second_annotator):
    batch = create_batch(project=project, user=manager, name="b", frame_ids=[f.pk for f in frames[:2]],
                         assignees=["annotator"])
    first = next_frame(batch=batch, user=annotator)
    assert _client(manager).post(f"/api/frames/{frames[0].pk}/review/", {"decision": "accepted"}).status_code == 200
    first.refresh_from_db()
    assert (first.done, first.locked_by_id) == (True, None)

    second = next_frame(batch=batch, user=annotator)
    BatchFrame.objects.filter(pk=second.pk).update(locked_at=timezone.now() - LOCK_TIMEOUT - timedelta(minutes=1))
    late = _client(second_annotator).post(f"/api/frames/{frames[1].pk}/review/", {"decision": "fixed"})
    assert late.status_code == 200 and late.json()["review_status"] == "fixed"


def test_the_queue_skips_a_frame_locked_to_someone_in_another_batch(project, frames, manager, annotator, second_annotator):
    first = create_batch(project=project, user=manager, name="a", frame_ids=[frames[0].pk], assignees=["annotator"])
    overlapping = create_batch(project=project, user=manager, name="b", frame_ids=[frames[0].pk, frames[1].pk],
                               assignees=["annotator2"])
    assert next_frame(batch=first, user=annotator).frame_id == frames[0].pk
    assert next_frame(batch=overlapping, user=second_annotator).frame_id == frames[1].pk


def test_reassigning_a_batch_releases_the_frames_its_former_assignees_held(
    project, frames, manager, annotator, second_annotator, manager_api
):
    batch = create_batch(project=project, user=manager, name="b", frame_ids=[frames[0].pk], assignees=["annotator"])
    next_frame(batch=batch, user=annotator)
    assert manager_api.post(f"/api/batches/{batch.pk}/assign/", {"assignees": ["annotator2"]}, format="json").status_code == 200
    assert next_frame(batch=batch, user=second_annotator).frame_id == frames[0].pk
    assert _client(second_annotator).post(f"/api/frames/{frames[0].pk}/review/", {"decision": "accepted"}).status_code == 200


def test_the_frame_api_returns_the_latest_review_with_its_note(frames, annotator_api):
    frame = frames[0]
    assert annotator_api.get(f"/api/frames/{frame.pk}/").json()["latest_review"] is None
    annotator_api.post(f"/api/frames/{frame.pk}/review/", {"decision": "accepted"})
    answer = annotator_api.post(f"/api/frames/{frame.pk}/review/", {"decision": "rejected", "note": "  motion blur "})
    assert answer.json()["latest_review"]["note"] == "motion blur"
    latest = annotator_api.get(f"/api/frames/{frame.pk}/").json()["latest_review"]
    assert (latest["decision"], latest["note"], latest["reviewer"]) == ("rejected", "motion blur", "annotator")
    assert latest["created_at"]
    listed = annotator_api.get(f"/api/captures/{frame.capture_id}/frames/").json()["results"]
    by_id = {f["id"]: f["latest_review"] for f in listed}
    assert by_id[frame.pk]["note"] == "motion blur" and by_id[frames[1].pk] is None


def test_the_same_batch_made_twice_in_a_row_is_refused_naming_the_first(project, frames, manager_api):
    url = f"/api/projects/{project.pk}/batches/"
    body = {"name": "round 1 top 3", "frames": [f.pk for f in frames[:3]], "assignees": ["annotator"]}
    first = manager_api.post(url, body, format="json")
    assert first.status_code == 201
    repeated = manager_api.post(url, body, format="json")
    assert repeated.status_code == 409, repeated.json()
    assert "round 1 top 3" in repeated.json()["error"]
    assert repeated.json()["current"]["batch"]["id"] == first.json()["id"]
    assert manager_api.get(url).json()["count"] == 1
    other_frames = manager_api.post(url, {**body, "frames": [f.pk for f in frames[2:]]}, format="json")
    assert other_frames.status_code == 201


def test_an_identical_batch_is_fine_once_the_first_is_no_longer_recent(project, frames, manager):
    from annotate.models import Batch
    from annotate.services.review import REPEATED_BATCH_WINDOW

    ids = [f.pk for f in frames[:2]]
    first = create_batch(project=project, user=manager, name="b", frame_ids=ids)
    Batch.objects.filter(pk=first.pk).update(created_at=timezone.now() - REPEATED_BATCH_WINDOW - timedelta(seconds=1))
    assert create_batch(project=project, user=manager, name="b", frame_ids=ids).pk != first.pk
