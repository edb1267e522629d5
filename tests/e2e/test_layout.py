"""At 1280x800 no screen scrolls sideways, even with very long project, class and capture names."""
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]

LONG = "A-very-long-name-without-any-spaces-" * 5


def test_no_sideways_scroll_with_long_names(app_page, demo):
    page = app_page.page
    app_page.login("demo-manager")
    project = demo["project"]
    assert app_page.api("POST", f"/api/projects/{project}/classes/", {"name": LONG[:90], "color": "#123456", "kitti_type": ""})["status"] == 201
    page.fill("input[placeholder='New project name']", LONG[:200])
    page.get_by_role("button", name="Create project").click()
    page.wait_for_url("**/app/projects/*")
    long_project = page.url.split("/app/")[1].rstrip("/")
    screens = ["/app/", f"/app/{long_project}", f"/app/projects/{project}", f"/app/projects/{project}/dashboard",
               f"/app/projects/{project}/export", f"/app/captures/{demo['capture']}/scene",
               f"/app/captures/{demo['capture']}/review"]
    for path in screens:
        app_page.open(path)
        page.wait_for_load_state("networkidle")
        widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], f"{path} scrolls sideways: {widths}"
        overflowing = page.evaluate("""() => [...document.querySelectorAll('main *')].filter((el) => {
            const r = el.getBoundingClientRect(); return r.width > 0 && r.right > window.innerWidth + 1; }).map((el) => el.className).slice(0, 5)""")
        assert not overflowing, f"{path}: elements past the right edge: {overflowing}"
    for path, name in (("/app/", "projects-long-names"), (f"/app/{long_project}", "project-long-names"),
                       (f"/app/projects/{project}", "project-long-class")):
        app_page.open(path)
        page.wait_for_load_state("networkidle")
        app_page.shot(name)
