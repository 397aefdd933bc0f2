"""The kommun page's multi-scalar section, its API, and (in a browser) its chart and map."""

from __future__ import annotations

import numpy as np
import pytest

from segreform.barometer import multiscalar


def test_profile_from_bundled_data_falls_with_scale():
    profile = multiscalar.kommun_profile("1280")
    assert profile["k"] == list(multiscalar.K_VALUES)
    d = np.array(profile["dissimilarity"])
    # neighbourhoods of 409,600 persons around Malmö are far more alike than RegSO-sized ones
    assert 0 < d[-1] < d[0] < 1
    assert all(code.startswith("1280R") for code in profile["map"])
    assert len(profile["map"]) == profile["areas"] > 50
    assert all(0 <= share <= 1 for share in profile["map"].values())
    assert multiscalar.kommun_profile("9999") is None


def test_api_and_page_section(client):
    response = client.get("/api/kommun/0180/multiscalar")
    assert response.status_code == 200
    body = response.json()
    assert body["kommun"] == "0180" and len(body["dissimilarity"]) == len(body["k"])
    assert client.get("/api/kommun/9999/multiscalar").status_code == 404
    assert client.get("/api/kommun/12345678901234567890/multiscalar").status_code == 422
    sv = client.get("/kommun/1280?lang=sv").text
    assert "Segregation på alla skalor" in sv and "EquiPop" in sv and "SCB" in sv
    en = client.get("/kommun/1280?lang=en").text
    assert "Segregation at every scale" in en and 'id="multiscalar-data"' in en
    assert "onclick" not in en


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("code, name", [("1280", "Malmö"), ("0180", "Stockholm")])
def test_kommun_page_shows_multiscalar_profile(chromium_browser, live_server, artifacts_dir, code, name):
    context = chromium_browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    multiscalar.national()  # the same process serves the app: its first kommun page reuses this
    page.set_default_timeout(300_000)  # a cold kommun page computes the barometer's profiles; the machine is shared
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"/kommun/{code}?lang=en")
    assert page.locator("h1").inner_text().startswith(name)
    page.locator("#multiscalar-chart[data-rendered='true']").wait_for(state="attached", timeout=90_000)  # no eval under the CSP
    page.locator("#multiscalar-map[data-rendered='true']").wait_for(state="attached", timeout=90_000)
    assert page.locator("#multiscalar-chart .scatterlayer .trace").count() == 2
    assert int(page.locator("#multiscalar-map").get_attribute("data-features")) > 50
    assert page.locator("#multiscalar-table tbody tr").count() == len(multiscalar.K_VALUES)
    assert "EquiPop" in page.locator("#multiscalar-method").inner_text()
    page.locator("#multiscalar-section").scroll_into_view_if_needed()
    page.locator("#multiscalar-section").screenshot(path=str(artifacts_dir / f"web-multiscalar-{code}.png"))
    context.close()
    assert not errors, errors
