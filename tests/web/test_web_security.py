"""Security headers on every response, JSON in pages escaped, bounded ids, search input, probing research ids."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from segreform.store import transaction
from segreform.store.models.data import Area
from segreform.web.app import create_app

EVIL = "</script><script>alert(1)</script>\u2028'&"


def test_every_kind_of_response_carries_the_security_headers(client):
    for path in ("/", "/kommun/0180", "/api/layers", "/docs", "/redoc", "/openapi.json", "/static/segreform.css",
                 "/static/plotly.min.js", "/no-such-page", "/api/research/runs/1", "/programme/login"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, path
        assert re.search(r"script-src 'self' 'nonce-[\w-]{16,}'", csp) and "'unsafe-inline'" not in csp.split("style-src")[0]
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin", path
        assert "strict-transport-security" not in headers, path  # plain HTTP: no HSTS


def test_hsts_only_over_https_and_a_fresh_nonce_per_request(loaded_engine):
    secure = TestClient(create_app(loaded_engine), base_url="https://testserver")
    assert secure.get("/api/layers").headers["strict-transport-security"].startswith("max-age=31536000")
    nonces = {re.search(r"'nonce-([^']+)'", secure.get("/docs").headers["content-security-policy"]).group(1)
              for _ in range(3)}
    assert len(nonces) == 3


def test_inline_scripts_carry_the_request_nonce(client):
    response = client.get("/docs")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["content-security-policy"]).group(1)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", response.text)
    assert inline and all(f'nonce="{nonce}"' in attributes for attributes in inline)
    for path in ("/", "/kommun/0180", "/area/0180R001", "/search?q=sto"):
        page = client.get(path).text
        code = [a for a in re.findall(r"<script([^>]*)>", page) if "src=" not in a and "application/json" not in a]
        assert code == [], path  # the barometer pages run no inline code (they are cached across requests)
        assert not re.search(r"\son[a-z]+=", page), path  # no inline event handlers


def test_stored_area_names_cannot_break_out_of_page_json(database_url):
    from segreform.data.loader import ensure_initialised
    from segreform.store import make_engine

    engine = make_engine(database_url)
    ensure_initialised(engine, progress=False)
    with transaction(engine) as db:
        area = db.scalar(select(Area).where(Area.level == "regso", Area.code.like("0180R%")).order_by(Area.code).limit(1))
        code, original = area.code, area.name
        db.execute(update(Area).where(Area.level == "regso", Area.code == code).values(name=f"Evil {EVIL}"))
    try:
        page = TestClient(create_app(engine)).get("/kommun/0180").text
        data = re.search(r'<script type="application/json" id="kommun-map-data">(.*?)</script>', page, re.S).group(1)
        assert "Evil" in data and "</script>" not in data and "<script>" not in data
        assert "\\u003c/script\\u003e" in data and "\\u0026" in data and "\\u0027" in data
        import json

        assert f"Evil {EVIL}" in json.loads(data)["names"].values()  # the browser reads the real name back
        assert page.count("<script>alert(1)</script>") == 0
    finally:
        with transaction(engine) as db:
            db.execute(update(Area).where(Area.name == f"Evil {EVIL}").values(name=original))
        engine.dispose()


@pytest.mark.parametrize("path", ["/api/overview?layer=x&year=99999999999999999999", "/?year=2147483648",
                                  "/download/overview.csv?year=-9223372036854775809",
                                  "/api/research/runs/9223372036854775808", "/research/plans/2147483648"])
def test_years_and_ids_beyond_any_database_integer_answer_422(client, path):
    assert client.get(path).status_code == 422


def test_search_text_is_trimmed_and_a_short_query_says_why(client):
    assert client.get("/api/search", params={"q": "  Stockholm  "}).json()[0]["code"] == "0180"
    assert client.get("/api/search?q=%20%20").status_code == 400  # the fuzzer's 500 of issue 11
    for q in ("  ", " s ", ""):
        response = client.get("/api/search", params={"q": q})
        assert response.status_code in (400, 422) and "detail" in response.json(), q
    short = client.get("/api/search", params={"q": "   ", "lang": "en"})
    assert short.status_code == 400 and short.json()["detail"] == "Search for at least 2 characters."
    swedish = client.get("/api/search", params={"q": "x", "lang": "sv"})
    assert swedish.status_code == 400 and "minst 2 tecken" in swedish.json()["detail"]
    assert client.get("/search?q=%20%20").status_code == 200


def test_research_ids_answer_401_to_anonymous_users_whether_or_not_they_exist(client):
    for path in ("/api/research/runs/{}", "/research/runs/{}/report.html", "/research/runs/{}/report.pdf",
                 "/research/plans/{}", "/api/research/plans/{}"):
        assert {client.get(path.format(n)).status_code for n in (1, 2, 2**31 - 1)} == {401}, path
