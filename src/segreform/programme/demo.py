"""A demo programme: INVENTED EXAMPLE DATA, so that a newcomer sees a full cycle.

The municipalities and agencies are real names; every application, review, score, decision, payment,
meeting, minute, action item, model of work, milestone and person is invented for the demo. Everything the
demo writes is labelled "[DEMO]" / "(exempeldata)". Load it with ``segreform programme demo``.

The demo accounts share one password made at random for this installation (kept in ``sec_install_setting``
so that the sign-in page of a server on a loopback address can show it); no published password ever signs in.
``segreform serve`` disables the demo accounts whenever it listens on a non-loopback address.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from segreform.programme import (
    accounts,
    applications,
    calls,
    decisions,
    demo_year,
    grants,
    networks,
    reforms,
    review,
    selection,
)
from segreform.programme.errors import WrongState
from segreform.programme.money import ORE_PER_SEK
from segreform.programme.seeding import ensure_municipality, seed_programme
from segreform.store import session, transaction
from segreform.store.models.programme import Call, Organisation, User
from segreform.store.models.security import InstallSetting

DEMO_LABEL = "[DEMO]"
DEMO_EMAIL_DOMAIN = "@demo.segreform.se"
PASSWORD_SETTING = "demo_password"
DISABLED_SETTING = "demo_accounts_disabled_for_exposure"
ACTOR = "demo-loader"
MUNICIPALITIES = {  # real kommunkoder and names; nothing else about them below is real
    "0180": "Stockholm", "0127": "Botkyrka", "0181": "Södertälje", "1480": "Göteborg", "1280": "Malmö",
    "0380": "Uppsala", "1880": "Örebro", "0484": "Eskilstuna", "1282": "Landskrona", "1490": "Borås",
}
# kommunkod, development areas, total budget MSEK, state share %, years, title
APPLICATIONS = [
    ("0180", ["school"], 8, 80, 3, "Läsfrämjande i förskolan"),
    ("0127", ["work", "democracy"], 5, 90, 2, "Vägar till arbete för utrikes födda kvinnor"),
    ("0181", ["crime"], 6, 75, 3, "Samverkan mot brott i centrala Södertälje"),
    ("1480", ["housing"], 10, 60, 3, "Blandade upplåtelseformer i nya detaljplaner"),
    ("1280", ["school", "crime"], 9, 85, 2, "Trygga skolvägar och fritid"),
    ("0380", ["democracy"], 3, 90, 1, "Föreningslyft i Gottsunda"),
    ("1880", ["work"], 4, 70, 2, "Lokala jobbspår"),
    ("0484", ["housing", "school"], 7, 80, 3, "Skolan som nav i stadsdelen"),
    ("1282", ["crime"], 2, 90, 1, "Fältarbete kvällstid"),
    ("1490", ["democracy", "work"], 4, 50, 2, "Medborgarkontor och studiecirklar"),
]


@dataclass
class DemoSummary:
    applications: int
    selected: list[int]
    grants: int
    users: dict[str, str]
    password: str


def load_demo(engine: Engine) -> DemoSummary:
    """Load the invented demo programme (one call in 2018 and its whole cycle) in one transaction.

    Raises
    ------
    WrongState
        When the demo is already loaded (it is loaded once; start from an empty database to reload it).
    """
    seed_programme(engine)
    with transaction(engine) as db:
        if db.scalar(select(Call.id).where(Call.title.startswith(DEMO_LABEL))) is not None:
            raise WrongState("the demo programme is already loaded")
        users = _users(db, _install_password(db))
        call = calls.create_call(db, year=2018, title=f"{DEMO_LABEL} Utvecklingsmedel 2018 (exempeldata)",
                                 deadline=datetime(2018, 3, 31, 22, 0, tzinfo=timezone.utc), reform_code="r09",
                                 applicant_kinds=("municipality", "civil_society"), actor=ACTOR)
        submitted_on = datetime(2018, 3, 1, tzinfo=timezone.utc)
        ids = []
        for kommunkod, areas, total_msek, share, years, title in APPLICATIONS:
            organisation = ensure_municipality(db, kommunkod, MUNICIPALITIES[kommunkod])
            total = total_msek * 1_000_000 * ORE_PER_SEK
            application = applications.create_draft(
                db, call_id=call.id, organisation_id=organisation.id, development_areas=areas, actor=ACTOR,
                title=f"{title} (exempeldata)", start_year=2018, years=years, total_budget_ore=total,
                requested_ore=total * share // 100, plan="Påhittad plan för demonstrationen.",
                goals="Påhittade mål.", time_plan="Påhittad tidplan.")
            applications.submit(db, application.id, ACTOR, now=submitted_on)
            ids.append(application.id)
        _reviews(db, ids, users)
        picked, run_id = selection.run_selection(db, year=2018, actor=users["officer"], max_per_county=2,
                                                 min_per_area={"crime": 1})
        granted = 0
        for grant_id in decisions.decide_run(db, run_id, users["officer"]):  # decisions follow the selection
            grant = grants.get_grant(db, grant_id)
            application = applications.get_application(db, grant.application_id)
            first = applications.yearly_amounts(application)[2018]
            grants.pay_tranche(db, grant_id=grant.id, year=2018, amount_ore=first // 2, actor=users["officer"])
            grants.submit_report(db, grant_id=grant.id, kind="status", year=2018, spent_ore=first // 3,
                                 text="Lägesrapport hösten 2018 (exempeldata).", actor=ACTOR)
            granted += 1
        _networks(db)
        _milestones(db)
        password = _install_password(db)
        demo_year.add_current_year(db, password, ACTOR)  # an invented 2026 with an open call
        return DemoSummary(len(ids), picked.selected_ids, granted, users, password)


def _install_password(db: Session) -> str:
    """This installation's demo password, made at random the first time it is needed."""
    setting = db.get(InstallSetting, PASSWORD_SETTING)
    if setting is None:
        # Random, and always of the kinds the password rule asks for (letters, digits and another character).
        setting = InstallSetting(key=PASSWORD_SETTING, value=f"{secrets.token_urlsafe(12)}-{secrets.randbelow(90) + 10}")
        db.add(setting)
        db.flush()
    return setting.value


