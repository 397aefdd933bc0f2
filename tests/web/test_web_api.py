"""Pages, JSON API, downloads and map data of the web app on the bundled real data (both backends)."""

from __future__ import annotations

import csv
import gzip
import io
import json

import openpyxl
import pytest
import shapely
from shapely.geometry import shape


def test_pages_render_in_both_languages(client):
    for path in ("/", "/kommun/1280", "/area/0180R076", "/search?q=berg", "/indicators", "/downloads"):
        joiner = "&" if "?" in path else "?"
        swedish = client.get(f"{path}{joiner}lang=sv", headers={"accept": "text/html"})
        english = client.get(f"{path}{joiner}lang=en", headers={"accept": "text/html"})
        assert swedish.status_code == english.status_code == 200, path
        assert '<html lang="sv">' in swedish.text and '<html lang="en">' in english.text
    english = client.get("/kommun/1280?lang=en").text
    assert "Population by area type" in english and "Befolkning per områdestyp" not in english


def test_kommun_page_is_readable_without_javascript(client):
    html = client.get("/kommun/1280?lang=sv").text
    # Every figure drawn by JavaScript is also in a table, and the charts carry alt text.
    assert 'id="areas"' in html and 'id="indices"' in html and 'id="type-shares"' in html
    assert 'role="img"' in html and "aria-label=" in html
    assert html.count('<a href="/area/1280R') >= 10
    assert "Källa" in html and "CC0" in html
    # Indicators that are not loaded say so, with the command that loads them.
    assert 'id="not-loaded"' in html and "segreform import kolada N05401" in html


def test_search_redirects_on_a_single_match_and_lists_several(client):
    single = client.get("/search?q=rinkeby", follow_redirects=False)
    assert single.status_code == 303 and single.headers["location"] == "/area/0180R076"
    several = client.get("/search?q=berg")
    assert several.status_code == 200 and several.text.count("<tr>") > 5
    assert client.get("/kommun?code=1480", follow_redirects=False).headers["location"] == "/kommun/1480"


def test_errors_are_pages_for_people_and_json_for_the_api(client):
    page = client.get("/kommun/9999", headers={"accept": "text/html"})
    assert page.status_code == 404 and "<html" in page.text and "9999" in page.text
    api = client.get("/api/kommun/9999")
    assert api.status_code == 404 and "four digits" in api.json()["detail"]
    assert client.get("/api/overview?layer=types:12&year=1999").status_code == 422


def test_api_kommun_profile(client):
    body = client.get("/api/kommun/1280?compare=1480").json()
    assert body["name"] == "Malmö" and body["lan_name"] == "Skåne län"
    assert body["area_types"]["basis"] == ["published"] and body["area_types"]["year"] == 2022
    assert all(row["code"].startswith("1280R") for row in body["areas"])
    own = [r for r in body["segregation_indices"]["rows"] if r["code"] == "1280"]
    assert own and all(r["ci_low"] <= r["value"] <= r["ci_high"] for r in own)
    assert {r["code"] for r in body["segregation_indices"]["rows"]} == {"1280", "12", "00", "1480"}
    assert "1480" in body["comparison"][0]
    assert body["police_areas"]["rows"] and body["police_areas"]["source"] == "Polisen"


def test_api_overview_layers_and_openapi(client):
    layers = client.get("/api/layers").json()
    assert layers and all(layer["years"] and layer["source"] for layer in layers)
    overview = client.get("/api/overview", params={"layer": layers[0]["id"]}).json()
    assert len(overview["rows"]) == 290 and overview["year"] == layers[0]["years"][-1]
    spec = client.get("/openapi.json").json()
    for path in ("/api/kommun/{code}", "/api/area/{code}", "/api/search", "/api/overview", "/api/indicators",
                 "/download/{table}.{fmt}", "/api/map/{level}.geojson"):
        assert path in spec["paths"], path
    indicators = client.get("/api/indicators").json()
    unloaded = [i for i in indicators if not i["loaded"]]
    assert unloaded and all(i["import_command"].startswith("segreform import") for i in unloaded)


def test_map_geometry_is_cached_simplified_and_drawable(client):
    first = client.get("/api/map/regso.geojson", headers={"accept-encoding": "gzip"})
    assert first.status_code == 200 and first.headers["content-encoding"] == "gzip"
    collection = first.json()
    assert len(collection["features"]) == 3363
    assert client.get("/api/map/regso.geojson", headers={"if-none-match": first.headers["etag"]}).status_code == 304
    geometries = [shape(f["geometry"]) for f in collection["features"]]
    # Browsers' d3-geo draws clockwise outer rings as the area itself (not its complement).
    rings = [p.exterior for g in geometries for p in getattr(g, "geoms", [g])]
    assert not any(ring.is_ccw for ring in rings)
    assert sum(shapely.is_valid(geometries)) / len(geometries) > 0.99
    assert first.num_bytes_downloaded < 1_500_000 < len(first.content)  # gzip on the wire


def test_downloads_carry_source_and_licence(client):
    text = client.get("/download/overview.csv?layer=types:12").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 290 and rows[0]["licence"] and rows[0]["source"] and rows[0]["year"] == "2022"

    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/download/kommun-indices.xlsx?kommun=0180").content))
    about = {row[0]: row[1] for row in workbook["about"].iter_rows(min_row=2, values_only=True)}
    assert "SCB" in about["source"] and about["licence"]
    assert workbook["data"].max_row > 12

    geo = json.loads(client.get("/download/kommun-areas.geojson?kommun=1280").content)
    assert geo["metadata"]["licence"] and "SCB" in geo["metadata"]["source"]
    assert geo["features"] and all(f["properties"]["code"].startswith("1280R") for f in geo["features"])
    assert "area_type" in geo["features"][0]["properties"]

    assert client.get("/download/indicators.geojson").status_code == 422
    assert client.get("/download/kommun-areas.csv").status_code == 422  # needs ?kommun=
    assert client.get("/download/nothing.csv").status_code == 404
