"""In Chromium: axe-core (the npm package the frontend pins) audits every page of the browser app (the
annotator's landing page with its tasks) and the login page, for the manager and the annotator, and finds no serious or critical WCAG 2 A/AA violation;
and a control reached with the keyboard shows where the focus is."""
import pytest

from tests.e2e.conftest import ROOT, AppPage, app_tab

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]

AXE_SCRIPT = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}


@pytest.fixture
def audited_page(browser, demo, request):
    """A tab whose context bypasses the Content-Security-Policy, for this audit only: the policy allows
    scripts from 'self' alone, so it would refuse the axe-core script the test injects into the page."""
    if not AXE_SCRIPT.is_file():
        pytest.fail("axe-core is missing: run `npm ci` in frontend/")
    yield from app_tab(browser, demo, request, bypass_csp=True)


@pytest.fixture
def finished_batch(demo) -> int:
    """A review batch of one frame, assigned to the annotator and done: the dashboard then shows a full
    progress bar (its text over the fill) and an empty one (its text over the track)."""
    from django.contrib.auth import get_user_model

    from annotate.models import Frame, Project
    from annotate.services.review import create_batch

    project = Project.objects.get(pk=demo["project"])
    frame = Frame.objects.filter(capture_id=demo["capture"]).order_by("pk").first()
    batch = create_batch(project=project, user=get_user_model().objects.get(username="demo-manager"),
                         name="Audited batch", frame_ids=[frame.pk], assignees=["demo-annotator"])
    batch.items.update(done=True)
    return batch.pk


def _app_screens(demo, batch: int) -> list[str]:
    project, capture = demo["project"], demo["capture"]
    return ["/app/", f"/app/projects/{project}", f"/app/projects/{project}/dashboard",
            f"/app/projects/{project}/export", f"/app/captures/{capture}/scene", f"/app/captures/{capture}/review",
            f"/app/captures/{capture}/review?batch={batch}"]


def _serious_violations(app: AppPage, path: str) -> list[str]:
    """Open ``path``, let it settle, run axe-core on it and describe each serious or critical violation."""
    page = app.page
    app.open(path)
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('.loading')")
    # Colours are measured once transitions (a progress bar's fill growing) have ended.
    page.wait_for_function("() => document.getAnimations().every((a) => !(a instanceof CSSTransition) || a.playState !== 'running')")
    page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    return [f"{path}: {v['id']} ({v['impact']}): {v['help']} at {'; '.join(_describe(n) for n in v['nodes'][:3])}"
            for v in result["violations"] if v["impact"] in BLOCKING_IMPACTS]


def _describe(node: dict) -> str:
    """A failing node's selector and, where axe measured something (a contrast ratio), what it measured."""
    measured = [check["message"] for check in node["any"] if check.get("data")]
    return " ".join(node["target"]) + (f" [{measured[0]}]" if measured else "")


def _audit(app: AppPage, paths: list[str]) -> list[str]:
    return [line for path in paths for line in _serious_violations(app, path)]


def test_the_login_page_and_every_manager_page_pass_axe(audited_page, demo, finished_batch):
    found = _audit(audited_page, ["/login/"])
    audited_page.login("demo-manager")
    found += _audit(audited_page, _app_screens(demo, finished_batch))
    assert not found, "axe-core found serious or critical violations:\n" + "\n".join(found)


def test_every_annotator_page_passes_axe(audited_page, demo, finished_batch):
    audited_page.login("demo-annotator")
    found = _audit(audited_page, _app_screens(demo, finished_batch))
    assert not found, "axe-core found serious or critical violations:\n" + "\n".join(found)


FOCUS_RING = """() => { const el = document.activeElement, style = getComputedStyle(el);
    return {tag: el.tagName, text: (el.getAttribute('aria-label') || el.textContent || el.name || '').trim().slice(0, 40),
            style: style.outlineStyle, width: parseFloat(style.outlineWidth)}; }"""


def _unringed_stops(app: AppPage, path: str, stops: int) -> list[str]:
    """Tab through the first ``stops`` controls of ``path``; describe those drawn without a 2px solid ring."""
    app.open(path)
    app.page.wait_for_load_state("networkidle")
    missing = []
    for _ in range(stops):
        app.page.keyboard.press("Tab")
        ring = app.page.evaluate(FOCUS_RING)
        if ring["tag"] != "BODY" and (ring["style"] != "solid" or ring["width"] < 2):
            missing.append(f"{path}: <{ring['tag'].lower()}> {ring['text']!r}: outline {ring['style']} {ring['width']}px")
    return missing


def test_keyboard_focus_draws_a_ring_on_every_control(app_page, demo):
    missing = _unringed_stops(app_page, "/login/", 3)
    app_page.login("demo-manager")
    missing += _unringed_stops(app_page, f"/app/projects/{demo['project']}", 15)
    missing += _unringed_stops(app_page, f"/projects/{demo['project']}/", 6)
    assert not missing, "controls focused with Tab without a visible ring:\n" + "\n".join(missing)
