"""Issue 10's whole programme year through the pages only, as the roles, in Swedish, in Chromium.

A new deployment holds the bundled data, the 2017–2025 programme and one admin (what `segreform user create
--admin` leaves). The admin loads the invented 2026–2028 years and creates every other user in the UI; each signs
in with the one-time password and chooses their own. The officer opens a call; three municipalities apply (the
ineligible one flagged with its evidence); reviewers score (a blank criterion and a conflicted assignment refused,
saying why); the officer runs the selection (higher need outranks an equal review score), sees the stability
probabilities, refuses an override without a reason and decides the grants from the run; a network meeting is
recorded with minutes and decisions and an action item that is later completed; the agency reports progress on a
milestone, which the public reforms page shows. A screenshot of each step: test-artifacts/year-full-*.png."""

from __future__ import annotations

import re

import pytest

from segreform.programme import accounts
from segreform.programme.seeding import ensure_municipality
from segreform.store import make_engine, transaction, upgrade

from year_scenario import empty, invented_years_yaml

pytestmark = pytest.mark.browser
ADMIN = ("admin@delegationen.se", "förste admin 2026")
MUNICIPALITIES = {"malmo": ("1280", "Malmö"), "botkyrka": ("0127", "Botkyrka"), "danderyd": ("0162", "Danderyd")}
# who: (e-mail, name, role, organisation option, own password)
USERS = {
    "officer": ("officer@year.se", "Olga Handläggare", "officer", "", "olgas eget lösenord"),
    "reviewer1": ("r1@year.se", "Rut Bedömare", "reviewer", "", "ruts eget lösenord"),
    "reviewer2": ("r2@year.se", "Rolf Bedömare", "reviewer", "", "rolfs eget lösenord"),
    "reviewer3": ("r3@year.se", "Rita Jävig", "reviewer", "", "ritas eget lösenord"),
    "malmo": ("malmo@year.se", "Malin Malmö", "applicant", "kommun-1280", "malmös eget lösenord"),
    "botkyrka": ("botkyrka@year.se", "Bo Botkyrka", "applicant", "kommun-0127", "botkyrkas eget lösen"),
    "danderyd": ("danderyd@year.se", "Dan Danderyd", "applicant", "kommun-0162", "danderyds eget lösen"),
    "agency": ("kontakt@boverket.se", "Kontakt Boverket", "agency", "boverket", "boverkets eget lösen"),
}


@pytest.fixture
def year_site(tmp_path, app_server):
    from segreform.data.loader import ensure_initialised
    from segreform.programme.seeding import seed_programme
    from segreform.programme.submission import forget_cache

    url = f"sqlite:///{tmp_path / 'year-full.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    ensure_initialised(engine, progress=False)
    seed_programme(engine)
    forget_cache()
    with transaction(engine) as db:
        for code, name in MUNICIPALITIES.values():
            ensure_municipality(db, code, name)
        accounts.create_user(db, email=ADMIN[0], name="Första admin", role="admin", password=ADMIN[1], actor="cli")
    definition_file = tmp_path / "programar-2026-2028.yaml"
    definition_file.write_text(invented_years_yaml(), encoding="utf-8")
    with app_server(engine) as base:
        yield base, definition_file
    empty(engine)
    engine.dispose()


def _sign_in(browser, base, email, password):
    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 1000}, locale="sv-SE")
    page = context.new_page()
    page.goto("/programme/login?lang=sv")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main form[action^='/programme/login'] button[type=submit]")
    return page


def _first_sign_in(browser, base, who, one_time):
    """The one-time password, then a password of one's own (a short one refused in the form), then the worklist."""
    email, *_, own = USERS[who]
    page = _sign_in(browser, base, email, one_time)
    page.wait_for_url("**/programme/account/password**")
    form = "main form[action^='/programme/account/password']"
    if who == "officer":
        assert "engångslösenord" in page.inner_text("main")
        page.fill(f"{form} input[name=old_password]", one_time)
        page.fill(f"{form} input[name=new_password]", "kort")
        page.fill(f"{form} input[name=repeat]", "kort")
        page.click(f"{form} button[type=submit]")
        assert "måste ha minst 12 tecken" in page.inner_text("main")  # in the form, never JSON
    page.fill(f"{form} input[name=old_password]", one_time)
    page.fill(f"{form} input[name=new_password]", own)
    page.fill(f"{form} input[name=repeat]", own)
    page.click(f"{form} button[type=submit]")
    page.wait_for_url("**/programme/home**")
    assert page.locator("h1").inner_text() == "Min arbetslista"
    return page


