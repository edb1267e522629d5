"""Fixtures for the browser tests: Debian's Chromium through Playwright, the app on pytest-django's
live server with a real Celery worker, the demo project, and logging in through the real /login/ page."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DEMO_PASSWORD = "raylabel-demo"
VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture(scope="package")
def browser():
    """Chromium for the tests of this package only: Playwright and the async-safety exemption below end
    with the package's last test, so the tests that run after it get Django's check back."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: run scripts/install_system_deps.sh (apt-get install chromium)")
    if not (ROOT / "frontend" / "dist" / "index.html").is_file():
        pytest.fail("the browser app is not built: run `make frontend`")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread; Django's ORM calls here stay
    # synchronous, so its async-safety check would only refuse the tests' own database work.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def demo(transactional_db, shared_media_root, live_server, request):
    """The demo project (a small generated capture) on a live server with a worker; answers its ids."""
    from django.core.management import call_command

    from annotate.models import Capture, Project

    call_command("load_demo", frames=12, width=96, height=72, train=False, objects=False, stdout=open(os.devnull, "w"))
    worker = request.getfixturevalue("celery_worker_process")
    project = Project.objects.get(name="Demo")
    capture = Capture.objects.get(project=project)
    return {"url": live_server.url, "project": project.pk, "capture": capture.pk, "worker": worker}


class AppPage:
    """A logged-in browser tab on the app, collecting the page's errors so a test can show them."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def open(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def login(self, username: str, path: str = "/app/") -> None:
        self.open(path)
        assert "/login/" in self.page.url, "the app must send a visitor who is not logged in to /login/"
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", DEMO_PASSWORD)
        self.page.click("form [type=submit]")
        self.page.wait_for_url(f"**{path}*")

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path

    def api(self, method: str, path: str, data=None) -> dict:
        """Call the API from inside the page, with the session and CSRF cookie, as the app does."""
        return self.page.evaluate(
            """async ([method, path, data]) => {
                const token = (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";
                const r = await fetch(path, {method, headers: {"Content-Type": "application/json", "X-CSRFToken": token},
                                             body: data === null ? undefined : JSON.stringify(data)});
                return {status: r.status, body: r.status === 204 ? null : await r.json().catch(() => null)};
            }""",
            [method, path, data],
        )


def app_tab(browser, demo, request, **context_options):
    """A fresh browser context and tab on the demo server (generator: yield it from a fixture); at the end a
    screenshot named after the test, and a failure if the page raised."""
    context = browser.new_context(viewport=VIEWPORT, **context_options)
    page = context.new_page()
    page.set_default_timeout(20_000)
    app = AppPage(page, demo["url"])
    yield app
    app.shot(f"last-{request.node.name}")
    context.close()
    assert not app.errors, f"the page raised: {app.errors}"


@pytest.fixture
def app_page(browser, demo, request):
    yield from app_tab(browser, demo, request, accept_downloads=True)


def endpoint_landed(path_fragment: str) -> bool:
    """Whether the API has a route containing ``path_fragment`` yet (the backend lands piece by piece)."""
    from django.urls import get_resolver

    patterns = [str(p.pattern) for p in get_resolver("annotate.api.urls").url_patterns]
    return any(path_fragment in pattern for pattern in patterns)
