"""A municipal applicant's path through the pages in a real browser (Debian's chromium via Playwright)."""

from datetime import datetime, timezone

import pytest

from segreform.programme import accounts, calls
from segreform.programme.seeding import ensure_municipality, seed_programme
from segreform.store import make_engine, transaction, upgrade

pytestmark = pytest.mark.browser
PASSWORD = "a-long-browser-password"


@pytest.fixture(scope="module")
def programme_server(tmp_path_factory, app_server):
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'programme.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    seed_programme(engine)
    with transaction(engine) as db:
        ensure_municipality(db, "1280", "Malmö")
        accounts.create_user(db, email="malmo@test.se", name="Malmö sökande", role="applicant", password=PASSWORD,
                             actor="test", organisation_code="kommun-1280")
        calls.create_call(db, year=2025, title="Utlysning 2025", reform_code="r09", actor="test",
                          deadline=datetime(2099, 1, 1, tzinfo=timezone.utc))
    with app_server(engine) as url:
        yield url
    engine.dispose()


def test_applicant_signs_in_drafts_and_submits_in_english(chromium_browser, programme_server, artifacts_dir):
    page = chromium_browser.new_page()
    try:
        page.goto(f"{programme_server}/programme/login?lang=en")
        page.fill("input[name=email]", "malmo@test.se")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/programme/home")  # the applicant's worklist: calls and its applications
        page.click("main a[href^='/programme/applications?']")
        page.wait_for_url("**/programme/applications?**")
        page.fill("input[name=title]", "Läsfrämjande")
        page.check("input[name=development_areas][value=school]")
        page.fill("input[name=start_year]", "2025")
        page.fill("input[name=total_budget_sek]", "1 000 000")
        page.fill("input[name=requested_sek]", "950 000")  # 95 %: refused, co-funding must be at least 10 %
        for name in ("plan", "goals", "time_plan"):
            page.fill(f"textarea[name={name}]", "text")
        page.click("text=Save draft")
        assert "co-funding must cover at least 10 %" in page.inner_text("main")
        page.go_back()
        page.fill("input[name=requested_sek]", "900 000")
        page.click("text=Save draft")
        page.click("main table a")
        page.click("text=Submit")
        assert "submitted" in page.inner_text("main")
        page.screenshot(path=str(artifacts_dir / "programme-applicant.png"))
    finally:
        page.close()
