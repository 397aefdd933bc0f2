"""Every English text the people/network/reform pages and their errors ask for has a Swedish translation."""

import ast
import re
from pathlib import Path

from babel.messages import pofile

import segreform

SRC = Path(segreform.__file__).parent
TEMPLATES = ["home", "password", "users", "user", "user_issued", "_user_fields", "reforms", "networks",
             "_meeting_fields", "meeting", "agencies", "_nav"]
MODULES = ["programme/users.py", "programme/agencies.py", "programme/network_admin.py", "programme/milestones.py",
           "programme/accounts.py", "web/programme_networks.py", "web/programme_meetings.py"]


def _asked_for() -> set[str]:
    found = set()
    for name in TEMPLATES:
        text = (SRC / "web" / "templates" / "programme" / f"{name}.html").read_text(encoding="utf-8")
        found |= set(re.findall(r'''_\(\s*"((?:[^"\\]|\\.)*)"''', text))
        found |= set(re.findall(r"""_\(\s*'((?:[^'\\]|\\.)*)'""", text))
    for module in MODULES:
        for node in ast.walk(ast.parse((SRC / module).read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "FieldError" and len(node.args) > 1:
                if isinstance(node.args[1], ast.Constant):
                    found.add(node.args[1].value)
    from segreform.web.people_forms import FIELD_LABELS

    return found | set(FIELD_LABELS.values())


def _catalogue(lang: str) -> dict[str, str]:
    merged = {}
    for path in sorted((SRC / "web" / "locale" / lang / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            merged.update({m.id: m.string for m in pofile.read_po(handle) if m.id})
    return merged


def test_every_people_text_has_swedish_and_english_entries():
    asked = _asked_for()
    assert len(asked) > 150
    swedish, english = _catalogue("sv"), _catalogue("en")
    assert sorted(m for m in asked if not swedish.get(m)) == []
    assert sorted(m for m in asked if m not in english) == []
