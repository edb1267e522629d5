"""Speed in the headless browser: the scene view's frame rate with a 1-million-point preview and 500
frustums, and the review gallery paging through 10,000 frames without loading them all.

Prints a Markdown table and writes test-artifacts/speed.json. Headless Chromium here renders WebGL in
software (SwiftShader, --disable-gpu) on a shared 2-core machine: frame rates are a floor, not a GPU figure.
"""
import json
import time

import pytest

from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]

N_FRAMES = 10_000


def measure_scene(app_page, points: int, frustums: int, seconds: int = 5) -> dict:
    page = app_page.page
    app_page.open(f"/app/bench/scene?points={points}&frames={frustums}&seconds={seconds}")
    page.wait_for_function("() => document.querySelector('#bench-result').textContent.startsWith('{')", timeout=180_000)
    result = json.loads(page.inner_text("#bench-result"))
    assert "error" not in result, result
    return result


def test_scene_frame_rate_with_a_million_points_and_500_frustums(app_page, demo):
    app_page.login("demo-annotator")
    rows = [measure_scene(app_page, 1_000_000, 500), measure_scene(app_page, 0, 500), measure_scene(app_page, 100_000, 500)]
    app_page.shot("bench-scene")
    big = rows[0]
    assert big["rendered_frames"] > 0 and big["draw_calls"] <= 6, big
    lines = ["| points | frustums | fps orbiting (point budget) | points drawn while orbiting | fps full detail | draw calls | PLY parse ms |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['points']:,} | {r['frustums']} | {r['fps']:.1f} | {r['points_drawn_moving']:,} | {r['fps_full_detail']:.2f} | "
              f"{r['draw_calls']} | {r['ply_parse_ms']:.0f} |" for r in rows]
    lines.append(f"renderer: {big['gl_renderer']}, canvas {big['canvas'][0]}x{big['canvas'][1]}")
    report("scene", rows, lines)


def test_gallery_pages_through_10000_frames(app_page, demo):
    from annotate.models import Capture, Frame

    template = Frame.objects.filter(capture_id=demo["capture"]).first()
    big = Capture.objects.create(project_id=demo["project"], name="ten thousand frames", status="ready")
    fields = {f.name: getattr(template, f.name) for f in Frame._meta.fields if f.name not in ("id", "capture", "index")}
    Frame.objects.bulk_create([Frame(capture=big, index=i, **fields) for i in range(N_FRAMES)], batch_size=2000)

    page = app_page.page
    frame_requests = []
    page.on("request", lambda r: "/frames/?" in r.url and frame_requests.append(r.url))
    app_page.login("demo-annotator", f"/app/captures/{big.pk}/review")
    page.wait_for_selector("[data-testid=gallery-count]:has-text('10,000 frames')")
    page.wait_for_selector(".tile[data-index='0']")
    timings, held = [], []
    for fraction in (0.25, 0.5, 0.75, 1.0):
        start = time.perf_counter()
        page.evaluate("(f) => { const g = document.querySelector('.gallery'); g.scrollTop = f * (g.scrollHeight - g.clientHeight); }", fraction)
        last_visible = page.evaluate("""() => { const g = document.querySelector('.gallery');
            const tiles = [...g.querySelectorAll('.tile')].map((t) => +t.dataset.index || 0); return Math.max(...tiles); }""")
        page.wait_for_function("() => !document.querySelector('.gallery .tile.placeholder')", timeout=20_000)
        timings.append((time.perf_counter() - start) * 1000)
        held.append(page.evaluate("() => window.raylabelPager.stats().framesHeld"))
        assert last_visible >= 0
    page.wait_for_selector(f".tile[data-index='{N_FRAMES - 1}']")
    dom_tiles = page.locator(".gallery .tile").count()
    stats = page.evaluate("() => window.raylabelPager.stats()")
    app_page.shot("review-10000")
    assert max(held) <= 8 * 60, f"the gallery held {max(held)} frames at once"
    assert dom_tiles < 200, f"{dom_tiles} tiles in the DOM"
    assert len(frame_requests) <= 12, frame_requests
    row = {"frames": N_FRAMES, "frame_list_requests": len(frame_requests), "max_frames_held": max(held),
           "dom_tiles": dom_tiles, "scroll_to_filled_ms": [round(t) for t in timings], "pager": stats}
    lines = ["| frames | list requests for 4 jumps to the end | most frames held | tiles in DOM | jump → tiles filled (ms) |",
             "|---|---|---|---|---|",
             f"| {N_FRAMES:,} | {len(frame_requests)} | {max(held)} | {dom_tiles} | {', '.join(str(round(t)) for t in timings)} |"]
    report("gallery", [row], lines)


def report(name: str, rows: list, lines: list[str]) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "speed.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[name] = rows
    path.write_text(json.dumps(data, indent=2))
    print("\n" + "\n".join(lines) + "\n(headless Chromium, software WebGL, shared 2-core machine)")
