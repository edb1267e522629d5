"""A manager runs an active-learning round, makes a batch from its picks and assigns it; the annotator
works the batch; the manager sees the progress per annotator and exports the batch as COCO; after a
second round the dashboard plots each round's model quality (train mIoU) with the labelled frames it was
trained on."""
import json
import math
import time
import zipfile

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import VIEWPORT, AppPage
from tests.e2e.exports import export_and_download
from tests.e2e.jobs import JOB_TIMEOUT_MS, wait_for_job_panel

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]

QUICK_TRAIN_STEPS = 5


def wait_for_job(app: AppPage, job: dict) -> dict:
    """Poll a job through the API until it ends; assert it succeeded."""
    deadline = time.monotonic() + JOB_TIMEOUT_MS / 1000
    while job["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, f"job {job['id']} still {job['status']}: {job['message']}"
        time.sleep(0.5)
        job = app.api("GET", f"/api/jobs/{job['id']}/")["body"]
    assert job["status"] == "succeeded", f"job {job['id']} {job['status']}: {job['error']}"
    return job


def render_labels_of_the_big_box(app: AppPage, project: int, capture: int) -> None:
    """Train a quick field, place a box on the scene's large box and render every frame's labels."""
    assert (trained := app.api("POST", f"/api/captures/{capture}/train/", {"preset": "grid-fast"}))["status"] == 202, trained
    wait_for_job(app, trained["body"])
    classes = app.api("GET", f"/api/projects/{project}/classes/")["body"]["results"]
    box_class = next(c["id"] for c in classes if c["name"] == "box")
    c, s = math.cos(math.radians(20)), math.sin(math.radians(20))
    placed = app.api("POST", f"/api/captures/{capture}/objects/", {
        "kind": "box", "label_class": box_class, "center": [0.0, 0.0, 0.25], "size": [0.6, 0.4, 0.5],
        "rotation": [[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]]})
    assert placed["status"] == 201, placed
    # grid-fast's field is judged poor: rendering from it needs the explicit override.
    refused = app.api("POST", f"/api/captures/{capture}/render/")
    assert refused["status"] == 400 and "judged poor" in refused["body"]["error"], refused
    rendered = app.api("POST", f"/api/captures/{capture}/render/", {"allow_poor_field": True})
    assert rendered["status"] == 202, rendered
    wait_for_job(app, rendered["body"])


def accepted_with_labels(app: AppPage, capture: int) -> int:
    frames = app.api("GET", f"/api/captures/{capture}/frames/?review_status=accepted&limit=100")["body"]["results"]
    return sum(app.api("GET", f"/api/frames/{f['id']}/labels/")["status"] == 200 for f in frames)


def test_round_batch_review_progress_and_quality(app_page, browser, demo, tmp_path):
    page = app_page.page
    app_page.login("demo-manager", f"/app/projects/{demo['project']}/dashboard")
    render_labels_of_the_big_box(app_page, demo["project"], demo["capture"])
    seen = app_page.api("GET", f"/api/captures/{demo['capture']}/frames/?max_confidence=1.01&limit=1")["body"]["results"]
    assert seen, "the placed box must be visible in some frame"
    assert app_page.api("POST", f"/api/frames/{seen[0]['id']}/review/", {"decision": "accepted", "note": ""})["status"] == 200

    page.select_option("select[aria-label=Method]", "auto")
    page.fill("label:has-text('Batch size') input", "4")
    page.get_by_role("button", name="Start round").click()
    wait_for_job_panel(page, ".dashboard")
    round_view = page.locator(".round")
    expect(round_view.locator(".policy")).to_contain_text("auto →")
    assert round_view.locator(".reason").inner_text().strip(), "auto must say why it chose its method"
    expect(round_view.locator(".pick")).to_have_count(4)
    page.wait_for_function("() => [...document.querySelectorAll('.pick img')].every((i) => i.complete && i.naturalWidth > 0)")

    round_view.locator("input[placeholder='Batch name']").fill("first look")
    round_view.locator("label:has-text('Top N') input").fill("2")
    round_view.locator(".assignees label", has_text="demo-annotator").locator("input").check()
    round_view.get_by_role("button", name="Make batch").click()
    expect(round_view.locator(".ok")).to_contain_text("2 frames")
    batch = page.locator(".batch", has_text="first look")
    expect(batch).to_contain_text("0/2 done")
    batch_id = int(batch.get_attribute("data-batch"))

    annotator = AppPage(browser.new_context(viewport=VIEWPORT).new_page(), demo["url"])
    annotator.login("demo-annotator", f"/app/captures/{demo['capture']}/review?batch={batch_id}")
    expect(annotator.page.get_by_test_id("gallery-count")).to_have_text("2 frames")
    annotator.page.get_by_role("button", name="Next frame for me").click()
    first = annotator.page.locator(".frame-detail").get_attribute("data-frame")
    annotator.page.get_by_role("button", name="Accept").click()
    expect(annotator.page.locator(f".tile[data-frame='{first}'] .review-status")).to_have_text("accepted")
    detail = annotator.page.locator(".frame-detail")
    expect(detail).not_to_have_attribute("data-frame", first)  # the batch's next frame comes up by itself
    expect(detail.locator(".review-status")).to_have_text("pending")
    expect(detail.get_by_test_id("field-verdict")).to_have_text("field poor")  # the labels say what they came from
    annotator.shot("review-batch")
    annotator.page.context.close()
    assert not annotator.errors

    page.reload()
    progress = page.locator(".batch", has_text="first look")
    expect(progress).to_contain_text("1/2 done")
    expect(progress.locator("[data-annotator=demo-annotator]")).to_contain_text("1 reviewed")

    export_the_batch_as_coco(app_page, demo, batch_id, tmp_path, frames=2)

    labelled = accepted_with_labels(app_page, demo["capture"])
    second = app_page.api("POST", f"/api/projects/{demo['project']}/al-rounds/",
                          {"method": "auto", "batch_size": 2, "train_steps": QUICK_TRAIN_STEPS})
    assert second["status"] == 202, second
    wait_for_job(app_page, second["body"])
    page.reload()
    check_quality_chart(app_page, demo["project"], expected_labelled=[1, labelled])
    app_page.shot("dashboard")


def export_the_batch_as_coco(app: AppPage, demo: dict, batch_id: int, tmp_path, frames: int) -> None:
    """The manager exports the batch's frames as COCO from the export page and downloads the zip."""
    page = app.page
    path = export_and_download(page, demo["url"], demo["project"], "coco", f"batch:{batch_id}", tmp_path)
    with zipfile.ZipFile(path) as archive:
        [annotations] = [json.loads(archive.read(n)) for n in archive.namelist() if n.endswith(".json")]
    assert len(annotations["images"]) == frames
    page.goto(f"{demo['url']}/app/projects/{demo['project']}/dashboard")


def check_quality_chart(app: AppPage, project: int, expected_labelled: list[int]) -> None:
    """The chart plots each round's train_miou, noted with its labelled frames, as the API reports them."""
    page = app.page
    body = app.api("GET", f"/api/projects/{project}/al-rounds/?limit=100")["body"]
    rounds = sorted(body["results"], key=lambda r: r["id"])
    assert [r["metrics"]["labelled_frames"] for r in rounds] == expected_labelled
    quality = page.locator(".quality[data-metric=train_miou]")
    expect(quality.locator(".quality-table tbody tr")).to_have_count(len(rounds))
    rows = [[cell.strip() for cell in row] for row in quality.locator(".quality-table tbody tr").evaluate_all(
        "(rows) => rows.map((r) => [r.querySelector('.value').textContent, r.querySelector('.labelled').textContent])")]
    assert rows == [[f"{r['metrics']['train_miou']:.3f}", str(r["metrics"]["labelled_frames"])] for r in rounds]
    dots = quality.locator("svg.chart circle.dot").evaluate_all(
        "(dots) => dots.map((d) => [Number(d.dataset.x), Number(d.dataset.y)])")
    assert dots == [[i + 1, pytest.approx(r["metrics"]["train_miou"])] for i, r in enumerate(rounds)]
    notes = quality.locator("svg.chart text.note").evaluate_all("(texts) => texts.map((t) => t.textContent)")
    assert notes == [f"{r['metrics']['labelled_frames']} fr" for r in rounds]
