"""The programme's people in a real browser (Debian's chromium via Playwright), through the UI only, in Swedish:
the first admin creates an officer, a municipality official and an agency contact; each signs in with the
one-time password, chooses their own and lands on their worklist; the officer runs a network (members, a meeting
with minutes, decisions and an action item that is later completed, edited and published afterwards) and adds a
milestone; the agency reports progress with evidence; the public reforms page shows it (also in English).
Runs on SQLite and PostgreSQL; screenshots go to test-artifacts/."""

from __future__ import annotations

import re

import pytest

from segreform.programme import accounts
from segreform.programme.seeding import ensure_municipality, seed_programme
from segreform.store import transaction

pytestmark = pytest.mark.browser
ADMIN_PASSWORD = "förste admin 2026"


@pytest.fixture
def site(engine, app_server):
    """What `segreform user create --admin` leaves on a new deployment: the programme seeded and one admin."""
    seed_programme(engine)
    with transaction(engine) as db:
        ensure_municipality(db, "1280", "Malmö")
        accounts.create_user(db, email="admin@delegationen.se", name="Första admin", role="admin",
                             password=ADMIN_PASSWORD, actor="cli")
    with app_server(engine) as url:
        yield url, engine.dialect.name


def _sign_in(browser, url, email, password):
    context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 1000}, locale="sv-SE")
    page = context.new_page()
    page.goto("/programme/login?lang=sv")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main form[action^='/programme/login'] button[type=submit]")
    return page


def _first_sign_in(browser, url, email, one_time, new_password):
    """Sign in with the one-time password; the site asks for a password of one's own, then the worklist."""
    page = _sign_in(browser, url, email, one_time)
    page.wait_for_url("**/programme/account/password**")
    assert "engångslösenord" in page.inner_text("main")
    form = "main form[action^='/programme/account/password']"
    page.fill(f"{form} input[name=old_password]", one_time)
    page.fill(f"{form} input[name=new_password]", "kort")
    page.fill(f"{form} input[name=repeat]", "kort")
    page.click(f"{form} button[type=submit]")
    assert "måste ha minst 12 tecken" in page.inner_text("main")  # shown in the form, never JSON
    page.fill(f"{form} input[name=old_password]", one_time)
    page.fill(f"{form} input[name=new_password]", new_password)
    page.fill(f"{form} input[name=repeat]", new_password)
    page.click(f"{form} button[type=submit]")
    page.wait_for_url("**/programme/home**")
    assert page.locator("h1").inner_text() == "Min arbetslista"
    return page


def _create_user(page, email, name, role, organisation=""):
    page.goto("/programme/users?lang=sv")
    form = "form#new-user"
    page.fill(f"{form} input[name=email]", email)
    page.fill(f"{form} input[name=name]", name)
    page.select_option(f"{form} select[name=role]", role)
    page.select_option(f"{form} select[name=organisation]", organisation)
    page.click(f"{form} button[type=submit]")
    assert page.locator("h1").inner_text() == "Användaren har skapats"
    return page.locator("#one-time-password").inner_text()