def demo_accounts(engine: Engine) -> tuple[str, list[tuple[str, str]]] | None:
    """(password, [(role, e-mail)]) of the active demo accounts, or None when there are none."""
    with session(engine) as db:
        rows = db.execute(select(User.role, User.email).where(User.email.endswith(DEMO_EMAIL_DOMAIN), User.active)
                          .order_by(User.id)).all()
        setting = db.get(InstallSetting, PASSWORD_SETTING)
    if not rows or setting is None:
        return None
    return setting.value, [(role, email) for role, email in rows]


def set_demo_accounts_exposed(engine: Engine, exposed: bool) -> int:
    """Disable the demo accounts while the server is exposed (non-loopback), enable them again on a loopback
    start when it was exposure that disabled them; the number of accounts changed."""
    with transaction(engine) as db:
        marked = db.get(InstallSetting, DISABLED_SETTING)
        demo = User.email.endswith(DEMO_EMAIL_DOMAIN)
        if exposed:
            changed = db.execute(update(User).where(demo, User.active).values(active=False)).rowcount
            if changed and marked is None:
                db.add(InstallSetting(key=DISABLED_SETTING, value="1"))
            return changed
        if marked is None:
            return 0
        db.delete(marked)
        return db.execute(update(User).where(demo, User.active.is_(False)).values(active=True)).rowcount


