"""A programme year through the pages only, in Swedish, in Chromium: the admin loads the invented 2026–2028 years
from a file; the officer opens a call; three municipalities apply (the ineligible one is flagged with its
evidence); reviewers score (a blank criterion and a conflicted assignment are refused, saying why); the officer
runs the selection (higher need outranks an equal review score), sees the stability probabilities, refuses an
override without a reason and decides the grants from the run. Screenshots of each step in test-artifacts/."""

from __future__ import annotations

import pytest

from segreform.store import make_engine, upgrade

from year_scenario import PASSWORD, PEOPLE, empty, invented_years_yaml, prepare

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def year_server(tmp_path_factory, app_server):
    folder = tmp_path_factory.mktemp("year-browser")
    url = f"sqlite:///{folder / 'year.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    prepare(engine)
    definition_file = folder / "programar-2026-2028.yaml"
    definition_file.write_text(invented_years_yaml(), encoding="utf-8")
    with app_server(engine) as base:
        yield base, definition_file
    empty(engine)
    engine.dispose()


def _sign_in(browser, base: str, who: str):
    context = browser.new_context(locale="sv-SE")
    page = context.new_page()
    page.goto(f"{base}/programme/login?lang=sv")
    page.fill("input[name=email]", PEOPLE[who][0])
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page


def _apply(page, base: str, call_id: str, *, plan: str = "Läsfrämjande i alla skolor", shot: str | None = None,
           artifacts=None):
    page.goto(f"{base}/programme/calls/{call_id}/apply?lang=sv")
    page.fill("input[name=title]", "Läslyft i skolan")
    page.fill("input[name=start_year]", "2026")
    page.fill("input[name=years]", "1")
    page.fill("input[name=total_budget_sek]", "25 000 000")
    page.fill("input[name=requested_sek]", "20 000 000")
    page.fill("textarea[name=plan]", plan)
    page.fill("textarea[name=goals]", "Fler elever når målen")
    page.fill("textarea[name=time_plan]", "Hela 2026")
    page.click("button[value=submit]")
    page.wait_for_load_state()


