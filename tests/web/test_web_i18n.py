"""The language choice, the shared catalogue and the base layout that every page extends."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from segreform.web import i18n
from segreform.web.i18n import CATALOGUE, register, render, t

TEMPLATES = Path(i18n.__file__).parent / "templates"


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()

    @app.get("/page")
    def page(request: Request):
        return render(request, "base.html")

    return TestClient(app)


def test_t_returns_each_language_and_formats_fields():
    assert t("nav.skip", "sv") == "Hoppa till innehållet"
    assert t("nav.skip", "en") == "Skip to content"
    assert t("footer.version", "en", version="9.9") == "Version 9.9"
    assert t("no.such.key", "en") == "no.such.key"


def test_register_requires_both_languages_and_refuses_silent_overwrite():
    register({"test_web.hello": {"sv": "Hej", "en": "Hello"}})
    assert t("test_web.hello", "en") == "Hello"
    with pytest.raises(ValueError, match="lacks en"):
        register({"test_web.only_sv": {"sv": "Bara svenska"}})
    with pytest.raises(ValueError, match="already registered"):
        register({"test_web.hello": {"sv": "Tjena", "en": "Hi"}})


def test_default_is_swedish_query_switches_and_cookie_sticks(client):
    page = client.get("/page")
    assert '<html lang="sv">' in page.text and "Hoppa till innehållet" in page.text
    english = client.get("/page?lang=en")
    assert '<html lang="en">' in english.text and "Skip to content" in english.text
    assert english.cookies.get("lang") == "en"
    # The cookie set above now chooses English without the parameter.
    assert '<html lang="en">' in client.get("/page").text
    assert '<html lang="sv">' in client.get("/page?lang=sv").text


def test_unknown_language_falls_back_to_swedish_without_cookie(client):
    response = client.get("/page?lang=xx")
    assert '<html lang="sv">' in response.text
    assert "lang" not in response.cookies


def test_language_switch_links_keep_the_page_and_its_parameters(client):
    html = client.get("/page?year=2022&lang=sv").text
    link = re.search(r'href="([^"]+)" hreflang="en"', html).group(1)
    assert link.startswith("/page?") and "year=2022" in link and "lang=en" in link


def test_every_key_used_in_shipped_templates_is_translated():
    import segreform.web.barometer  # noqa: F401  (registers the barometer's strings, as the app does)

    used = set()
    for path in TEMPLATES.rglob("*.html"):
        if path.parts[-2] in {"programme", "research"}:
            continue  # other jobs' templates register their own keys
        used |= set(re.findall(r"""\bt\(\s*["']([\w.]*\w)["']\s*[,)]""", path.read_text(encoding="utf-8")))
    # Keys built at run time ("lang." ~ code, "type.N", ...) are checked where they are built.
    missing = sorted(k for k in used if k not in CATALOGUE)
    assert not missing, f"untranslated keys: {missing}"


def test_keys_built_at_run_time_are_translated():
    import segreform.web.barometer  # noqa: F401
    from segreform.barometer.indicators import DIRECTIONS
    from segreform.barometer.typology import TRENDS

    keys = [f"bar.trend.{v}" for v in TRENDS] + [f"bar.direction.{v}" for v in DIRECTIONS]
    keys += ["bar.level.kommun", "bar.level.regso", "bar.type_basis.published", "bar.type_basis.computed"]
    keys += [f"lang.{code}" for code in i18n.LANGUAGES]
    assert [k for k in keys if k not in CATALOGUE] == []


def test_page_cache_serves_the_same_page_per_url_and_language():
    from segreform.web.i18n import PageCache

    cache = PageCache(size=2)
    calls = []
    app = FastAPI()

    @app.get("/cached")
    def cached(request: Request):
        if hit := cache.response(request):
            return hit
        calls.append(request.url.query)
        return render(request, "base.html", cache=cache)

    client = TestClient(app)
    first = client.get("/cached?lang=en")
    again = client.get("/cached?lang=en")
    assert again.text == first.text and len(calls) == 1
    assert again.cookies.get("lang") == "en"  # a cached page still remembers the choice
    client.get("/cached?lang=sv")
    client.get("/cached?x=1&lang=sv")
    client.get("/cached?lang=en")  # evicted by the two newer pages: rendered again
    assert len(calls) == 4
