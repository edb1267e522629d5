"""The reviewer's and manager's day (issue 13): a double-clicked "Make batch" makes one batch; a reject
note is there when the frame is reopened; the end of a batch is a friendly "Batch finished", not an
error. (Deleting a capture after confirming: test_delete_and_export.py.)"""
import time

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]


def _round_with_picks(project_id: int, capture_id: int, picks: int) -> int:
    """An active-learning round as a finished job leaves it: ranked picks of the demo frames."""
    from annotate.models import ActiveLearningRound, Frame, FrameScore

    al_round = ActiveLearningRound.objects.create(
        project_id=project_id, requested_method="random", method="random", reason="test picks", batch_size=picks)
    for rank, frame in enumerate(Frame.objects.filter(capture_id=capture_id).order_by("index")[:picks], start=1):
        FrameScore.objects.create(al_round=al_round, frame=frame, score=1.0 / rank, rank=rank, reason="picked")
    return al_round.pk


def test_a_double_clicked_make_batch_makes_one_batch(app_page, demo):
    page = app_page.page
    round_id = _round_with_picks(demo["project"], demo["capture"], picks=3)
    app_page.login("demo-manager", f"/app/projects/{demo['project']}/dashboard")
    round_view = page.locator(f".round[data-round='{round_id}']")
    round_view.locator("input[placeholder='Batch name']").fill("double click")
    round_view.locator("label:has-text('Top N') input").fill("3")
    round_view.get_by_role("button", name="Make batch").dblclick()
    expect(round_view.locator(".ok")).to_contain_text("3 frames")
    time.sleep(1.0)  # a second request, had one been sent, has answered by now
    expect(round_view.locator("[role=alert]")).to_have_count(0)
    batches = app_page.api("GET", f"/api/projects/{demo['project']}/batches/")["body"]["results"]
    assert [b["name"] for b in batches] == ["double click"]
    expect(page.locator(".batch", has_text="double click")).to_have_count(1)


def test_a_reject_note_is_shown_when_the_frame_is_reopened(app_page, demo):
    page = app_page.page
    app_page.login("demo-annotator", f"/app/captures/{demo['capture']}/review")
    page.click(".tile[data-index='3']")
    detail = page.locator(".frame-detail")
    frame_id = int(detail.get_attribute("data-frame"))
    detail.locator("textarea").fill("left edge is motion-blurred")
    detail.get_by_role("button", name="Reject").click()
    expect(page.locator(f".tile[data-frame='{frame_id}'] .review-status")).to_have_text("rejected")

    page.reload()
    page.click(f".tile[data-frame='{frame_id}']")
    last_review = page.locator(".frame-detail").get_by_test_id("last-review")
    expect(last_review).to_contain_text("left edge is motion-blurred")
    expect(last_review).to_contain_text("demo-annotator")
    expect(last_review).to_contain_text("rejected")
    latest = app_page.api("GET", f"/api/frames/{frame_id}/")["body"]["latest_review"]
    assert (latest["decision"], latest["note"], latest["reviewer"]) == ("rejected", "left edge is motion-blurred", "demo-annotator")
    app_page.shot("review-note-reopened")


def test_finishing_a_batch_says_batch_finished_not_an_error(app_page, demo):
    from django.contrib.auth import get_user_model

    from annotate.models import Frame, Project
    from annotate.services.review import create_batch

    page = app_page.page
    frames = list(Frame.objects.filter(capture_id=demo["capture"]).order_by("index").values_list("pk", flat=True)[:2])
    batch = create_batch(project=Project.objects.get(pk=demo["project"]), user=get_user_model().objects.get(username="demo-manager"),
                         name="last two", frame_ids=frames, assignees=["demo-annotator"])
    app_page.login("demo-annotator", f"/app/captures/{demo['capture']}/review?batch={batch.pk}")
    page.get_by_role("button", name="Next frame for me").click()
    detail = page.locator(".frame-detail")
    expect(detail).to_have_attribute("data-frame", str(frames[0]))
    detail.get_by_role("button", name="Accept").click()
    expect(detail).to_have_attribute("data-frame", str(frames[1]))  # the queue brings the next frame by itself
    expect(page.get_by_test_id("batch-finished")).to_have_count(0)
    detail.get_by_role("button", name="Accept").click()
    finished = page.get_by_test_id("batch-finished")
    expect(finished).to_contain_text("Batch finished")
    expect(page.locator(".review-page [role=alert]")).to_have_count(0)
    app_page.shot("review-batch-finished")


def test_an_annotator_lands_on_my_tasks_and_start_opens_their_next_frame(app_page, demo):
    from django.contrib.auth import get_user_model

    from annotate.models import Frame
    from annotate.services.review import create_batch

    page = app_page.page
    manager = get_user_model().objects.get(username="demo-manager")
    first_three = list(Frame.objects.filter(capture_id=demo["capture"]).order_by("index")[:3])
    batch = create_batch(project=first_three[0].capture.project, user=manager, name="kitchen pass",
                         frame_ids=[f.pk for f in first_three], assignees=["demo-annotator"])

    app_page.login("demo-annotator")  # logging in lands in the app, on the landing page
    task = page.locator(f".my-tasks .task[data-batch='{batch.pk}']")
    expect(task).to_contain_text("kitchen pass")
    expect(task).to_contain_text("0/3 done")
    task.get_by_role("button", name="Start").click()

    page.wait_for_url(f"**/app/captures/{demo['capture']}/review?batch={batch.pk}")
    detail = page.locator(".frame-detail")
    expect(detail).to_have_attribute("data-frame", str(first_three[0].pk))
    detail.get_by_role("button", name="Accept").click()
    expect(detail).to_have_attribute("data-frame", str(first_three[1].pk))  # the batch's next frame for them

    page.goto(f"{demo['url']}/app/")
    expect(task).to_contain_text("1/3 done")
    expect(task.get_by_role("button", name="Continue")).to_be_enabled()
