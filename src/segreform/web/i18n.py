"""Swedish and English for every page: the language choice, the catalogue, and the render helper.

The language comes from ``?lang=sv|en`` (which also sets a cookie so that it sticks), then the
``lang`` cookie, then the default, Swedish. Every job keeps its own strings next to its own code and
adds them with :func:`register`; templates call ``t("key")`` and get the request's language.

Usage from a router::

    from segreform.web.i18n import render, register

    register({"programme.title": {"sv": "Programmet", "en": "The programme"}})
    add_nav_link("/programme", "programme.title")

    @router.get("/programme")
    def page(request: Request):
        return render(request, "programme/index.html", rows=rows)

In a template that extends ``base.html``: ``{{ t("programme.title") }}``, ``{{ lang }}``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import threading
from collections import OrderedDict
from decimal import Decimal
from functools import lru_cache
from io import BytesIO

from babel import dates as babel_dates, numbers as babel_numbers, support
from babel.messages import mofile, pofile

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
LANG_COOKIE = "lang"
TEMPLATES_DIR = Path(__file__).parent / "templates"

# key -> {"sv": ..., "en": ...}. Strings may contain str.format fields: t("x", lang, n=3).
CATALOGUE: dict[str, dict[str, str]] = {
    "site.name": {"sv": "segreform – Segregationsbarometern", "en": "segreform – the segregation barometer"},
    "site.short": {"sv": "segreform", "en": "segreform"},
    "site.tagline": {
        "sv": "Reformprogram mot segregation: mäta, välja, nätverka, finansiera, utvärdera",
        "en": "Reform programme against segregation: measure, select, network, fund, evaluate",
    },
    "nav.skip": {"sv": "Hoppa till innehållet", "en": "Skip to content"},
    "nav.main": {"sv": "Huvudmeny", "en": "Main menu"},
    "nav.overview": {"sv": "Sverige", "en": "Sweden"},
    "nav.search": {"sv": "Sök område", "en": "Find an area"},
    "nav.indicators": {"sv": "Indikatorer", "en": "Indicators"},
    "nav.programme": {"sv": "Programmet", "en": "Programme"},
    "nav.research": {"sv": "Forskning", "en": "Research"},
    "nav.downloads": {"sv": "Ladda ned", "en": "Downloads"},
    "nav.api": {"sv": "API", "en": "API"},
    "lang.switch": {"sv": "Språk", "en": "Language"},
    "lang.sv": {"sv": "Svenska", "en": "Svenska"},
    "lang.en": {"sv": "English", "en": "English"},
    "footer.sources": {
        "sv": "Källor: SCB (CC0), Polisen, Kolada. Varje siffra anger källa och år.",
        "en": "Sources: Statistics Sweden (CC0), the Police, Kolada. Every figure states its source and year.",
    },
    "footer.version": {"sv": "Version {version}", "en": "Version {version}"},
    "common.source": {"sv": "Källa", "en": "Source"},
    "common.year": {"sv": "År", "en": "Year"},
    "common.licence": {"sv": "Licens", "en": "Licence"},
    "common.download": {"sv": "Ladda ned", "en": "Download"},
    "common.show": {"sv": "Visa", "en": "Show"},
    "common.no_data": {"sv": "Inga data inlästa", "en": "No data loaded"},
    "common.not_found": {"sv": "Hittades inte", "en": "Not found"},
    "common.chart_needs_js": {
        "sv": "Diagrammet kräver JavaScript; samma siffror finns i tabellen.",
        "en": "The chart needs JavaScript; the same figures are in the table.",
    },
}


def register(entries: Mapping[str, Mapping[str, str]]) -> None:
    """Add translations to the shared catalogue.

    Parameters
    ----------
    entries : mapping of key -> {"sv": text, "en": text}
        Use a prefix per job (``"programme.title"``) so that keys do not collide.

    Raises
    ------
    ValueError
        When an entry lacks one of the languages, or redefines an existing key with other text.
    """
    for key, texts in entries.items():
        missing = [lang for lang in LANGUAGES if lang not in texts]
        if missing:
            raise ValueError(f"translation {key!r} lacks {', '.join(missing)}; give both 'sv' and 'en'")
        existing = CATALOGUE.get(key)
        if existing is not None and dict(existing) != dict(texts):
            raise ValueError(f"translation key {key!r} is already registered with other text; use another key")
        CATALOGUE[key] = dict(texts)


# (href, catalogue key) in menu order; other jobs add theirs with add_nav_link.
NAV_LINKS: list[tuple[str, str]] = [
    ("/", "nav.overview"),
    ("/search", "nav.search"),
    ("/indicators", "nav.indicators"),
    ("/downloads", "nav.downloads"),
]


def add_nav_link(href: str, key: str) -> None:
    """Put a page into the main menu (before the API link); ``key`` is a catalogue key for its label."""
    if (href, key) not in NAV_LINKS:
        NAV_LINKS.append((href, key))


def t(key: str, lang: str = DEFAULT_LANGUAGE, **fields: Any) -> str:
    """The text for ``key`` in ``lang`` (``"sv"`` or ``"en"``), with ``fields`` formatted in.

    An unknown key comes back as the key itself, so a missing translation shows on the page
    instead of breaking it; ``tests/web`` checks that every key used by the shipped templates exists.
    """
    texts = CATALOGUE.get(key)
    if texts is None:
        return key
    text = texts.get(lang) or texts[DEFAULT_LANGUAGE]
    return text.format(**fields) if fields else text


LOCALE_DIR = Path(__file__).parent / "locale"
BABEL_LOCALES = {"sv": "sv_SE", "en": "en_GB"}


@lru_cache(maxsize=None)
def gettext_for(lang: str) -> "NewStyleTranslations":
    """The gettext catalogue of ``lang``: every ``locale/<lang>/LC_MESSAGES/*.po`` merged.

    Message ids are the English texts. Each part of the product keeps its own ``.po`` file (one per job,
    e.g. ``programme.po``, ``barometer.po``), so that parts do not edit one shared file; ``pybabel extract``
    with ``babel.cfg`` lists what the templates and code ask for. An untranslated id shows in English.
    """
    merged = support.Translations()
    for po_path in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
        with po_path.open("rb") as handle:
            catalog = pofile.read_po(handle, locale=BABEL_LOCALES.get(lang, lang))
        buffer = BytesIO()
        mofile.write_mo(buffer, catalog)
        buffer.seek(0)
        merged.merge(support.Translations(buffer))
    return NewStyleTranslations(merged)


class NewStyleTranslations:
    """gettext with Jinja's new-style placeholders: ``_("%(n)s areas", n=3)`` formats after translating."""

    def __init__(self, translations: support.Translations):
        self._translations = translations

    def gettext(self, message: str, **fields: Any) -> str:
        text = self._translations.gettext(message)
        return text % fields if fields else text

    def ngettext(self, singular: str, plural: str, n: int, **fields: Any) -> str:
        text = self._translations.ngettext(singular, plural, n)
        return text % {"num": n, **fields}


def gettext(lang: str, message: str, **fields: Any) -> str:
    """Translate ``message`` (its English text) into ``lang`` outside a template (errors, e-mails, CSV headers)."""
    return gettext_for(lang).gettext(message, **fields)


class Formats:
    """Numbers, money and dates in one language's conventions, through Babel (never hand-written)."""

    def __init__(self, lang: str):
        self.locale = BABEL_LOCALES.get(lang, lang)

    def number(self, value: Any, decimals: int | None = None) -> str:
        if value is None:
            return "–"
        if decimals is None:
            return babel_numbers.format_decimal(value, locale=self.locale)
        return babel_numbers.format_decimal(value, format=f"#,##0.{'0' * decimals}" if decimals else "#,##0",
                                            locale=self.locale)

    def percent(self, share: Any, decimals: int = 1) -> str:
        if share is None:
            return "–"
        return babel_numbers.format_percent(share, format=f"#,##0.{'0' * decimals} %" if decimals else "#,##0 %",
                                            locale=self.locale)

    def money_ore(self, ore: int | None, decimals: bool = False) -> str:
        """An amount held in öre, as kronor (SEK) in the language's format."""
        if ore is None:
            return "–"
        return babel_numbers.format_currency(Decimal(ore) / 100, "SEK", locale=self.locale,
                                             format=None if decimals else "#,##0 ¤", currency_digits=decimals)

    def date(self, value: Any, format: str = "medium") -> str:
        if value is None:
            return "–"
        return babel_dates.format_date(value, format=format, locale=self.locale)

    def datetime(self, value: Any, format: str = "medium") -> str:
        if value is None:
            return "–"
        return babel_dates.format_datetime(value, format=format, locale=self.locale)


@lru_cache(maxsize=None)
def formats_for(lang: str) -> Formats:
    return Formats(lang)


def language(request: Request) -> str:
    """The request's language: ``?lang=``, then the ``lang`` cookie, then Swedish."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE


def format_number(value: Any, unit: str = "", lang: str = DEFAULT_LANGUAGE, decimals: int | None = None) -> str:
    """A figure for people: shares as percent, thousands grouped, Swedish decimal comma; "–" for missing."""
    if value is None:
        return "–"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if number != number:  # NaN
        return "–"
    suffix = ""
    if unit == "share":
        number, suffix = number * 100, "\u00a0%"
        decimals = 1 if decimals is None else decimals
    elif decimals is None:
        decimals = 0 if number.is_integer() or abs(number) >= 1000 else 3 if abs(number) < 1 else 1
    text = f"{number:,.{decimals}f}"
    if lang == "sv":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text + suffix


def url_with_lang(request: Request, lang: str) -> str:
    """The current page's URL with ``lang`` swapped in (for the language switch)."""
    url = request.url.include_query_params(lang=lang)
    return f"{url.path}?{url.query}"


class PageCache:
    """Rendered pages by (path, query, language), the oldest dropped beyond ``size``.

    For pages that depend only on their URL, the language and data that a snapshot caches: keep one
    PageCache on the snapshot so that it is dropped with it when the data change.
    """

    def __init__(self, size: int = 256):
        self.size = size
        self._pages: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(request: Request) -> tuple:
        return request.url.path, request.url.query, language(request)

    def response(self, request: Request):
        """The cached page as a response (with the language cookie when asked for), or None."""
        with self._lock:
            body = self._pages.get(self.key(request))
            if body is None:
                return None
            self._pages.move_to_end(self.key(request))
        return _remember_language(request, HTMLResponse(body))

    def store(self, request: Request, body: bytes) -> None:
        with self._lock:
            self._pages[self.key(request)] = body
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


def _remember_language(request: Request, response):
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(LANG_COOKIE, request.query_params["lang"], max_age=365 * 24 * 3600, samesite="lax")
    return response


templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.add_extension("jinja2.ext.i18n")
# Per-request gettext callables are passed in the render context (they shadow these globals), so
# ``{{ _("...") }}`` and ``{% trans %}`` blocks follow the request's language.
templates.env.install_null_translations(newstyle=True)
templates.env.globals["LANGUAGES"] = LANGUAGES
templates.env.globals["NAV_LINKS"] = NAV_LINKS


def render(request: Request, template: str, status_code: int = 200, *, cache: PageCache | None = None, **context: Any):
    """Render ``template`` in the request's language.

    With ``cache``, a 200 page is kept there for the next request of the same URL and language (see
    :class:`PageCache`; look it up first with ``cache.response(request)``). The template gets ``request``, ``lang``, ``t`` (bound to the language), ``num`` (figures formatted for
    the language), ``url_with_lang`` and everything in ``context``. A ``?lang=`` choice is remembered in a cookie for a year.
    """
    from segreform import __version__

    lang = language(request)

    def bound_t(key: str, **fields: Any) -> str:
        return t(key, lang, **fields)

    translations = gettext_for(lang)
    context = {
        "lang": lang,
        "t": bound_t,
        "_": translations.gettext,
        "gettext": translations.gettext,
        "ngettext": translations.ngettext,
        "fmt": formats_for(lang),
        "url_with_lang": lambda code: url_with_lang(request, code),
        "version": __version__,
        "status_code": status_code,
        "current_path": request.url.path,
        "csp_nonce": getattr(request.state, "csp_nonce", ""),  # set by segreform.web.security for inline scripts
        "num": lambda value, unit="", decimals=None: format_number(value, unit, lang, decimals),
        **context,
    }
    response = templates.TemplateResponse(request, template, context, status_code=status_code)
    if cache is not None and status_code == 200:
        cache.store(request, response.body)
    return _remember_language(request, response)


__all__ = ["CATALOGUE", "LANGUAGES", "NAV_LINKS", "Formats", "PageCache", "add_nav_link", "formats_for", "gettext",
           "gettext_for", "language", "register", "render", "t", "templates"]
