"""Content-Security-Policy on pages and API answers, and pages that need no inline script or style under it."""
from html.parser import HTMLParser

import pytest
from django.test import Client

from annotate.models import Capture, CaptureStatus


class InlineCode(HTMLParser):
    """Collects what a strict policy would block: inline scripts, <style> blocks, style attributes."""

    def __init__(self):
        super().__init__()
        self.scripts: list[str] = []
        self.blocked: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts.append(attrs.get("src") or "")
            if not attrs.get("src"):
                self.blocked.append("inline <script>")
        if tag == "style":
            self.blocked.append("<style> block")
        if "style" in attrs:
            self.blocked.append(f"style attribute on <{tag}>")
        if any(name.startswith("on") for name in attrs):
            self.blocked.append(f"event handler attribute on <{tag}>")


def _inline_code(html: str) -> InlineCode:
    parser = InlineCode()
    parser.feed(html)
    return parser


def _directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.fixture
def browser(manager):
    client = Client()
    client.force_login(manager)
    return client


def _assert_strict(response):
    directives = _directives(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]


def test_api_answers_carry_the_policy(browser, project):
    response = browser.get("/api/projects/")
    assert response.status_code == 200
    _assert_strict(response)


def test_file_responses_carry_the_policy_and_nosniff(browser, project, media_root):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from annotate.models import Frame

    capture = Capture.objects.create(project=project, name="scene", status=CaptureStatus.READY)
    key = default_storage.save(f"captures/{project.pk}/{capture.pk}/frames/00000.png", ContentFile(b"\x89PNG"))
    frame = Frame.objects.create(capture=capture, index=0, file_name="a.png", image=key, thumbnail=key, width=1,
                                 height=1, fx=1, fy=1, cx=0.5, cy=0.5, distortion=[],
                                 camera_to_world=[[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
    response = browser.get(f"/api/frames/{frame.pk}/image/")
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    _assert_strict(response)


def test_the_login_page_carries_the_policy_and_needs_no_inline_code(db):
    response = Client().get("/login/")
    assert response.status_code == 200
    _assert_strict(response)
    assert _inline_code(response.content.decode()).blocked == []


def test_the_browser_app_carries_the_policy_and_its_build_needs_no_inline_code(browser):
    response = browser.get("/app/")
    _assert_strict(response)
    if response.status_code == 200:  # built (make frontend): Vite's index loads its bundle by URL
        page = _inline_code(response.content.decode())
        assert page.blocked == [] and all(src.startswith("/static/app/") for src in page.scripts)


def test_the_api_docs_load_scripts_by_url_and_only_they_allow_inline_styles(browser):
    docs = browser.get("/api/docs/")
    assert docs.status_code == 200
    directives = _directives(docs)
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'", "'unsafe-inline'"]
    page = _inline_code(docs.content.decode())
    assert "inline <script>" not in page.blocked and page.scripts
    start_script = next(src for src in page.scripts if "script" in src.split("?", 1)[-1])
    script = browser.get(start_script)
    assert script.status_code == 200 and "javascript" in script["Content-Type"]

    redoc = browser.get("/api/redoc/")
    assert redoc.status_code == 200
    directives = _directives(redoc)
    assert directives["script-src"] == ["'self'"] and directives["worker-src"] == ["blob:"]
    assert "inline <script>" not in _inline_code(redoc.content.decode()).blocked
