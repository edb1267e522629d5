"""Exporting from the export page as a user does: pick the format and the frames, export, download."""
from pathlib import Path

from tests.e2e.jobs import wait_for_job_panel


def export_and_download(page, base_url: str, project: int, format_name: str, frames: str, folder: Path) -> Path:
    """Export ``frames`` (an option of the Frames select, e.g. "accepted" or "batch:3") of ``project`` as
    ``format_name`` and download the zip into ``folder``; answers its path."""
    page.goto(f"{base_url}/app/projects/{project}/export")
    page.select_option("select[aria-label=Format]", format_name)
    page.select_option("select[aria-label=Frames]", frames)
    page.get_by_role("button", name="Export", exact=True).click()
    wait_for_job_panel(page, ".export-page")
    with page.expect_download() as download_info:
        page.locator(".job a.download").click()
    path = folder / download_info.value.suggested_filename
    download_info.value.save_as(path)
    return path
