"""The language choice, the gettext catalogues and the base layout that every page extends."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from segreform.web import i18n
from segreform.web.i18n import NAV_LINKS, gettext, pgettext, render

TEMPLATES = Path(i18n.__file__).parent / "templates"


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()

    @app.get("/page")
    def page(request: Request):
        return render(request, "base.html")

    return TestClient(app)


def test_gettext_returns_each_language_and_formats_fields():
    assert gettext("sv", "Language") == "Språk"
    assert gettext("en", "Language") == "Language"
    assert gettext("sv", "Version %(version)s", version="9.9") == "Version 9.9"
    assert gettext("sv", "No such text in any catalogue") == "No such text in any catalogue"  # shown in English


def test_one_english_word_can_have_two_swedish_ones_through_a_context():
    assert pgettext("sv", "menu", "Sweden") == "Sverige"  # the menu: the country
    assert gettext("sv", "Sweden") == "Riket"  # a row beside a county and a kommun: the nation
    assert pgettext("en", "menu", "Sweden") == gettext("en", "Sweden") == "Sweden"


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


def test_menu_labels_and_labels_chosen_at_run_time_are_translated():
    import segreform.web.barometer  # noqa: F401  (adds its label tables, as the app does)
    import segreform.web.programme  # noqa: F401
    import segreform.web.research  # noqa: F401
    from segreform.barometer.indicators import DIRECTIONS
    from segreform.barometer.typology import TRENDS
    from segreform.web.barometer_common import DIRECTION_NAMES, LEVEL_NAMES, TREND_NAMES, TYPE_BASIS_NAMES
    from segreform.web.programme import PROGRESS_STATUS_NAMES

    assert set(TRENDS) <= set(TREND_NAMES) and set(DIRECTIONS) <= set(DIRECTION_NAMES)
    untranslated = [label for _, label in NAV_LINKS if pgettext("sv", "menu", label) == label]
    assert untranslated == []
    tables = (TREND_NAMES, DIRECTION_NAMES, TYPE_BASIS_NAMES, LEVEL_NAMES, PROGRESS_STATUS_NAMES)
    same_in_swedish = {"neutral"}
    untranslated = [msgid for table in tables for msgid in table.values()
                    if gettext("sv", msgid) == msgid and msgid not in same_in_swedish]
    assert untranslated == []


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
