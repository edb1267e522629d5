"""A video without poses, uploaded through the page: SfM places it, the scene shows its sparse points and
cameras before any training, says its units are arbitrary, and a manager sets the metric scale from a box."""
import pytest
from playwright.sync_api import expect

from tests.e2e.jobs import wait_for_job_panel
from tests.e2e.scene import place_box

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def orbit_video(tmp_path):
    from nerf_labeling.synthetic.video_writer import write_video
    from tests.nerf_labeling.poseless_scenes import orbit_cameras, render

    return write_video(tmp_path / "orbit walk.mp4", render(orbit_cameras(24)), fps=3)  # 3 kept per second


def test_a_video_is_placed_by_sfm_shown_before_training_and_scaled_from_a_box(app_page, demo, orbit_video):
    page = app_page.page
    app_page.login("demo-manager", f"/app/projects/{demo['project']}")
    page.set_input_files(".upload input[type=file]", str(orbit_video))
    page.get_by_role("button", name="Upload").click()
    wait_for_job_panel(page, ".upload")
    captures = app_page.api("GET", f"/api/projects/{demo['project']}/captures/")["body"]["results"]
    capture = next(c for c in captures if c["name"] == "orbit walk")
    assert (capture["source_format"], capture["units"]) == ("sfm-video", "arbitrary")
    registered = capture["metadata"]["sfm"]["registered"]
    assert registered >= 22

    app_page.open(f"/app/captures/{capture['id']}/scene")
    page.wait_for_selector(f"text={registered} cameras")
    note = page.locator(".points-note")
    expect(note).to_contain_text("sparse points from structure-from-motion")
    shown = page.evaluate("window.raylabelViewer.points.geometry.attributes.position.count")
    assert shown > 100 and note.inner_text().startswith(f"{shown:,} sparse points")
    expect(page.locator(".sfm-registered")).to_have_text(f"Placed {registered} of 24 frames.")
    expect(page.locator(".units-note")).to_contain_text("Units arbitrary")
    app_page.shot("scene-sfm-sparse-points")

    object_id = place_box(page)
    page.fill("[data-testid=size] input[aria-label='Size x']", "0.5")
    page.keyboard.press("Tab")
    page.wait_for_function("() => document.querySelector('[data-save-state]').dataset.saveState === 'saved'")
    page.select_option("select[aria-label='Box axis']", "x")
    page.fill("input[aria-label='Real length in metres']", "2")
    page.get_by_role("button", name="Set scale").click()

    expect(page.locator(".units-note")).to_contain_text("Units: metres (scaled ×4.000 from a known length of 2 m)", timeout=20_000)
    box = app_page.api("GET", f"/api/objects/{object_id}/")["body"]
    assert box["size"][0] == pytest.approx(2.0) and box["version"] >= 2
    assert app_page.api("GET", f"/api/captures/{capture['id']}/")["body"]["units"] == "metric"
    app_page.shot("scene-sfm-scaled")
