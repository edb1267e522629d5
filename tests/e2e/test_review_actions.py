"""Review actions in the browser: a rejection without a note shows the server's message; with a note it is
recorded; "Fix in 3D" opens the scene looking through that frame's camera, and the frame is marked fixed
only when the user confirms there that the fix is done."""
import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]


def test_reject_needs_a_note_and_fix_opens_the_camera(app_page, demo):
    page = app_page.page
    app_page.login("demo-annotator", f"/app/captures/{demo['capture']}/review")
    page.click(".tile[data-index='2']")
    detail = page.locator(".frame-detail")
    frame_id = int(detail.get_attribute("data-frame"))

    detail.get_by_role("button", name="Reject").click()
    expect(detail.locator("[role=alert]")).to_contain_text("add a note")
    detail.locator("textarea").fill("motion blur")
    detail.get_by_role("button", name="Reject").click()
    expect(page.locator(f".tile[data-frame='{frame_id}'] .review-status")).to_have_text("rejected")
    page.select_option("select[aria-label='Status filter']", "rejected")
    expect(page.get_by_test_id("gallery-count")).to_have_text("1 frame")
    app_page.shot("review-rejected")

    page.click(f".tile[data-frame='{frame_id}']")
    page.get_by_role("button", name="Fix in 3D").click()
    page.wait_for_url(f"**/scene?frame={frame_id}")
    expect(page.locator(".selected-frame")).to_have_attribute("data-frame", str(frame_id))
    frame = app_page.api("GET", f"/api/frames/{frame_id}/")["body"]
    assert frame["review_status"] == "rejected", "opening the scene fixes nothing: the frame is not marked fixed yet"
    position = page.evaluate("window.raylabelViewer.camera.position.toArray()")
    assert position == pytest.approx([row[3] for row in frame["camera_to_world"][:3]], abs=1e-5)

    page.once("dialog", lambda dialog: dialog.accept())  # "Mark frame N fixed?": the user confirms after editing
    page.get_by_role("button", name="Done fixing: mark frame fixed").click()
    expect(page.locator(".mark-fixed .ok")).to_contain_text("marked fixed")
    assert app_page.api("GET", f"/api/frames/{frame_id}/")["body"]["review_status"] == "fixed"