def _users(db, password: str) -> dict[str, str]:
    people = {
        "admin": ("admin@demo.segreform.se", "Demo Administratör", None),
        "officer": ("handlaggare@demo.segreform.se", "Demo Handläggare", None),
        "reviewer": ("bedomare1@demo.segreform.se", "Demo Bedömare 1", None),
        "reviewer2": ("bedomare2@demo.segreform.se", "Demo Bedömare 2", None),
        "reviewer3": ("bedomare3@demo.segreform.se", "Demo Bedömare 3", None),
        "applicant": ("malmo@demo.segreform.se", "Demo Sökande Malmö", "kommun-1280"),
        "agency": ("boverket@demo.segreform.se", "Demo Kontakt Boverket", "boverket"),
        "researcher": ("forskare@demo.segreform.se", "Demo Forskare", None),
    }
    ensure_municipality(db, "1280", MUNICIPALITIES["1280"])
    created = {}
    for key, (email, name, organisation) in people.items():
        role = "reviewer" if key.startswith("reviewer") else key
        accounts.create_user(db, email=email, name=name, role=role, password=password, actor=ACTOR,
                             organisation_code=organisation)
        created[key] = email
    return created


def _reviews(db, ids: list[int], users: dict[str, str]) -> None:
    reviewers = [db.scalar(select(User).where(User.email == users[k])) for k in ("reviewer", "reviewer2", "reviewer3")]
    # The first reviewer declares a conflict (jäv) on the first application: it is reviewed by the others.
    review.declare_conflict(db, application_id=ids[0], user_id=reviewers[0].id, actor=reviewers[0].email,
                            reason="Tidigare anställd i kommunen (exempeldata)")
    for n, application_id in enumerate(ids):
        for k, reviewer in enumerate(reviewers):
            if review.is_conflicted(db, application_id, reviewer.id):
                continue
            review.assign(db, application_id=application_id, user_id=reviewer.id, actor=users["officer"])
            base = 2 + (n * 7 + k * 3) % 4  # deterministic invented scores 2–5 with some disagreement
            review.score(db, application_id=application_id, user_id=reviewer.id, actor=reviewer.email,
                         scores={"relevance": base, "efficiency": max(1, base - k % 2),
                                 "sustainability": min(5, base + (n % 2)), "reporting": 3},
                         comments={"relevance": "Påhittad kommentar (exempeldata)."})


def _networks(db) -> None:
    agencies = {code: db.scalar(select(Organisation).where(Organisation.code == code)) for code in
                ("skolverket", "arbetsformedlingen", "polisen", "boverket", "mucf")}
    area_agency = {"school": "skolverket", "work": "arbetsformedlingen", "crime": "polisen",
                   "housing": "boverket", "democracy": "mucf"}
    for area, agency in area_agency.items():
        network = networks.ensure_network(db, area)
        networks.add_member(db, network.id, agencies[agency].id, 2018, ACTOR)
        for level, when in (("political", date(2018, 9, 12)), ("management", date(2018, 10, 3)),
                            ("practitioners", date(2018, 11, 7))):
            meeting = networks.add_meeting(
                db, network_id=network.id, level=level, title=f"{DEMO_LABEL} Nätverksträff ({level})",
                held_on=when, agenda="1. Läget i kommunerna 2. Erfarenhetsutbyte 3. Nästa steg",
                minutes="Påhittat protokoll (exempeldata).", decisions="Påhittat beslut: ta fram en gemensam modell.",
                participants=[agencies[agency].name, "Delegationen mot segregation"], actor=ACTOR)
            networks.add_action_item(db, meeting_id=meeting.id, description="Sammanställ erfarenheter (exempeldata)",
                                     owner="Delegationen mot segregation", due_on=date(2019, 1, 31), actor=ACTOR)
        networks.add_work_model(db, network_id=network.id, title=f"{DEMO_LABEL} Samverkansmodell – {area}",
                                description="Påhittad arbetsmodell (exempeldata).",
                                evidence="Ingen utvärdering ännu (exempeldata).", actor=ACTOR)


def _milestones(db) -> None:
    for number, (status, pct, evidence) in {
        7: ("done", 100, "Påhittat belägg: lagändring i kraft (exempeldata)"),
        2: ("in_progress", 40, "Påhittad lägesrapport (exempeldata)"),
        5: ("planned", 0, ""),
    }.items():
        milestone = reforms.add_milestone(db, reform_code=f"r{number:02d}", title=f"{DEMO_LABEL} Delmål",
                                          due_year=2019, actor=ACTOR)
        reforms.update_milestone(db, milestone.id, status=status, progress_pct=pct, evidence=evidence, actor=ACTOR)
