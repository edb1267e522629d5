"""An annotator sees no manager-only controls (members, classes, starting rounds, making or assigning
batches) on the project page and the dashboard; a manager sees them all."""
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import VIEWPORT, AppPage

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]

MANAGER_ONLY = {
    "project": [".members form", ".members button:has-text('remove')", ".classes form"],
    "dashboard": [".start-round", "button:has-text('Start round')", ".batch .assign"],
}


def visible_controls(app: AppPage, path: str, selectors: list[str]) -> dict[str, int]:
    app.open(path)
    app.page.wait_for_load_state("networkidle")
    return {selector: app.page.locator(selector).count() for selector in selectors}


def test_annotator_sees_no_manager_controls(app_page, browser, demo):
    manager = app_page
    manager.login("demo-manager", f"/app/projects/{demo['project']}")
    frames = manager.api("GET", f"/api/captures/{demo['capture']}/frames/?limit=2")["body"]["results"]
    made = manager.api("POST", f"/api/projects/{demo['project']}/batches/",
                       {"name": "two frames", "frames": [f["id"] for f in frames], "assignees": ["demo-annotator"]})
    assert made["status"] == 201, made
    pages = {"project": f"/app/projects/{demo['project']}", "dashboard": f"/app/projects/{demo['project']}/dashboard"}

    annotator = AppPage(browser.new_context(viewport=VIEWPORT).new_page(), demo["url"])
    annotator.login("demo-annotator", pages["project"])
    for name, path in pages.items():
        assert visible_controls(annotator, path, MANAGER_ONLY[name]) == {s: 0 for s in MANAGER_ONLY[name]}, name
    expect(annotator.page.locator(".batch", has_text="two frames")).to_contain_text("assigned: demo-annotator")
    annotator.shot("dashboard-annotator")
    annotator.page.context.close()
    assert not annotator.errors

    for name, path in pages.items():
        counts = visible_controls(manager, path, MANAGER_ONLY[name])
        assert all(counts.values()), f"the manager misses controls on the {name} page: {counts}"
