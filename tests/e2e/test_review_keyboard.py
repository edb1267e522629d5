"""Review and scene at keyboard speed (issue 13): the scene's shortcuts keep working after the photo-opacity
slider was touched; the review page steps, zooms, toggles layers and opens the next pending frame by key,
with a "?" dialog that lists every key; and a whole batch is reviewed by keyboard alone, timed.

The batch test prints "ms per frame transition" and "requests per frame" (BENCHMARKS.md, "Review by keyboard")."""
import json
import os
import re
import time
from collections import Counter

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]

BATCH_FRAMES = 50


def _frame_ids(capture_id: int) -> list[int]:
    from annotate.models import Frame

    return list(Frame.objects.filter(capture_id=capture_id).order_by("index").values_list("pk", flat=True))


def _open_frame(page) -> int:
    return int(page.locator(".frame-detail").get_attribute("data-frame"))


def test_scene_shortcuts_work_after_touching_the_photo_opacity_slider(app_page, demo):
    page = app_page.page
    frames = _frame_ids(demo["capture"])
    app_page.login("demo-annotator", f"/app/captures/{demo['capture']}/scene?frame={frames[0]}")
    expect(page.locator(".selected-frame")).to_have_attribute("data-frame", str(frames[0]))
    slider = page.get_by_label("Photo opacity")
    slider.click()  # touching the slider leaves the keyboard focus on it
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Photo opacity"

    page.keyboard.press("e")
    expect(page.get_by_role("button", name="rotate")).to_have_class("active")
    page.keyboard.press("]")
    expect(page.locator(".selected-frame")).to_have_attribute("data-frame", str(frames[1]))
    # The slider keeps its own keys: an arrow moves it, it does not step frames.
    before = slider.input_value()
    page.keyboard.press("ArrowLeft")
    assert float(slider.input_value()) < float(before)
    expect(page.locator(".selected-frame")).to_have_attribute("data-frame", str(frames[1]))
    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Scene keys")
    expect(help_dialog).to_contain_text("Resize (gizmo)")
    page.keyboard.press("Escape")
    expect(help_dialog).to_have_count(0)


