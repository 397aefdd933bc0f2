"""Issue 10's remaining gaps: the older domain modules' refusals are translatable and shown in Swedish on Swedish
pages; a bad value in a page URL gets the error page in the reader's language (the API keeps FastAPI's JSON)."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

import segreform
from segreform.programme import ledger
from segreform.programme.errors import BudgetExceeded, InvalidInput, NotFound, require
from segreform.store import transaction
from segreform.store.models.programme import Application
from segreform.web.app import create_app
from segreform.web.messages import user_message

ROOT = Path(segreform.__file__).parent
MODULES = ["ledger", "accounts", "applications", "review", "grants", "errors"]
HUGE = "99999999999999999999"


def _catalogue(lang):
    return read_po((ROOT / f"web/locale/{lang}/LC_MESSAGES/programme_messages.po").open("rb"))


def test_every_message_of_the_older_modules_is_a_msgid_with_a_swedish_translation():
    used = set()
    for name in MODULES:
        for _, message, _, _ in extract_from_file("python", ROOT / "programme" / f"{name}.py",
                                                  keywords={"M": None, "Message": None}):
            used.add(message if isinstance(message, str) else message[0])
    sv, en = _catalogue("sv"), _catalogue("en")
    assert len(used) > 50
    missing = sorted(m for m in used if m not in sv or not sv[m].string)
    assert not missing, missing
    assert {m.id for m in sv if m.id} == {m.id for m in en if m.id}
    # no f-string refusals are left in those modules: each message keeps its msgid
    for name in MODULES:
        source = (ROOT / "programme" / f"{name}.py").read_text()
        assert 'raise InvalidInput(name, f"' not in source and 'Exceeded(\n            f"' not in source, name


def test_refusals_read_in_the_pages_language(seeded):
    with transaction(seeded) as db:
        with pytest.raises(NotFound) as missing:
            require(db, Application, 2147483647, "application")
        with pytest.raises(BudgetExceeded) as over:
            ledger.commit(db, year=2019, reform_code="r09", grant_id=None, amount_ore=10**15, actor="t")
        with pytest.raises(InvalidInput) as bad:
            ledger.commit(db, year=2019, reform_code="r09", grant_id=None, amount_ore=-1, actor="t")
    assert user_message("sv", missing.value) == "ansökan 2147483647 finns inte"
    assert user_message("en", missing.value) == "application 2147483647 does not exist"
    assert user_message("sv", over.value).startswith("beslutet om ") and "återstår" in user_message("sv", over.value)
    assert str(over.value).startswith("commitment of ")  # the API and logs keep the English text
    assert user_message("sv", bad.value) == "amount_ore: måste vara ett positivt antal öre"


def test_a_bad_value_in_a_page_url_gets_the_error_page_in_the_readers_language(seeded):
    client = TestClient(create_app(seeded))
    html = {"accept": "text/html"}
    swedish = client.get(f"/programme/meetings/{HUGE}?lang=sv", headers=html)
    assert swedish.status_code == 422 and swedish.headers["content-type"].startswith("text/html")
    assert "Adressen eller formuläret har ett värde som inte går att använda (meeting_id)" in swedish.text
    assert '<html lang="sv"' in swedish.text and '{"detail"' not in swedish.text
    english = client.get(f"/programme/meetings/{HUGE}?lang=en", headers=html)
    assert english.status_code == 422 and "The address or form has a value that cannot be used" in english.text
    api = client.get(f"/api/programme/meetings/{HUGE}", headers=html)
    assert api.status_code == 422 and api.json()["detail"][0]["loc"] == ["path", "meeting_id"]
    script = client.get(f"/programme/meetings/{HUGE}", headers={"accept": "application/json"})
    assert script.status_code == 422 and "detail" in script.json()


def test_a_missing_object_reads_in_swedish_on_a_swedish_page(seeded):
    client = TestClient(create_app(seeded))
    page = client.get("/programme/meetings/2147483647?lang=sv", headers={"accept": "text/html"})
    assert page.status_code == 404 and "finns inte" in page.text, page.text[-600:]



def test_missing_users_runs_and_applications_read_in_swedish(seeded):
    import re

    from segreform.programme import accounts

    with transaction(seeded) as db:
        accounts.create_user(db, email="admin@test.se", name="Admin", role="admin", password="a-long-test-password",
                             actor="t")
    client = TestClient(create_app(seeded))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/programme/login").text).group(1)
    signed_in = client.post("/programme/login", data={"email": "admin@test.se", "password": "a-long-test-password",
                                                      "csrf_token": token}, follow_redirects=False)
    assert signed_in.status_code == 303
    for path, swedish, english in (
            ("/programme/selection/runs/2147483647", "urvalskörning 2147483647 finns inte",
             "selection run 2147483647 does not exist"),
            ("/programme/users/2147483647", "användare 2147483647 finns inte", "user 2147483647 does not exist"),
            ("/programme/applications/2147483647/edit", "ansökan 2147483647 finns inte",
             "application 2147483647 does not exist")):
        page = client.get(f"{path}?lang=sv", headers={"accept": "text/html"})
        assert page.status_code == 404 and swedish in page.text and english not in page.text, path
        assert english in client.get(f"{path}?lang=en", headers={"accept": "text/html"}).text, path