def _create_user(admin, who):
    email, name, role, organisation, _ = USERS[who]
    admin.goto("/programme/users?lang=sv")
    form = "form#new-user"
    admin.fill(f"{form} input[name=email]", email)
    admin.fill(f"{form} input[name=name]", name)
    admin.select_option(f"{form} select[name=role]", role)
    admin.select_option(f"{form} select[name=organisation]", organisation)
    admin.click(f"{form} button[type=submit]")
    assert admin.locator("h1").inner_text() == "Användaren har skapats"
    return admin.locator("#one-time-password").inner_text()


def _apply(page, call_id):
    page.goto(f"/programme/calls/{call_id}/apply?lang=sv")
    page.fill("input[name=title]", "Läslyft i skolan")
    page.fill("input[name=start_year]", "2026")
    page.fill("input[name=years]", "1")
    page.fill("input[name=total_budget_sek]", "25 000 000")
    page.fill("input[name=requested_sek]", "20 000 000")
    page.fill("textarea[name=plan]", "Läsfrämjande i alla skolor")
    page.fill("textarea[name=goals]", "Fler elever når målen")
    page.fill("textarea[name=time_plan]", "Hela 2026")
    page.click("button[value=submit]")
    page.wait_for_load_state()


def test_the_whole_programme_year_in_the_browser(chromium_browser, year_site, artifacts_dir):
    base, definition_file = year_site
    pages = []

    def shot(page, step):
        page.screenshot(path=str(artifacts_dir / f"year-full-{step}.png"), full_page=True)

    try:
        # 1. the first admin loads the invented programme years and creates every user (a refused form first)
        admin = _sign_in(chromium_browser, base, *ADMIN)
        pages.append(admin)
        admin.wait_for_url("**/programme/home")
        assert "Hantera användare" in admin.inner_text("main")
        admin.goto("/programme/definitions?lang=sv")
        admin.set_input_files("input[name=file]", str(definition_file))
        admin.click("form[enctype] button")
        assert "test-2026-2028 är inläst" in admin.inner_text("main")
        shot(admin, "01-definition-loaded")
        admin.goto("/programme/users?lang=sv")
        admin.fill("form#new-user input[name=email]", "kontakt@boverket.se")
        admin.fill("form#new-user input[name=name]", "Kontakt Boverket")
        admin.select_option("form#new-user select[name=role]", "agency")
        admin.click("form#new-user button[type=submit]")
        assert "måste tillhöra en organisation" in admin.inner_text("#error-organisation")
        assert admin.input_value("form#new-user input[name=email]") == "kontakt@boverket.se"
        one_time = {who: _create_user(admin, who) for who in USERS}
        admin.goto("/programme/users?lang=sv")
        assert admin.locator("tbody tr").count() == 1 + len(USERS)
        assert admin.inner_text("main").count("måste byta lösenord") == len(USERS)
        shot(admin, "02-users-created")

        # 2. the officer chooses a password and opens a call (first with mistakes: each shown in place)
        officer = _first_sign_in(chromium_browser, base, "officer", one_time["officer"])
        pages.append(officer)
        assert "Ansökningar som behöver bedömare" in officer.inner_text("main")
        officer.goto("/programme/calls?lang=sv")
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
        shot(officer, "03-call-open")

        # 3. three municipalities apply; Malmö's first try shows every problem and keeps what was typed
        malmo = _first_sign_in(chromium_browser, base, "malmo", one_time["malmo"])
        pages.append(malmo)
        assert "Öppna utlysningar" in malmo.inner_text("main") and "Era ansökningar" in malmo.inner_text("main")
        malmo.goto("/programme/calls?lang=sv")
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
        shot(malmo, "04-application-errors")
        _apply(malmo, call_id)
        assert "inskickad" in malmo.inner_text("#application-status")
        assert "Behörig enligt programmets regel" in malmo.inner_text("#eligibility")
        shot(malmo, "05-malmo-eligible")
        for who in ("botkyrka", "danderyd"):
            page = _first_sign_in(chromium_browser, base, who, one_time[who])
            pages.append(page)
            _apply(page, call_id)
            assert "inskickad" in page.inner_text("#application-status")
        evidence = page.inner_text("#eligibility")  # Danderyd
        assert "Inte behörig enligt programmets regel: flaggad" in evidence
        assert "RegSO av områdestyp 1 eller 2" in evidence and "Dataår för områdestyperna" in evidence
        shot(page, "06-danderyd-flagged")

        # 4. review: assignments, a conflict refused with its reason, a blank criterion refused
        officer.goto("/programme/review?lang=sv")
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
        rita = _first_sign_in(chromium_browser, base, "reviewer3", one_time["reviewer3"])
        pages.append(rita)
        rita.goto("/programme/review?lang=sv")
        section = rita.locator(f"section[data-application='{ids['Danderyd']}']")
        section.locator("input[name=reason]").fill("Bor i kommunen")
        section.locator("button", has_text="Anmäl jäv").click()
        officer.goto("/programme/review?lang=sv")
        section = officer.locator(f"section[data-application='{ids['Danderyd']}']")
        assert "Rita Jävig: Bor i kommunen" in section.inner_text()
        section.locator("select[name=reviewer]").select_option(label="Rita Jävig")
        section.locator("button", has_text="Tilldela").click()
        refusal = officer.locator(f"section[data-application='{ids['Danderyd']}']").inner_text()
        assert "har anmält jäv för den här ansökan (Bor i kommunen) och kan inte tilldelas" in refusal
        shot(officer, "07-conflict-refused")
        for who in ("reviewer1", "reviewer2"):
            reviewer = _first_sign_in(chromium_browser, base, who, one_time[who])
            pages.append(reviewer)
            for name in ("Malmö", "Botkyrka"):
                reviewer.goto("/programme/review?lang=sv")
                section = reviewer.locator(f"section[data-application='{ids[name]}']")
                for code, value in (("relevance", "4"), ("efficiency", "3"), ("sustainability", "4"),
                                    ("reporting", "" if who == "reviewer1" and name == "Malmö" else "3")):
                    section.locator(f"input[name=score_{code}]").fill(value)
                section.locator("button", has_text="poäng").first.click()
                if who == "reviewer1" and name == "Malmö":
                    section = reviewer.locator(f"section[data-application='{ids[name]}']")
                    assert "måste fyllas i: alla kriterier ska poängsättas" in section.inner_text()
                    assert section.locator("input[name=score_relevance]").input_value() == "4"  # kept
                    shot(reviewer, "08-blank-criterion")
                    section.locator("input[name=score_reporting]").fill("3")
                    section.locator("button", has_text="poäng").first.click()
                assert "Din viktade poäng" in reviewer.locator(
                    f"section[data-application='{ids[name]}']").inner_text()

        # 5. selection: need decides between equal scores; stability beside each decision
        officer.goto("/programme/select?lang=sv")
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
        shot(officer, "09-selection-stability")

        # 6. an override without a reason is refused; the grants are decided from the run
        botkyrka_row.locator("button", has_text="Lägg till").click()
        assert "en manuell ändring måste motiveras" in officer.inner_text("#action-error")
        shot(officer, "10-override-refused")
        officer.click("#decide-form button")
        assert "Beslutat" in officer.inner_text("#decided")
        assert "beviljad" in officer.locator(f"tr[data-application='{ids['Malmö']}']").inner_text()
        row = officer.locator(f"tr[data-application='{ids['Botkyrka']}']")
        row.locator(".grant-outside-form button").click()
        assert "bidrag utanför urvalet kräver ett skriftligt skäl" in officer.inner_text("#action-error")
        shot(officer, "11-decided")
        officer.goto("/programme/grants?lang=sv")
        grants = officer.inner_text("#grants-table")
        assert "Malmö" in grants and "Urvalskörning nr" in grants and "Botkyrka" not in grants
        shot(officer, "12-grants")

        # 7. the school network (created by Malmö's grant) gains Skolverket; a meeting (an empty title refused in
        # the form, the typed minutes kept), then recorded with minutes and decisions
        officer.goto("/programme/networks?lang=sv")
        network = officer.locator("section[id^='network-']", has_text="Malmö")
        network_id = network.get_attribute("id")
        members = f"#{network_id} form[action*='/members']"
        skolverket = officer.locator(f"{members} option", has_text="Skolverket").get_attribute("value")
        officer.select_option(f"{members} select[name=organisation_id]", skolverket)
        officer.fill(f"{members} input[name=first_year]", "2026")
        officer.click(f"{members} button")
        assert "Skolverket (myndighet, från 2026)" in officer.inner_text(f"#{network_id}")
        officer.click(f"#{network_id} summary:has-text('Registrera ett möte')")
        meeting_form = f"#{network_id} form[action*='/meetings']"
        officer.select_option(f"{meeting_form} select[name=level]", "political")
        officer.fill(f"{meeting_form} input[name=held_on]", "2026-02-10")
        officer.fill(f"{meeting_form} textarea[name=minutes]", "Kommunerna redovisade läget.")
        officer.click(f"{meeting_form} button")
        assert "ange en titel" in officer.inner_text("main")
        assert officer.input_value(f"{meeting_form} textarea[name=minutes]") == "Kommunerna redovisade läget."
        officer.fill(f"{meeting_form} input[name=title]", "Nätverksträff politisk ledning")
        officer.fill(f"{meeting_form} textarea[name=agenda]", "1. Läget 2. Modeller")
        officer.fill(f"{meeting_form} input[name=participants]", "Malmö stad, Skolverket")
        officer.fill(f"{meeting_form} textarea[name=decisions]", "Ta fram en gemensam modell för läsfrämjande.")
        officer.click(f"{meeting_form} button")
        officer.wait_for_url(re.compile(r".*/programme/meetings/\d+.*"))
        meeting_url = officer.url.split("?")[0]
        assert "Kommunerna redovisade läget." in officer.inner_text("#minutes")
        assert "Ta fram en gemensam modell" in officer.inner_text("#decisions")

        # 8. an action item past its due date: overdue on the dashboard, then completed
        action_form = "form[action*='/actions']"
        officer.fill(f"{action_form} input[name=description]", "Sammanställ skolornas läsprojekt")
        officer.fill(f"{action_form} input[name=owner]", "Skolverket")
        officer.fill(f"{action_form} input[name=due_on]", "2026-03-01")
        officer.click(f"{action_form} button")
        assert "försenad" in officer.inner_text("#actions")
        officer.goto("/programme/home?lang=sv")
        assert "Sammanställ skolornas läsprojekt" in officer.inner_text("main")
        shot(officer, "13-action-overdue")
        officer.goto(meeting_url + "?lang=sv")
        officer.click("form[action*='/complete'] button")
        assert "klar" in officer.inner_text("#actions") and "försenad" not in officer.inner_text("#actions")
        shot(officer, "14-meeting-action-completed")
        officer.goto("/programme/home?lang=sv")
        assert "Ingen åtgärdspunkt är försenad." in officer.inner_text("main")
        officer.goto(meeting_url + "?lang=sv")  # edited afterwards: the minutes completed and published
        officer.click("summary:has-text('Ändra mötet')")
        edit = f"form[action^='{meeting_url.split(base)[1]}?']"
        officer.fill(f"{edit} textarea[name=minutes]", "Kommunerna redovisade läget. Justerat protokoll.")
        officer.check(f"{edit} input[name=published]")
        officer.click(f"{edit} button")
        assert "Justerat protokoll." in officer.inner_text("#minutes")

        # 9. a milestone for reform 7 (Boverket); the agency reports progress (a refusal in the form first)
        officer.goto("/programme/reforms?lang=sv")
        reform7 = "#reform-r07"
        officer.click(f"{reform7} summary:has-text('Nytt delmål')")
        officer.fill(f"{reform7} form[action*='/milestones'] input[name=title]", "Vägledning om upplåtelseform")
        officer.fill(f"{reform7} form[action*='/milestones'] input[name=due_year]", "2026")
        officer.click(f"{reform7} form[action*='/milestones'] button")
        assert "Vägledning om upplåtelseform" in officer.inner_text(reform7)
        agency = _first_sign_in(chromium_browser, base, "agency", one_time["agency"])
        pages.append(agency)
        assert "Vägledning om upplåtelseform" in agency.inner_text("main")
        agency.goto("/programme/reforms?lang=sv")
        report = f"{reform7} form[aria-label^='Rapportera framsteg']"
        assert agency.locator("#reform-r02 form[aria-label^='Rapportera framsteg']").count() == 0  # not its reform
        agency.select_option(f"{report} select[name=status]", "done")
        agency.fill(f"{report} input[name=progress_pct]", "60")
        agency.click(f"{report} button")
        assert "ett delmål är klart först vid 100 procent" in agency.inner_text(reform7)
        agency.select_option(f"{report} select[name=status]", "in_progress")
        agency.fill(f"{report} input[name=progress_pct]", "60")
        agency.fill(f"{report} input[name=evidence]", "Remissversion publicerad på boverket.se")
        agency.click(f"{report} button")
        assert "Remissversion publicerad på boverket.se" in agency.inner_text(reform7)
        shot(agency, "15-milestone-reported")

        # 10. the public sees the progress with its evidence
        public = chromium_browser.new_context(base_url=base).new_page()
        pages.append(public)
        public.goto("/programme/reforms?lang=sv")
        assert "Pågår" in public.inner_text("#reform-r07") and "60\u00a0%" in public.inner_text("#reform-r07")
        assert public.locator("form[aria-label^='Rapportera framsteg']").count() == 0
        shot(public, "16-public-reforms")
        public.goto(meeting_url + "?lang=sv")
        assert "Justerat protokoll." in public.inner_text("#minutes")  # published minutes are public
    finally:
        for page in pages:
            page.context.close()