def test_people_networks_and_milestones_through_the_ui(chromium_browser, site, artifacts_dir):
    url, backend = site
    shot = lambda page, name: page.screenshot(path=str(artifacts_dir / f"people-{name}-{backend}.png"),  # noqa: E731
                                              full_page=True)

    # The admin lands on the users; creates three users (a refused form first: errors in place, typed kept).
    admin = _sign_in(chromium_browser, url, "admin@delegationen.se", ADMIN_PASSWORD)
    admin.wait_for_url("**/programme/home")
    assert "Hantera användare" in admin.inner_text("main")
    shot(admin, "01-admin-worklist")
    admin.goto("/programme/users?lang=sv")
    admin.fill("form#new-user input[name=email]", "kontakt@boverket.se")
    admin.fill("form#new-user input[name=name]", "Kontakt Boverket")
    admin.select_option("form#new-user select[name=role]", "agency")
    admin.click("form#new-user button[type=submit]")
    assert "måste tillhöra en organisation" in admin.inner_text("#error-organisation")
    assert admin.input_value("form#new-user input[name=email]") == "kontakt@boverket.se"
    shot(admin, "02-admin-form-error")
    officer_otp = _create_user(admin, "handlaggare@delegationen.se", "Hanna Handläggare", "officer")
    municipality_otp = _create_user(admin, "malmo@malmo.se", "Malin Malmö", "applicant", "kommun-1280")
    agency_otp = _create_user(admin, "kontakt@boverket.se", "Kontakt Boverket", "agency", "boverket")
    admin.goto("/programme/users?lang=sv")
    assert admin.locator("tbody tr").count() == 4 and admin.inner_text("main").count("måste byta lösenord") == 3
    shot(admin, "03-admin-users")

    # The officer: own password, then the programme dashboard.
    officer = _first_sign_in(chromium_browser, url, "handlaggare@delegationen.se", officer_otp, "handläggarens lösen 1")
    assert "Ansökningar som behöver bedömare" in officer.inner_text("main")
    shot(officer, "04-officer-worklist")

    # A network for the school area, with Skolverket from the agency registry.
    officer.goto("/programme/networks?lang=sv")
    officer.select_option("form[action^='/programme/networks?'] select[name=development_area]", "school")
    officer.fill("form[action^='/programme/networks?'] input[name=name]", "Skolnätverket")
    officer.click("form[action^='/programme/networks?'] button")
    officer.wait_for_url(re.compile(r".*/programme/networks.*"))
    members = "form[action*='/members']"
    skolverket = officer.locator(f"{members} option", has_text="Skolverket").get_attribute("value")
    officer.select_option(f"{members} select[name=organisation_id]", skolverket)
    officer.fill(f"{members} input[name=first_year]", "2026")
    officer.click(f"{members} button")
    assert "Skolverket (myndighet, från 2026)" in officer.inner_text("main")

    # A meeting: an empty title is refused in the form; then recorded with minutes and decisions.
    officer.click("summary:has-text('Registrera ett möte')")
    meeting_form = "form[action*='/meetings']"
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
    assert "Ta fram en gemensam modell" in officer.inner_text("#decisions")

    # An action item already past its due date: listed as overdue, then completed.
    action_form = "form[action*='/actions']"
    officer.fill(f"{action_form} input[name=description]", "Sammanställ skolornas läsprojekt")
    officer.fill(f"{action_form} input[name=owner]", "Skolverket")
    officer.fill(f"{action_form} input[name=due_on]", "2026-03-01")
    officer.click(f"{action_form} button")
    assert "försenad" in officer.inner_text("#actions")
    officer.goto("/programme/home?lang=sv")
    assert "Sammanställ skolornas läsprojekt" in officer.inner_text("main")
    shot(officer, "05-officer-overdue")
    officer.goto(meeting_url + "?lang=sv")
    shot(officer, "06-meeting")
    officer.click("form[action*='/complete'] button")
    assert "klar" in officer.inner_text("#actions") and "försenad" not in officer.inner_text("#actions")
    officer.goto("/programme/home?lang=sv")
    assert "Ingen åtgärdspunkt är försenad." in officer.inner_text("main")

    # Edited afterwards: the minutes completed and published.
    officer.goto(meeting_url + "?lang=sv")
    officer.click("summary:has-text('Ändra mötet')")
    edit = f"form[action^='{meeting_url.split(url)[1]}?']"
    officer.fill(f"{edit} textarea[name=minutes]", "Kommunerna redovisade läget. Justerat protokoll.")
    officer.check(f"{edit} input[name=published]")
    officer.click(f"{edit} button")
    assert "Justerat protokoll." in officer.inner_text("#minutes")
    shot(officer, "07-meeting-edited")

    # A milestone for reform 7 (Boverket).
    officer.goto("/programme/reforms?lang=sv")
    reform7 = "#reform-r07"
    officer.click(f"{reform7} summary:has-text('Nytt delmål')")
    officer.fill(f"{reform7} form[action*='/milestones'] input[name=title]", "Vägledning om upplåtelseform")
    officer.fill(f"{reform7} form[action*='/milestones'] input[name=due_year]", "2026")
    officer.click(f"{reform7} form[action*='/milestones'] button")
    assert "Vägledning om upplåtelseform" in officer.inner_text(reform7)

    # The agency contact lands on its milestones, reports progress (a refusal shown in the form first).
    agency = _first_sign_in(chromium_browser, url, "kontakt@boverket.se", agency_otp, "boverkets lösenord 1")
    assert "Vägledning om upplåtelseform" in agency.inner_text("main")
    shot(agency, "08-agency-worklist")
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
    shot(agency, "09-agency-reported")

    # The municipality official lands on calls and its applications.
    municipality = _first_sign_in(chromium_browser, url, "malmo@malmo.se", municipality_otp, "malmös lösenord 2026")
    text = municipality.inner_text("main")
    assert "Öppna utlysningar" in text and "Era ansökningar" in text
    shot(municipality, "10-municipality-worklist")

    # The public: the reforms page shows the progress and its evidence, in Swedish and in English;
    # the published minutes are public.
    public = chromium_browser.new_context(base_url=url).new_page()
    public.goto("/programme/reforms?lang=sv")
    assert "Pågår" in public.inner_text("#reform-r07") and "60\u00a0%" in public.inner_text("#reform-r07")
    assert public.locator("form[aria-label^='Rapportera framsteg']").count() == 0
    public.goto("/programme/reforms?lang=en")
    english = public.inner_text("#reform-r07")
    assert "In progress" in english and "Remissversion publicerad på boverket.se" in english
    assert public.locator("html").get_attribute("lang") == "en"
    shot(public, "11-public-reforms-en")
    public.goto(meeting_url + "?lang=sv")
    assert "Justerat protokoll." in public.inner_text("#minutes")
    for page in (admin, officer, agency, municipality, public):
        page.context.close()
