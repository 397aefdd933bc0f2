"""Every text the web app asks gettext for is in the Swedish and the English catalogue.

The strings are found the way ``pybabel extract -F babel.cfg`` finds them (Babel's extractors: Python for
``src/segreform/web/**.py``, Jinja2 for the templates), so a new ``{{ _("...") }}`` in a template or a new
``gettext(lang, "...")`` in a router fails here until ``locale/sv`` and ``locale/en`` have it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from segreform.web import i18n

WEB = Path(i18n.__file__).parent
TEMPLATES = WEB / "templates"
LOCALE = WEB / "locale"

# The app's own call shapes: gettext(lang, msgid), pgettext(lang, context, msgid); markers N_ and pgettext_noop;
# ``tr`` is a page's gettext bound to its language (segreform.web.programme_year_base); ``M`` a message kept with its
# msgid until a page translates it (segreform.programme.validation.Message).
PYTHON_KEYWORDS = {"_": None, "N_": None, "tr": None, "M": None, "gettext": (2,), "pgettext": ((2, "c"), 3),
                   "pgettext_noop": ((1, "c"), 2)}
TEMPLATE_KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n"}


def asked_for(templates: Path = TEMPLATES, python: Path | None = WEB) -> dict[tuple[str | None, str], str]:
    """(context, msgid) -> where it is asked for, from the templates under ``templates`` and the code under ``python``."""
    found = {}
    runs = [(templates, [("**.html", "jinja2")], TEMPLATE_KEYWORDS, {"**.html": JINJA_OPTIONS})]
    if python is not None:
        runs.append((python, [("**.py", "python")], PYTHON_KEYWORDS, None))
    for folder, method_map, keywords, options in runs:
        for filename, lineno, message, _comments, context in extract_from_dir(
                folder, method_map, options_map=options, keywords=keywords):
            msgid = message if isinstance(message, str) else message[0]
            if msgid:
                found.setdefault((context, msgid), f"{filename}:{lineno}")
    return found


def catalogue(lang: str) -> dict[tuple[str | None, str], str]:
    merged = {}
    for path in sorted((LOCALE / lang / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle):
                if message.id:
                    msgid = message.id if isinstance(message.id, str) else message.id[0]
                    merged[(message.context, msgid)] = message.string if isinstance(message.string, str) \
                        else message.string[0]
    return merged


def untranslated(asked: dict) -> list[str]:
    """What is missing from the English catalogue or has no Swedish text, with where it is asked for."""
    swedish, english = catalogue("sv"), catalogue("en")
    return sorted(f"{where}: {msgid!r}" + (f" (context {context!r})" if context else "")
                  for (context, msgid), where in asked.items()
                  if (context, msgid) not in english or not swedish.get((context, msgid)))


def test_every_string_of_the_templates_and_routers_is_in_both_catalogues():
    asked = asked_for()
    assert len(asked) > 400  # the extractors did find the app's strings
    assert untranslated(asked) == []


def test_a_new_untranslated_template_string_fails(tmp_path):
    (tmp_path / "new.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1>{{ _("Year") }}</h1>'
        '<p>{{ _("A sentence nobody has translated yet") }}</p>'
        '<p>{% trans n=3 %}%(n)s new areas nobody translated{% endtrans %}</p>'
        '<nav>{{ pgettext("menu", "Sweden") }} {{ pgettext("menu", "A menu item nobody translated") }}</nav>'
        '{% endblock %}', encoding="utf-8")
    missing = untranslated(asked_for(tmp_path, python=None))
    assert [line.split(": ", 1)[1] for line in missing] == [
        "'%(n)s new areas nobody translated'",
        "'A menu item nobody translated' (context 'menu')",
        "'A sentence nobody has translated yet'",
    ]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_both_catalogues_hold_the_same_messages(lang):
    other = "en" if lang == "sv" else "sv"
    assert sorted(set(catalogue(lang)) - set(catalogue(other)), key=str) == []
