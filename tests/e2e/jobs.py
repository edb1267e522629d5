"""Waiting in the browser for a job panel to finish, failing with the job's own error message."""
from playwright.sync_api import Page

JOB_TIMEOUT_MS = 240_000


def wait_for_job_panel(page: Page, scope: str, timeout_ms: int = JOB_TIMEOUT_MS) -> None:
    """Wait until the last job panel inside ``scope`` ends, or an error shows there; assert success."""
    page.wait_for_function(
        """(scope) => {
            const root = document.querySelector(scope);
            if (!root) return false;
            if (root.querySelector('[role=alert]')) return true;
            const job = [...root.querySelectorAll('.job')].pop();
            return job && !['queued', 'running', 'loading'].includes(job.dataset.jobStatus);
        }""",
        arg=scope, timeout=timeout_ms,
    )
    root = page.locator(scope)
    alerts = root.locator("[role=alert]")
    assert alerts.count() == 0, f"{scope} shows an error: {alerts.all_inner_texts()}"
    status = root.locator(".job").last.get_attribute("data-job-status")
    assert status == "succeeded", f"job in {scope} ended {status}: {root.locator('.job').last.inner_text()}"
