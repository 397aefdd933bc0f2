"""The kommun page's evidence sections (focus-area series since 2018, police polygons) and the search, on the
bundled real data (SQLite and PostgreSQL), and in a real browser."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from segreform.barometer import series

FOCUS_AREAS = {"housing", "education", "work", "democracy", "crime"}


def _json_block(html: str, block_id: str):
    match = re.search(rf'<script type="application/json" id="{block_id}">(.*?)</script>', html, re.S)
    assert match, block_id
    return json.loads(match.group(1))


# -- pure ----------------------------------------------------------------------------------------------------
def test_trend_compares_the_latest_year_with_the_programme_start():
    result = series.trend([2014, 2018, 2022], [80.0, 82.0, 77.0], "higher_is_better")
    assert (result["base_year"], result["latest_year"], result["verdict"]) == (2018, 2022, "worse")
    assert result["change"] == pytest.approx(-5.0)
    assert series.trend([2020, 2023], [0.30, 0.36], "neutral")["verdict"] == "up"
    assert series.trend([2020, 2023], [100.0, 100.5], "higher_is_worse")["verdict"] == "stable"
    # Only years after the start: the first year is the base.
    assert series.trend([2020, 2023], [10.0, 8.0], "higher_is_worse")["base_year"] == 2020
    assert series.trend([2022], [1.0], "higher_is_better")["verdict"] == "one_year"
    assert series.trend([], [], "higher_is_better")["verdict"] == "no_data"


def test_every_new_string_of_the_evidence_templates_is_in_swedish():
    from segreform.web.i18n import gettext

    root = Path(__file__).parents[2] / "src" / "segreform" / "web" / "templates" / "barometer"
    text = (root / "_evidence.html").read_text(encoding="utf-8")
    ids = set(re.findall(r'_\("([^"]+)"', text)) | set(re.findall(r"_\('([^']+)'", text))
    assert len(ids) > 20
    untranslated = [m for m in ids if gettext("sv", m, **{k: "x" for k in re.findall(r"%\((\w+)\)s", m)})
                    == m % {k: "x" for k in re.findall(r"%\((\w+)\)s", m)} and m not in {"Trend", "dataset"}]
    assert not untranslated, untranslated


# -- pages and API on the loaded data (both backends) ---------------------------------------------------------
def test_malmo_page_shows_each_focus_area_over_time_with_status_and_trend(client):
    html = client.get("/kommun/1280").text
    rows = re.findall(r'<tr data-indicator="([\w]+)">', html)
    charts = _json_block(html, "series-data")
    assert charts["start"] == 2018
    by_id = {chart["id"]: chart for chart in charts["charts"]}
    assert set(rows) == set(by_id)
    for indicator in ("valdeltagande_riksdag", "valdeltagande_kommunfullmaktige", "meritvarde_ak9",
                      "behoriga_yrkesprogram_skolverket", "disponibel_inkomst_median", "andel_hyresratter_serie",
                      "utsatta_omraden", "befolkning_utsatta_omraden", "segregation_d_utrikes_inrikes"):
        assert indicator in by_id, indicator
    turnout = by_id["valdeltagande_riksdag"]["lines"][0]
    assert turnout["years"][0] == 1973 and turnout["years"][-1] == 2022 and 2018 in turnout["years"]
    police = by_id["utsatta_omraden"]["lines"]
    assert police[0]["years"] == [2015, 2017, 2019, 2021, 2023, 2025] and police[-1]["code"] == "00"
    assert police[-1]["values"][0] == 53
    # The status table has a real trend wherever a series spans the start (never "one year" for turnout).
    status = re.search(r'<tr data-indicator="valdeltagande_riksdag">(.*?)</tr>', html, re.S).group(1)
    assert "trend-one_year" not in status and ">2018<" in status and ">2022<" in status
    api = client.get("/api/kommun/1280/series").json()
    assert FOCUS_AREAS <= {group["key"] for group in api["focus_areas"]}
    assert api["programme_start"] == 2018


def test_malmo_page_lists_rosengard_by_polygon(client):
    html = client.get("/kommun/1280").text
    lists = re.search(r'<table id="police-lists">(.*?)</table>', html, re.S).group(1)
    assert "Rosengård" in lists and "Särskilt utsatt område" in lists
    polygons = _json_block(html, "police-polygons")
    names = {f["properties"]["name"] for f in polygons["features"]}
    assert "Rosengård" in names and len(polygons["features"]) == 4
    # The RegSO table names Rosengård where its polygon lies.
    areas = re.search(r'<table id="areas">(.*?)</table>', html, re.S).group(1)
    assert re.search(r"1280R088</td>.*?Rosengård", areas, re.S)
    geojson = client.get("/api/kommun/1280/police.geojson").json()
    assert {f["properties"]["name"] for f in geojson["features"]} == names
    assert client.get("/api/kommun/9999/police.geojson").status_code == 404
    assert client.get("/api/kommun/9999/series").status_code == 404


def test_kommun_page_in_english(client):
    html = client.get("/kommun/0180?lang=en").text
    assert "The focus areas over time" in html and "Status and trend since 2018" in html
    assert "Fokusområdena över tid" in client.get("/kommun/0180?lang=sv").text


def test_search_ranks_malmos_rosengard_first(client):
    found = client.get("/api/search", params={"q": "Rosengård"}).json()
    assert found[0] == {"level": "police", "code": "1280", "name": "Rosengård", "kommun_name": "Malmö"}
    assert any(row["name"] == "Rosengården östra" for row in found[1:])
    page = client.get("/search", params={"q": "rosengård"}, follow_redirects=False)
    assert page.status_code == 200
    first_link = re.search(r'<table id="search-results">.*?<a href="([^"]+)">([^<]+)</a>', page.text, re.S)
    assert first_link.groups() == ("/kommun/1280#police-section", "Rosengård")
    # A name that is both a RegSO and a police area is listed once, as the RegSO.
    assert [row["level"] for row in client.get("/api/search", params={"q": "rinkeby"}).json()] == ["regso"]
    # Exact and prefix names before names that merely contain the text.
    names = [row["name"] for row in client.get("/api/search", params={"q": "husby"}).json()]
    assert names[0] == "Husby"


# -- browser -------------------------------------------------------------------------------------------------
@pytest.fixture
def page(chromium_browser, live_server):
    context = chromium_browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    failed = []
    page = context.new_page()
    page.on("requestfailed", lambda request: failed.append(request.url))
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not failed, f"requests failed: {failed}"
    assert not errors, f"script errors: {errors}"


@pytest.mark.browser
@pytest.mark.slow
def test_malmo_shows_time_series_and_rosengard_on_the_map(page, artifacts_dir):
    # The first visit builds the server's data snapshot (seconds, more on a busy machine).
    page.goto("/kommun/1280", timeout=180_000)
    # Selectors, not wait_for_function: the page's CSP forbids the eval that wait_for_function needs.
    page.locator("#kommun-map[data-police-polygons='4']").wait_for(state="attached", timeout=120_000)
    names = page.locator("#kommun-map").get_attribute("data-police-names").split("|")
    assert "Rosengård" in names
    page.locator("#kommun-map").screenshot(path=str(artifacts_dir / "evidence-malmo-map-rosengard.png"))
    charts = page.locator(".series-chart")
    expected = charts.count()
    assert expected >= 10
    page.locator(f".series-chart[data-rendered='true'] >> nth={expected - 1}").wait_for(state="attached", timeout=60_000)
    turnout = page.locator('[data-chart="valdeltagande_riksdag"]')
    assert int(turnout.get_attribute("data-points")) == 15
    # The programme's start is drawn on the chart (a dashed shape and its label).
    assert turnout.locator("text", has_text="2018").count() >= 1
    page.locator("#series-group-democracy").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "evidence-malmo-series.png"), full_page=False)
