"""Uploading a capture through the page (upload bar, then the ingest job), and an autosave that meets a
newer version on the server (409): the page shows theirs against ours and lets the annotator choose."""
import shutil

import pytest
from playwright.sync_api import expect

from tests.e2e.jobs import wait_for_job_panel
from tests.e2e.meshes import CUBE_OBJ
from tests.e2e.scene import place_box

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def capture_zip(tmp_path):
    from nerf_labeling.synthetic import write_synthetic_capture

    root = tmp_path / "tiny-orbit"
    write_synthetic_capture(root, n_frames=4, width=32, height=24)
    return shutil.make_archive(str(root), "zip", root)


def test_upload_capture_with_progress_and_ingest(app_page, demo, capture_zip):
    page = app_page.page
    app_page.login("demo-annotator", f"/app/projects/{demo['project']}")
    page.set_input_files(".upload input[type=file]", capture_zip)
    page.fill(".upload input[placeholder^=Name]", "an uploaded capture with a rather long name that must not break the layout")
    page.get_by_role("button", name="Upload").click()
    page.wait_for_selector(".upload-progress [aria-valuenow='100']")
    wait_for_job_panel(page, ".upload")
    row = page.locator("tr", has_text="an uploaded capture")
    expect(row.locator(".status-ready")).to_be_visible()
    expect(row.locator("td").nth(2)).to_have_text("4")
    app_page.shot("project-uploaded")


def add_box_as_annotator(app_page, demo):
    """Open the demo scene as the annotator and add a box: ``(page, the new object's id)``."""
    page = app_page.page
    app_page.login("demo-annotator", f"/app/captures/{demo['capture']}/scene")
    page.wait_for_selector("text=12 cameras")
    return page, place_box(page)


def test_autosave_conflict_shows_theirs_and_keeps_mine(app_page, demo):
    page, object_id = add_box_as_annotator(app_page, demo)
    page.wait_for_function("() => document.querySelector('[data-save-state]').dataset.saveState === 'saved'")
    theirs = app_page.api("PATCH", f"/api/objects/{object_id}/", {"version": 1, "size": [2.0, 0.5, 0.5]})
    assert theirs["status"] == 200 and theirs["body"]["version"] == 2

    page.fill("[data-testid=size] input[aria-label='Size y']", "0.9")
    page.keyboard.press("Tab")
    conflict = page.locator(".conflict")
    expect(conflict).to_be_visible()
    expect(conflict.locator("tr", has_text="size")).to_contain_text("[2,0.5,0.5]")
    expect(conflict.locator("tr", has_text="size")).to_contain_text("[0.5,0.9,0.5]")
    expect(page.locator("[data-save-state]")).to_have_text("conflict")
    app_page.shot("scene-conflict")

    conflict.get_by_role("button", name="Keep mine").click()
    expect(page.locator("[data-save-state]")).to_have_text("saved", timeout=10_000)
    page.wait_for_timeout(300)
    saved = app_page.api("GET", f"/api/objects/{object_id}/")["body"]
    assert saved["size"] == pytest.approx([0.5, 0.9, 0.5])
    assert saved["version"] == 3


def test_mesh_upload_shows_the_mesh_and_offers_refine(app_page, demo, tmp_path):
    mesh = tmp_path / "cube.obj"
    mesh.write_text(CUBE_OBJ)
    page, object_id = add_box_as_annotator(app_page, demo)
    page.set_input_files(".inspector input[type=file]", str(mesh))
    expect(page.locator(".inspector h3")).to_contain_text("mesh")
    page.wait_for_function(
        "(id) => { const n = window.raylabelViewer.objects.get(id); return n && n.userData.geometryKey !== 'box'; }",
        arg=object_id)
    vertices = page.evaluate(
        "(id) => window.raylabelViewer.objects.get(id).children[0].geometry.attributes.position.count", object_id)
    assert vertices == 36  # 12 triangles, unindexed
    saved = app_page.api("GET", f"/api/objects/{object_id}/")["body"]
    assert saved["kind"] == "mesh" and saved["size"] == pytest.approx([0.4, 0.4, 0.4])
    expect(page.get_by_role("button", name="Refine (ICP)")).to_be_visible()
    app_page.shot("scene-mesh")
