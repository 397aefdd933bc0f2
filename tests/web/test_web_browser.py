"""The barometer in a real browser (Debian's chromium via Playwright), on the bundled real data.

Screenshots go to the artefacts folder (``SEGREFORM_TEST_ARTIFACTS``, default ``test-artifacts``).
"""

from __future__ import annotations

import csv
import io

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def page(chromium_browser, live_server):
    context = chromium_browser.new_context(base_url=live_server, accept_downloads=True, viewport={"width": 1280, "height": 900})
    failed_requests = []
    page = context.new_page()
    # A file download ends its navigation with ERR_ABORTED by design; only other failures count.
    page.on("requestfailed", lambda request: "/download/" in request.url or failed_requests.append(request.url))
    yield page
    context.close()
    # Everything the pages load comes from the app itself: nothing from a CDN, nothing broken.
    assert not failed_requests, f"requests failed: {failed_requests}"


def test_overview_pick_kommun_map_language_and_csv(page, artifacts_dir):
    page.goto("/")
    overview_map = page.locator("#overview-map")
    page.locator("#overview-map[data-rendered=true]").wait_for(timeout=60_000)
    assert int(overview_map.get_attribute("data-features")) == 290
    assert page.locator("#overview-map path.choroplethlocation").count() == 290
    assert page.locator("#ranking tbody tr").count() == 290
    page.screenshot(path=str(artifacts_dir / "web-overview.png"), full_page=False)

    # Pick a kommun with the form (works without JavaScript, too).
    page.select_option("#kommun-select", "1280")
    page.click("#kommun-go")
    page.wait_for_url("**/kommun/1280")
    assert page.locator("h1").inner_text().startswith("Malmö")
    page.locator("#kommun-map[data-rendered=true]").wait_for(timeout=90_000)
    features = int(page.locator("#kommun-map").get_attribute("data-features"))
    assert features >= 3000, features
    assert page.locator("#kommun-map path.choroplethlocation").count() >= 3000
    page.locator("#index-chart[data-rendered=true]").wait_for(timeout=30_000)
    assert page.locator("#areas tbody tr").count() > 10
    assert page.locator("#police tbody tr").count() >= 1  # Malmö has areas on the police's list
    page.screenshot(path=str(artifacts_dir / "web-kommun-malmo-sv.png"), full_page=False)

    # Switch language: the page, its lang attribute and the cookie follow.
    page.click("a[hreflang='en']")
    page.locator("html[lang=en]").wait_for(state="attached")  # selectors, not wait_for_function: the CSP forbids eval
    assert "Segregation indices over the years" in page.content()
    page.locator("#kommun-map[data-rendered=true]").wait_for(timeout=90_000)
    page.screenshot(path=str(artifacts_dir / "web-kommun-malmo-en.png"), full_page=False)
    page.goto("/indicators")
    assert page.locator("html").get_attribute("lang") == "en"  # remembered by the cookie

    # Download a CSV from the kommun page and read it.
    page.goto("/kommun/1280")
    with page.expect_download() as info:
        page.click("#map-section a[data-format='csv']")
    download = info.value
    text = open(download.path(), encoding="utf-8-sig").read()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == page.locator("#areas tbody tr").count()
    assert all(row["code"].startswith("1280R") for row in rows)
    assert "CC0" in rows[0]["licence"] and "SCB" in rows[0]["source"]


def test_keyboard_reaches_content_via_skip_link(page, artifacts_dir):
    page.goto("/search?q=rosengård")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert "skip-link" in focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    page.screenshot(path=str(artifacts_dir / "web-search.png"))
