"""In Chromium: every screen of the app, the server pages and the API docs run under the Content-Security-
Policy without a violation, and a PNG uploaded under an .html name opens as an image, never as a page."""
import json
import zipfile

import pytest
from PIL import Image, PngImagePlugin

from tests.e2e.jobs import wait_for_job_panel

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]

# Redoc links Google Fonts and shows its logo from its CDN; the policy blocks both on purpose (no
# third-party requests from the docs: system fonts stand in, the badge goes without its logo).
EXPECTED_BLOCKS = ("https://fonts.googleapis.com/", "https://cdn.redoc.ly/")


def _violations(page) -> list[str]:
    found: list[str] = []
    page.on("console", lambda message: found.append(message.text)
            if "Content Security Policy" in message.text and not any(u in message.text for u in EXPECTED_BLOCKS)
            else None)
    return found


def test_the_app_pages_and_docs_run_under_the_policy(app_page, demo):
    page = app_page.page
    violations = _violations(page)
    app_page.login("demo-manager")
    project, capture = demo["project"], demo["capture"]
    screens = ["/app/", f"/app/projects/{project}", f"/app/projects/{project}/dashboard",
               f"/app/projects/{project}/export", f"/app/captures/{capture}/scene", f"/app/captures/{capture}/review",
               "/", f"/projects/{project}/", f"/captures/{capture}/", "/api/docs/", "/api/redoc/"]
    for path in screens:
        app_page.open(path)
        page.wait_for_load_state("networkidle")
        assert not violations, f"{path}: {violations}"
    app_page.open(f"/app/captures/{capture}/scene")
    page.wait_for_selector("text=12 cameras")  # three.js drew the cameras
    app_page.open("/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock")  # Swagger UI started from its script URL
    assert not violations, violations


def _png_with_script(source, target) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>window.__pwned = 1</script>")
    with Image.open(source) as image:
        image.save(target, format="PNG", pnginfo=info)


def test_a_png_named_html_opens_as_an_image_not_a_page(app_page, demo, tmp_path):
    from nerf_labeling.synthetic import write_synthetic_capture

    root = tmp_path / "html-named"
    write_synthetic_capture(root, n_frames=4, width=32, height=24)
    transforms = json.loads((root / "transforms.json").read_text())
    archive = tmp_path / "html-named.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for frame in transforms["frames"]:
            html_name = frame["file_path"].replace(".png", ".html")
            _png_with_script(root / frame["file_path"], tmp_path / "frame.html")
            zipped.write(tmp_path / "frame.html", html_name)
            frame["file_path"] = html_name
        zipped.writestr("transforms.json", json.dumps(transforms))

    page = app_page.page
    app_page.login("demo-annotator", f"/app/projects/{demo['project']}")
    page.set_input_files(".upload input[type=file]", str(archive))
    page.fill(".upload input[placeholder^=Name]", "html-named")
    page.get_by_role("button", name="Upload").click()
    wait_for_job_panel(page, ".upload")
    captures = app_page.api("GET", f"/api/projects/{demo['project']}/captures/")["body"]["results"]
    capture = next(c for c in captures if c["name"] == "html-named")
    frame = app_page.api("GET", f"/api/captures/{capture['id']}/frames/")["body"]["results"][0]
    assert frame["file_name"].endswith(".html")

    response = page.goto(f"{demo['url']}/api/frames/{frame['id']}/image/")
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert page.evaluate("() => document.contentType") == "image/png"
    assert page.evaluate("() => window.__pwned === undefined")