def test_a_programme_year_in_the_browser(chromium_browser, year_server, artifacts_dir):
    base, definition_file = year_server
    shots = artifacts_dir
    contexts = []
    try:
        # 1. the admin loads the invented programme years from a file
        context, admin = _sign_in(chromium_browser, base, "admin")
        contexts.append(context)
        admin.goto(f"{base}/programme/definitions?lang=sv")
        admin.set_input_files("input[name=file]", str(definition_file))
        admin.click("form[enctype] button")
        assert "test-2026-2028 är inläst" in admin.inner_text("main")
        admin.screenshot(path=str(shots / "year-01-definition-loaded.png"), full_page=True)

        # 2. the officer opens a call (first with mistakes: every one shown in place)
        context, officer = _sign_in(chromium_browser, base, "officer")
        contexts.append(context)
        officer.goto(f"{base}/programme/calls?lang=sv")
        officer.fill("#call-form input[name=title]", "")
        officer.fill("#call-form input[name=year]", "99999999999999999999")
        officer.click("#call-form button")
        errors = officer.inner_text("#call-form")
        assert "ge utlysningen en titel" in errors and "skriv ett heltal" in errors and "skriv datum och tid" in errors
        officer.fill("#call-form input[name=title]", "Skola 2026")
        officer.fill("#call-form input[name=year]", "2026")
        officer.select_option("#call-form select[name=development_area]", "school")
        officer.select_option("#call-form select[name=reform_code]", "r06")
        officer.fill("#call-form input[name=deadline]", "2099-03-31T23:59")
        officer.fill("#call-form input[name=budget_years]", "2026, 2027")
        officer.check("#call-form input[name=open_now]")
        officer.click("#call-form button")
        row = officer.locator("tr", has_text="Skola 2026")
        assert "öppen" in row.inner_text()
        call_id = row.get_attribute("data-call")
        officer.screenshot(path=str(shots / "year-02-call-open.png"), full_page=True)

        # 3. three municipalities apply; Malmö's first try shows every problem and keeps what was typed
        context, malmo = _sign_in(chromium_browser, base, "malmo")
        contexts.append(context)
        malmo.goto(f"{base}/programme/calls?lang=sv")
        malmo.click(f"tr[data-call='{call_id}'] >> text=Ansök")
        malmo.fill("input[name=title]", "Läslyft i skolan")
        malmo.fill("input[name=start_year]", "2999")
        malmo.fill("input[name=total_budget_sek]", "25 000 000")
        malmo.fill("input[name=requested_sek]", "24 000 000")
        malmo.click("button[value=submit]")
        form = malmo.inner_text("#application-form")
        assert "måste vara ett av utlysningens år 2026–2027" in form
        assert "medfinansieringen måste täcka minst 10 %" in form
        assert malmo.input_value("input[name=title]") == "Läslyft i skolan"
        malmo.screenshot(path=str(shots / "year-03-application-errors.png"), full_page=True)
        _apply(malmo, base, call_id)
        assert "inskickad" in malmo.inner_text("#application-status")
        assert "Behörig enligt programmets regel" in malmo.inner_text("#eligibility")
        malmo.screenshot(path=str(shots / "year-04-malmo-eligible.png"), full_page=True)
        for who in ("botkyrka", "danderyd"):
            context, page = _sign_in(chromium_browser, base, who)
            contexts.append(context)
            _apply(page, base, call_id)
            assert "inskickad" in page.inner_text("#application-status")
        evidence = page.inner_text("#eligibility")  # Danderyd
        assert "Inte behörig enligt programmets regel: flaggad" in evidence
        assert "RegSO av områdestyp 1 eller 2" in evidence and "Dataår för områdestyperna" in evidence
        page.screenshot(path=str(shots / "year-05-danderyd-flagged.png"), full_page=True)

        # 4. review: assignments, a conflict refused with its reason, a blank criterion refused
        officer.goto(f"{base}/programme/review?lang=sv")
        sections = officer.locator("section.review-item")
        ids = {}
        for i in range(sections.count()):
            text = sections.nth(i).inner_text()
            name = next(n for n in ("Malmö", "Botkyrka", "Danderyd") if n in text)
            ids[name] = sections.nth(i).get_attribute("data-application")
        for name, reviewers in (("Malmö", ("Rut Bedömare", "Rolf Bedömare")),
                                ("Botkyrka", ("Rut Bedömare", "Rolf Bedömare")), ("Danderyd", ("Rita Jävig",))):
            for reviewer in reviewers:
                section = officer.locator(f"section[data-application='{ids[name]}']")
                section.locator("select[name=reviewer]").select_option(label=reviewer)
                section.locator("button", has_text="Tilldela").click()
        context, rita = _sign_in(chromium_browser, base, "reviewer3")
        contexts.append(context)
        rita.goto(f"{base}/programme/review?lang=sv")
        section = rita.locator(f"section[data-application='{ids['Danderyd']}']")
        section.locator("input[name=reason]").fill("Bor i kommunen")
        section.locator("button", has_text="Anmäl jäv").click()
        officer.goto(f"{base}/programme/review?lang=sv")
        section = officer.locator(f"section[data-application='{ids['Danderyd']}']")
        assert "Rita Jävig: Bor i kommunen" in section.inner_text()
        section.locator("select[name=reviewer]").select_option(label="Rita Jävig")
        section.locator("button", has_text="Tilldela").click()
        refusal = officer.locator(f"section[data-application='{ids['Danderyd']}']").inner_text()
        assert "har anmält jäv för den här ansökan (Bor i kommunen) och kan inte tilldelas" in refusal
        officer.screenshot(path=str(shots / "year-06-conflict-refused.png"), full_page=True)
        for who in ("reviewer1", "reviewer2"):
            context, reviewer = _sign_in(chromium_browser, base, who)
            contexts.append(context)
            for name in ("Malmö", "Botkyrka"):
                reviewer.goto(f"{base}/programme/review?lang=sv")
                section = reviewer.locator(f"section[data-application='{ids[name]}']")
                for code, value in (("relevance", "4"), ("efficiency", "3"), ("sustainability", "4"),
                                    ("reporting", "" if who == "reviewer1" and name == "Malmö" else "3")):
                    section.locator(f"input[name=score_{code}]").fill(value)
                section.locator("button", has_text="poäng").first.click()
                if who == "reviewer1" and name == "Malmö":
                    section = reviewer.locator(f"section[data-application='{ids[name]}']")
                    assert "måste fyllas i: alla kriterier ska poängsättas" in section.inner_text()
                    assert section.locator("input[name=score_relevance]").input_value() == "4"  # kept
                    reviewer.screenshot(path=str(shots / "year-07-blank-criterion.png"), full_page=True)
                    section.locator("input[name=score_reporting]").fill("3")
                    section.locator("button", has_text="poäng").first.click()
                assert "Din viktade poäng" in reviewer.locator(
                    f"section[data-application='{ids[name]}']").inner_text()

        # 5. selection: need decides between equal scores; stability beside each decision
        officer.goto(f"{base}/programme/select?lang=sv")
        officer.fill("#run-form input[name=year]", "2026")
        officer.click("#run-form button")
        malmo_row = officer.locator(f"tr[data-application='{ids['Malmö']}']")
        botkyrka_row = officer.locator(f"tr[data-application='{ids['Botkyrka']}']")
        assert malmo_row.get_attribute("data-selected") == "true"
        assert botkyrka_row.get_attribute("data-selected") == "false"
        assert malmo_row.locator(".probability").inner_text().replace("\xa0", " ") == "100 %"
        assert botkyrka_row.locator(".probability").inner_text().replace("\xa0", " ") == "0 %"
        binding = officer.inner_text("#binding")
        assert "Bindande gräns" in binding and "budgetposten för 2026 för Utökat stöd till skolor" in binding
        assert "Inte vald" in botkyrka_row.locator(".explanation").inner_text()
        assert "inte behörig" in officer.locator(f"tr[data-application='{ids['Danderyd']}']").inner_text()
        officer.screenshot(path=str(shots / "year-08-selection-stability.png"), full_page=True)

        # 6. an override without a reason is refused; the grants are decided from the run
        botkyrka_row.locator("button", has_text="Lägg till").click()
        assert "en manuell ändring måste motiveras" in officer.inner_text("#action-error")
        officer.screenshot(path=str(shots / "year-09-override-refused.png"), full_page=True)
        officer.click("#decide-form button")
        assert "Beslutat" in officer.inner_text("#decided")
        assert "beviljad" in officer.locator(f"tr[data-application='{ids['Malmö']}']").inner_text()
        row = officer.locator(f"tr[data-application='{ids['Botkyrka']}']")
        row.locator(".grant-outside-form button").click()
        assert "bidrag utanför urvalet kräver ett skriftligt skäl" in officer.inner_text("#action-error")
        officer.screenshot(path=str(shots / "year-10-decided.png"), full_page=True)
        officer.goto(f"{base}/programme/grants?lang=sv")
        grants = officer.inner_text("#grants-table")
        assert "Malmö" in grants and "Urvalskörning nr" in grants and "Botkyrka" not in grants
        officer.screenshot(path=str(shots / "year-11-grants.png"), full_page=True)
    finally:
        for context in contexts:
            context.close()
