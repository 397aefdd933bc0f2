"""The programme-year scenario's setup, shared by the API test and the browser test: the bundled real data, the
bundled 2017–2025 programme, the invented 2026–2028 years, and the people (accounts are the other half's work, so
they are created here directly)."""

from __future__ import annotations

from segreform.programme import accounts
from segreform.programme.seeding import ensure_municipality, seed_programme
from segreform.store import transaction
from store_cleanup import empty_all_tables

PASSWORD = "a-long-scenario-password"
PEOPLE = {
    "admin": ("admin@year.se", "Adam Admin", "admin", None),
    "officer": ("officer@year.se", "Olga Handläggare", "officer", None),
    "reviewer1": ("r1@year.se", "Rut Bedömare", "reviewer", None),
    "reviewer2": ("r2@year.se", "Rolf Bedömare", "reviewer", None),
    "reviewer3": ("r3@year.se", "Rita Jävig", "reviewer", None),
    "malmo": ("malmo@year.se", "Malmö sökande", "applicant", ("1280", "Malmö")),
    "botkyrka": ("botkyrka@year.se", "Botkyrka sökande", "applicant", ("0127", "Botkyrka")),
    "danderyd": ("danderyd@year.se", "Danderyd sökande", "applicant", ("0162", "Danderyd")),
}


def prepare(engine, *, only_admin: bool = False) -> None:
    """The data, the programme and the people; with ``only_admin`` the municipalities and the first admin only
    (what `segreform user create --admin` leaves), so that the admin creates everyone else."""
    from segreform.data.loader import ensure_initialised
    from segreform.programme.submission import forget_cache

    ensure_initialised(engine, progress=False)
    seed_programme(engine)
    forget_cache()
    with transaction(engine) as db:
        for email, name, role, municipality in PEOPLE.values():
            code = None
            if municipality:
                code = ensure_municipality(db, *municipality).code
            if role == "admin" or not only_admin:
                accounts.create_user(db, email=email, name=name, role=role, password=PASSWORD, actor="test",
                                     organisation_code=code)


def empty(engine) -> None:
    empty_all_tables(engine)


def invented_years_yaml() -> str:
    import yaml

    from segreform.programme.demo_year import invented_definition

    data = invented_definition()
    data.update(code="test-2026-2028", name={"sv": "Testprogram 2026–2028", "en": "Test programme 2026–2028"})
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