def test_review_keys_step_zoom_toggle_and_open_the_next_pending_frame(app_page, demo):
    page = app_page.page
    frames = _frame_ids(demo["capture"])
    app_page.login("demo-annotator", f"/app/captures/{demo['capture']}/review")
    page.wait_for_selector(".tile[data-index='0']")
    page.keyboard.press("ArrowRight")  # nothing open: the first frame opens
    expect(page.locator(".frame-detail")).to_have_attribute("data-frame", str(frames[0]))
    page.keyboard.press("j")
    page.keyboard.press("ArrowRight")
    expect(page.locator(".frame-detail")).to_have_attribute("data-frame", str(frames[2]))
    page.keyboard.press("a")  # accepted: the next pending frame opens
    expect(page.locator(".frame-detail")).to_have_attribute("data-frame", str(frames[3]))
    page.keyboard.press("k")
    page.keyboard.press("ArrowLeft")
    expect(page.locator(".frame-detail")).to_have_attribute("data-frame", str(frames[1]))

    stage = page.locator(".frame-detail .stage")
    page.keyboard.press("+")
    page.keyboard.press("+")
    expect(stage).to_have_attribute("data-zoom", "1.56")
    page.keyboard.press("-")
    expect(stage).to_have_attribute("data-zoom", "1.25")
    page.keyboard.press("0")
    expect(stage).to_have_attribute("data-zoom", "1.00")
    # The wheel zooms about the pointer, a drag pans the zoomed frame, a double-click fits it again.
    box = stage.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.75)
    page.mouse.wheel(0, -100)
    expect(stage).to_have_attribute("data-zoom", "1.25")
    content = page.locator(".frame-detail .stage-content")
    zoomed_at = content.evaluate("(e) => e.style.transform")
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.85, box["y"] + box["height"] * 0.8, steps=4)
    page.mouse.up()
    assert content.evaluate("(e) => e.style.transform") != zoomed_at
    stage.dblclick()
    expect(stage).to_have_attribute("data-zoom", "1.00")
    depth = page.locator(".layer-toggles label", has_text="depth").locator("input")
    expect(depth).not_to_be_checked()
    page.keyboard.press("2")
    expect(depth).to_be_checked()
    # The overlay-opacity slider, once touched, does not swallow the keys.
    page.get_by_label("Overlay opacity").click()
    page.keyboard.press("2")
    expect(depth).not_to_be_checked()

    # Frame 2 is accepted already: accepting frame 1 skips it and opens frame 3, the next pending one.
    page.keyboard.press("a")
    expect(page.locator(".frame-detail")).to_have_attribute("data-frame", str(frames[3]))
    expect(page.locator(f".tile[data-frame='{frames[1]}'] .review-status")).to_have_text("accepted")

    # R puts the note in focus; keys typed there are text ("a" does not accept); Ctrl+Enter rejects.
    page.keyboard.press("r")
    expect(page.get_by_label("Review note")).to_be_focused()
    page.keyboard.type("a blurred frame")
    expect(page.get_by_label("Review note")).to_be_focused()  # labels answering meanwhile must not take the focus away
    page.keyboard.press("Control+Enter")
    expect(page.locator(".frame-detail")).to_have_attribute("data-frame", str(frames[4]))
    latest = app_page.api("GET", f"/api/frames/{frames[3]}/")["body"]["latest_review"]
    assert (latest["decision"], latest["note"]) == ("rejected", "a blurred frame")
    page.keyboard.press("f")  # fix in 3D: the scene opens looking through this frame's camera
    page.wait_for_url(f"**/scene?frame={frames[4]}")
    expect(page.locator(".selected-frame")).to_have_attribute("data-frame", str(frames[4]))


def test_the_help_dialog_lists_every_key_traps_focus_and_gives_it_back(app_page, demo):
    page = app_page.page
    app_page.login("demo-annotator", f"/app/captures/{demo['capture']}/review")
    page.wait_for_selector(".tile[data-index='0']")
    opener = page.get_by_role("button", name="Keys ?")
    opener.focus()
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Review keys")
    expect(dialog).to_have_attribute("aria-modal", "true")
    for text in ["Next frame", "Previous frame", "Accept the frame", "Reject", "Fix in 3D", "instance layer", "depth layer",
                 "confidence layer", "boxes layer", "Zoom in", "Zoom out", "Fit the frame", "Show or hide this list", "Close this list"]:
        expect(dialog).to_contain_text(text)
    for key in ["→", "←", "J", "K", "A", "R", "F", "1", "2", "3", "4", "+", "-", "0", "?", "Esc"]:
        expect(dialog.locator("kbd", has_text=key).first).to_be_visible()
    close = dialog.get_by_role("button", name="Close keyboard shortcuts")
    expect(close).to_be_focused()
    page.keyboard.press("Tab")
    expect(close).to_be_focused()  # the only control inside: Tab stays in the dialog
    page.keyboard.press("ArrowRight")  # page keys are off while the dialog is open
    expect(page.locator(".frame-detail")).to_have_count(0)
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()


def _capture_of(project_id: int, template_capture: int, frames: int) -> int:
    """A capture of the demo project with ``frames`` frames, copies of the demo's (its images and poses)."""
    from annotate.models import Capture, Frame

    template = list(Frame.objects.filter(capture_id=template_capture).order_by("index"))
    capture = Capture.objects.create(project_id=project_id, name=f"{frames} frames to review", status="ready")
    skip = {"id", "capture", "index"}
    Frame.objects.bulk_create([
        Frame(capture=capture, index=i, **{f.name: getattr(template[i % len(template)], f.name)
                                           for f in Frame._meta.fields if f.name not in skip})
        for i in range(frames)])
    return capture.pk


