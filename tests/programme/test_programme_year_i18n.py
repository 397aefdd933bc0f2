"""Every string of the programme-year pages and messages has a Swedish translation in programme_select.po."""

from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

import segreform

ROOT = Path(segreform.__file__).parent
PY = ["programme/explanations.py", "programme/call_cycle.py", "programme/submission.py", "programme/decisions.py",
      "web/programme_calls.py", "web/programme_drafts.py", "web/programme_review.py", "web/programme_form_text.py",
      "web/programme_selection.py"]
HTML = ["calls", "apply", "review", "select", "grants", "definitions", "_year_nav"]


def _msgids() -> set[str]:
    found = set()
    keywords = {"_": None, "M": None, "translate": None, "tr": None}
    for name in PY:
        for _, message, _, _ in extract_from_file("python", ROOT / name, keywords=keywords):
            found.add(message if isinstance(message, str) else message[0])
    for name in HTML:
        path = ROOT / "web" / "templates" / "programme" / f"{name}.html"
        for _, message, _, _ in extract_from_file("jinja2", path, keywords={"_": None},
                                                  options={"extensions": "jinja2.ext.i18n"}):
            found.add(message if isinstance(message, str) else message[0])
    return {m for m in found if m}


def test_every_programme_year_string_is_in_swedish():
    sv = read_po((ROOT / "web/locale/sv/LC_MESSAGES/programme_select.po").open("rb"))
    en = read_po((ROOT / "web/locale/en/LC_MESSAGES/programme_select.po").open("rb"))
    used = _msgids()
    assert len(used) > 150
    missing = sorted(m for m in used if m not in sv or not sv[m].string)
    assert not missing, missing
    assert {m.id for m in sv if m.id} == {m.id for m in en if m.id}
