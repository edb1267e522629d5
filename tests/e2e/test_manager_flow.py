"""A manager runs an active-learning round, makes a batch from its picks and assigns it; the annotator
works the batch; the manager sees the progress per annotator."""
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import VIEWPORT, AppPage
from tests.e2e.jobs import wait_for_job_panel

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]


def test_round_batch_review_progress(app_page, browser, demo):
    page = app_page.page
    app_page.login("demo-manager", f"/app/projects/{demo['project']}/dashboard")
    page.select_option("select[aria-label=Method]", "auto")
    page.fill("label:has-text('Batch size') input", "4")
    page.get_by_role("button", name="Start round").click()
    wait_for_job_panel(page, ".dashboard")
    round_view = page.locator(".round")
    expect(round_view.locator(".policy")).to_contain_text("auto →")
    assert round_view.locator(".reason").inner_text().strip(), "auto must say why it chose its method"
    expect(round_view.locator(".pick")).to_have_count(4)
    page.wait_for_function("() => [...document.querySelectorAll('.pick img')].every((i) => i.complete && i.naturalWidth > 0)")

    round_view.locator("input[placeholder='Batch name']").fill("first look")
    round_view.locator("label:has-text('Top N') input").fill("2")
    round_view.locator(".assignees label", has_text="demo-annotator").locator("input").check()
    round_view.get_by_role("button", name="Make batch").click()
    expect(round_view.locator(".ok")).to_contain_text("2 frames")
    batch = page.locator(".batch", has_text="first look")
    expect(batch).to_contain_text("0/2 done")
    batch_id = int(batch.get_attribute("data-batch"))
    app_page.shot("dashboard")

    annotator = AppPage(browser.new_context(viewport=VIEWPORT).new_page(), demo["url"])
    annotator.login("demo-annotator", f"/app/captures/{demo['capture']}/review?batch={batch_id}")
    expect(annotator.page.get_by_test_id("gallery-count")).to_have_text("2 frames")
    annotator.page.get_by_role("button", name="Next frame for me").click()
    first = annotator.page.locator(".frame-detail").get_attribute("data-frame")
    annotator.page.get_by_role("button", name="Accept").click()
    expect(annotator.page.locator(f".tile[data-frame='{first}'] .review-status")).to_have_text("accepted")
    detail = annotator.page.locator(".frame-detail")
    expect(detail).not_to_have_attribute("data-frame", first)  # the batch's next frame comes up by itself
    expect(detail.locator(".review-status")).to_have_text("pending")
    annotator.shot("review-batch")
    annotator.page.context.close()
    assert not annotator.errors

    page.reload()
    progress = page.locator(".batch", has_text="first look")
    expect(progress).to_contain_text("1/2 done")
    expect(progress.locator("[data-annotator=demo-annotator]")).to_contain_text("1 reviewed")