def test_a_batch_reviewed_by_keyboard_alone(app_page, demo):
    from django.contrib.auth import get_user_model

    from annotate.models import Frame, Project, Review
    from annotate.services.review import create_batch

    capture = _capture_of(demo["project"], demo["capture"], BATCH_FRAMES)
    frame_ids = _frame_ids(capture)
    batch = create_batch(project=Project.objects.get(pk=demo["project"]), user=get_user_model().objects.get(username="demo-manager"),
                         name="by keyboard", frame_ids=frame_ids, assignees=["demo-annotator"])
    page = app_page.page
    app_page.login("demo-annotator", f"/app/captures/{capture}/review?batch={batch.pk}")
    page.wait_for_selector(".tile[data-index='0']")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(f"{r.method} {r.url}"))
    page.keyboard.press("ArrowRight")  # from here on only keys: no clicks
    detail = page.locator(".frame-detail")
    expect(detail).to_have_count(1)

    transitions_ms, rejected = [], {}
    start = time.perf_counter()
    for n in range(BATCH_FRAMES):
        current = _open_frame(page)
        page.wait_for_function("() => { const i = document.querySelector('.frame-detail .stage img'); return i && i.complete; }")
        if n % 5 == 4:
            page.keyboard.press("r")
            page.keyboard.type(f"note {n}")
            rejected[current] = f"note {n}"
            t0 = time.perf_counter()
            page.keyboard.press("Control+Enter")
        else:
            t0 = time.perf_counter()
            page.keyboard.press("a")
        if n < BATCH_FRAMES - 1:
            page.wait_for_function(
                "(id) => { const d = document.querySelector('.frame-detail'); const i = d && d.querySelector('.stage img');"
                " return d && d.dataset.frame !== String(id) && i && i.complete; }", arg=current)
        else:
            expect(page.get_by_test_id("batch-finished")).to_contain_text("Batch finished")
        transitions_ms.append((time.perf_counter() - t0) * 1000)
    total_s = time.perf_counter() - start

    statuses = dict(Frame.objects.filter(capture_id=capture).values_list("pk", "review_status"))
    assert sorted(statuses.values()).count("rejected") == len(rejected) == BATCH_FRAMES // 5
    assert all(statuses[f] == ("rejected" if f in rejected else "accepted") for f in frame_ids)
    notes = dict(Review.objects.filter(frame__capture_id=capture, decision="rejected").values_list("frame_id", "note"))
    assert notes == rejected
    expect(page.locator(".review-page [role=alert]")).to_have_count(0)

    api = [u for u in requests if "/api/" in u]
    transitions_ms.sort()
    row = {
        "frames": BATCH_FRAMES, "rejected_with_note": len(rejected), "total_s": round(total_s, 1),
        "transition_ms_median": round(transitions_ms[len(transitions_ms) // 2]),
        "transition_ms_p90": round(transitions_ms[int(len(transitions_ms) * 0.9)]),
        "requests_per_frame": round(len(requests) / BATCH_FRAMES, 2), "api_requests_per_frame": round(len(api) / BATCH_FRAMES, 2),
        "load_average": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count(),
        "requests_by_kind": Counter(re.sub(r"\d+", "N", re.sub(r"^(\w+) https?://[^/]+", r"\1 ", u).split("?")[0]) for u in requests),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "review_keyboard.json").write_text(json.dumps(row, indent=2))
    print("\n| frames | rejected with a note | total s | ms per frame transition (median / p90) | requests per frame (API) | load average |")
    print("|---|---|---|---|---|---|")
    print(f"| {BATCH_FRAMES} | {len(rejected)} | {row['total_s']} | {row['transition_ms_median']} / {row['transition_ms_p90']} | "
          f"{row['requests_per_frame']} ({row['api_requests_per_frame']}) | {row['load_average']} on {row['cpus']} CPUs |")
    print("requests by kind:", dict(row["requests_by_kind"]))
    app_page.shot("review-keyboard-batch")
