"""Swedish and English for every page: the language choice, the gettext catalogues, Babel formats, rendering.

One translation system, the ecosystem's standard: every text a page or message shows is an English msgid in
the gettext catalogues ``locale/{sv,en}/LC_MESSAGES/*.po`` (one file per part of the product, merged at start);
templates use Jinja2's i18n extension (``{{ _("Year") }}``, ``{% trans %}``, ``pgettext("menu", "Sweden")``
where one English word needs two Swedish ones), Python code :func:`gettext`/:func:`pgettext` with the
request's language; numbers, money and dates go through Babel (:class:`Formats`). A text chosen at run time
(a trend, a status) is marked where it is defined with :func:`N_` so that ``pybabel extract -F babel.cfg``
and ``tests/web/test_i18n_catalogues.py`` see it. The language comes from ``?lang=sv|en`` (which also sets a
cookie so that it sticks), then the ``lang`` cookie, then the default, Swedish.

Usage from a router::

    from segreform.web.i18n import add_nav_link, pgettext_noop, render

    add_nav_link("/programme", pgettext_noop("menu", "Programme"))

    @router.get("/programme")
    def page(request: Request):
        return render(request, "programme/index.html", rows=rows)

In a template that extends ``base.html``: ``{{ _("The reform programme") }}``, ``{{ lang }}``, ``{{ fmt.number(x) }}``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from decimal import Decimal
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import dates as babel_dates, numbers as babel_numbers, support
from babel.messages import mofile, pofile
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from segreform import __version__

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
LANG_COOKIE = "lang"
TEMPLATES_DIR = Path(__file__).parent / "templates"
# Each language named in itself (the language switch), so not translated.
LANGUAGE_NAMES = {"sv": "Svenska", "en": "English"}


def N_(message: str) -> str:
    """Mark ``message`` as a msgid for extraction without translating it now (it is translated where shown)."""
    return message


def pgettext_noop(context: str, message: str) -> str:
    """:func:`N_` for a msgid with a context; the page translates it with ``pgettext(context, message)``."""
    return message


# (href, msgid of its label, translated with the context "menu") in menu order; other jobs add theirs with
# add_nav_link.
NAV_LINKS: list[tuple[str, str]] = [
    ("/", pgettext_noop("menu", "Sweden")),
    ("/search", pgettext_noop("menu", "Find an area")),
    ("/indicators", pgettext_noop("menu", "Indicators")),
    ("/downloads", pgettext_noop("menu", "Downloads")),
]


def add_nav_link(href: str, label: str) -> None:
    """Put a page into the main menu (before the API link); ``label`` is a msgid marked with
    ``pgettext_noop("menu", ...)``."""
    if (href, label) not in NAV_LINKS:
        NAV_LINKS.append((href, label))


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

    def pgettext(self, context: str, message: str, **fields: Any) -> str:
        text = self._translations.pgettext(context, message)
        return text % fields if fields else text


def gettext(lang: str, message: str, **fields: Any) -> str:
    """Translate ``message`` (its English text) into ``lang`` outside a template (errors, e-mails, CSV headers)."""
    return gettext_for(lang).gettext(message, **fields)


def pgettext(lang: str, context: str, message: str, **fields: Any) -> str:
    """:func:`gettext` for a msgid that has a context (the same English with another Swedish)."""
    return gettext_for(lang).pgettext(context, message, **fields)


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
    """A figure for people: shares as percent, thousands grouped and the decimal sign as the language writes them
    (Swedish: non-breaking space, comma); "–" for missing."""
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
    # The separators are Babel's (CLDR) for the language; the digits come from Python's formatting, because a kommun
    # page shows hundreds of figures and Babel's own formatter takes some 30 times as long per figure.
    return f"{number:,.{decimals}f}".translate(number_symbols(lang)) + suffix


@lru_cache(maxsize=None)
def number_symbols(lang: str) -> dict[int, str]:
    """Python's "," and "." as the language's group and decimal symbols (a ``str.translate`` table)."""
    locale = BABEL_LOCALES.get(lang, lang)
    return {ord(","): babel_numbers.get_group_symbol(locale), ord("."): babel_numbers.get_decimal_symbol(locale)}


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
templates.env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES


def render(request: Request, template: str, status_code: int = 200, *, cache: PageCache | None = None, **context: Any):
    """Render ``template`` in the request's language.

    With ``cache``, a 200 page is kept there for the next request of the same URL and language (see
    :class:`PageCache`; look it up first with ``cache.response(request)``). The template gets ``request``,
    ``lang``, ``_``/``gettext``/``ngettext``/``pgettext`` (the language's catalogue), ``fmt`` (Babel formats),
    ``num`` (figures formatted for the language), ``url_with_lang`` and everything in ``context``. A ``?lang=``
    choice is remembered in a cookie for a year.
    """
    lang = language(request)
    translations = gettext_for(lang)
    context = {
        "lang": lang,
        "_": translations.gettext,
        "gettext": translations.gettext,
        "ngettext": translations.ngettext,
        "pgettext": translations.pgettext,
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


__all__ = ["LANGUAGES", "LANGUAGE_NAMES", "NAV_LINKS", "Formats", "N_", "PageCache", "add_nav_link", "formats_for",
           "gettext", "gettext_for", "language", "pgettext", "pgettext_noop", "render", "templates"]
