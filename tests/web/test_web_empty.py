"""An empty database: the app says what to do instead of failing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from segreform.web.app import create_app


def test_empty_database_shows_how_to_load_data(engine):
    client = TestClient(create_app(engine))
    overview = client.get("/")
    assert overview.status_code == 200 and "segreform init" in overview.text
    indicators = client.get("/indicators")
    assert indicators.text.count('data-loaded="no"') == indicators.text.count("data-indicator=")
    assert "segreform import kolada N03926" in indicators.text
    assert client.get("/api/layers").json() == []
    assert client.get("/api/kommun/0180").status_code == 404
    assert client.get("/download/overview.csv").status_code == 404
