"""Waiting in the browser for a job panel to finish, failing with the job's own error message."""
from playwright.sync_api import Page

JOB_TIMEOUT_MS = 240_000


def wait_for_job_panel(page: Page, scope: str, timeout_ms: int = JOB_TIMEOUT_MS) -> None:
    """Wait until the job panel inside ``scope`` ends; assert it succeeded, showing its error if not."""
    panel = page.locator(f"{scope} .job").last
    page.wait_for_function(
        "(sel) => { const el = [...document.querySelectorAll(sel)].pop(); return el && !['queued','running','loading'].includes(el.dataset.jobStatus); }",
        arg=f"{scope} .job", timeout=timeout_ms,
    )
    status = panel.get_attribute("data-job-status")
    assert status == "succeeded", f"job in {scope} ended {status}: {panel.inner_text()}"
