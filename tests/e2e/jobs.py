"""Waiting in the browser for a job panel to finish, failing with the job's own error message."""
from playwright.sync_api import Page

JOB_TIMEOUT_MS = 240_000


def wait_for_job_end(page: Page, scope: str, timeout_ms: int = JOB_TIMEOUT_MS) -> tuple[str | None, list[str]]:
    """Wait until the last job panel inside ``scope`` ends, or an error shows there.

    Answers the job's status and the texts of the alerts shown in ``scope``.
    """
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
    jobs = root.locator(".job")
    status = jobs.last.get_attribute("data-job-status") if jobs.count() else None
    return status, root.locator("[role=alert]").all_inner_texts()


def wait_for_job_panel(page: Page, scope: str, timeout_ms: int = JOB_TIMEOUT_MS) -> None:
    """Wait until the last job panel inside ``scope`` ends, or an error shows there; assert success."""
    status, alerts = wait_for_job_end(page, scope, timeout_ms)
    assert not alerts, f"{scope} shows an error: {alerts}"
    assert status == "succeeded", f"job in {scope} ended {status}: {page.locator(scope).locator('.job').last.inner_text()}"
