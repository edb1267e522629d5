"""A job started elsewhere (here through the API, before the page was opened) is listed on the project
page with a cancel button, and cancelling it there stops it on the worker."""
import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]


def test_a_running_job_started_elsewhere_can_be_cancelled_from_the_project_page(app_page, demo):
    page = app_page.page
    app_page.login("demo-annotator", f"/app/projects/{demo['project']}")
    started = app_page.api("POST", f"/api/captures/{demo['capture']}/train/", {"preset": "grid-default"})
    assert started["status"] == 202, started
    job_id = started["body"]["id"]

    app_page.open(f"/app/projects/{demo['project']}")
    job = page.locator(f".active-jobs .job[data-job='{job_id}']")
    expect(job).to_contain_text("Training", timeout=30_000)
    expect(job).to_have_attribute("data-job-status", "running", timeout=60_000)
    job.get_by_role("button", name="Cancel").click()

    page.wait_for_function(
        """async (id) => (await (await fetch(`/api/jobs/${id}/`)).json()).status === "cancelled" """,
        arg=job_id, timeout=60_000, polling=500,
    )
    expect(job).to_have_count(0, timeout=30_000)
