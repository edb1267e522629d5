"""Training from the scene page: the job's progress bar and loss curve grow while it runs; cancel stops it."""
import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]


def test_training_shows_its_curve_and_can_be_cancelled(app_page, demo):
    page = app_page.page
    app_page.login("demo-annotator", f"/app/captures/{demo['capture']}/scene")
    page.select_option("select[aria-label=Preset]", "grid-default")
    page.get_by_role("button", name="Train").click()
    job = page.locator(".training .job")
    expect(job).to_have_attribute("data-job-status", "running", timeout=60_000)
    page.wait_for_selector(".training .loss-chart svg.chart circle", timeout=120_000)
    assert float(job.locator("[role=progressbar]").get_attribute("aria-valuenow")) > 0
    app_page.shot("scene-training")
    job.get_by_role("button", name="Cancel").click()
    expect(job).to_have_attribute("data-job-status", "cancelled", timeout=60_000)
    expect(job.get_by_role("button", name="Cancel")).to_have_count(0)
