"""The dashboard's round methods come from the library's registry: a function registered only there (in
the web process, where the list is served) shows up in the browser, and is gone once unregistered."""
import pytest
from playwright.sync_api import expect

from tests.active.extra_acquisition import last_first_registered

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def test_the_dashboard_offers_a_method_registered_only_in_the_library(app_page, demo):
    page = app_page.page
    app_page.login("demo-manager", f"/app/projects/{demo['project']}/dashboard")
    options = page.locator("select[aria-label=Method] option")
    expect(options).to_have_count(6)
    expect(options.first).to_have_text("auto: chosen for how alike the frames are and how many get labelled; with "
                                       "the 3D detector, box entropy once frames are accepted, else random")
    expect(page.locator("select[aria-label=Method] option[value=last-first]")).to_have_count(0)

    with last_first_registered():
        page.reload()
        expect(options).to_have_count(7)
        expect(page.locator("select[aria-label=Method] option[value=last-first]")).to_have_text(
            "Last first: the frames furthest down the list")


def test_choosing_the_3d_detector_offers_only_the_methods_that_rank_with_it(app_page, demo):
    page = app_page.page
    app_page.login("demo-manager", f"/app/projects/{demo['project']}/dashboard")
    methods = page.locator("select[aria-label=Method] option")
    expect(methods).to_have_count(6)
    page.select_option("select[aria-label=Method]", "coreset")
    page.select_option("select[aria-label='Scoring model']", "detection3d")
    expect(methods).to_have_count(3)
    assert [methods.nth(i).get_attribute("value") for i in range(3)] == ["auto", "random", "detection_entropy"]
    expect(page.locator("select[aria-label=Method]")).to_have_value("auto")  # coreset cannot rank with it
    expect(page.locator("select[aria-label='Detector size']")).to_have_value("small")
    expect(page.locator("select[aria-label='Learn from unlabelled frames']")).to_have_count(0)
    page.select_option("select[aria-label='Scoring model']", "segmentation")
    expect(methods).to_have_count(6)
    expect(page.locator("select[aria-label='Detector size']")).to_have_count(0)
