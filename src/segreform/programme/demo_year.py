"""The demo's current programme year: an INVENTED 2026–2028 continuation of the programme with an open call, so
that the whole cycle (apply, review, select, decide) can be run right after ``segreform serve``.

Everything here is invented and labelled "[DEMO]" / "(exempeldata)"; the real programme ended in 2025.
"""

from __future__ import annotations

from datetime import timedelta

from segreform.programme import accounts, call_cycle, definition
from segreform.programme.clock import utcnow
from segreform.programme.seeding import ensure_municipality

DEMO_LABEL = "[DEMO]"
FIRST_YEAR, LAST_YEAR = 2026, 2028
# More demo applicants, so that three municipalities can apply to the open call: (email, name, kommunkod, kommun)
APPLICANTS = [("botkyrka@demo.segreform.se", "Demo Sökande Botkyrka", "0127", "Botkyrka"),
              ("danderyd@demo.segreform.se", "Demo Sökande Danderyd", "0162", "Danderyd")]


def invented_definition() -> dict:
    """The bundled programme's structure and rules carried on to 2026–2028, clearly labelled as invented."""
    data = definition.bundled()
    data.update(code="demo-2026-2028", invented=True,
                name={"sv": f"{DEMO_LABEL} Påhittat programår 2026–2028 (exempeldata)",
                      "en": f"{DEMO_LABEL} Invented programme years 2026–2028 (example data)"},
                period={"first_year": FIRST_YEAR, "last_year": LAST_YEAR},
                years=[{"year": y, "frame_msek": 250, "source": "INVENTED for the demo (exempeldata)"}
                       for y in range(FIRST_YEAR, LAST_YEAR + 1)])
    return data


def add_current_year(db, password: str, actor: str) -> int:
    """Load the invented years, the demo applicants, and an open call; returns the call's id."""
    definition.write_definition(db, invented_definition(), source_file="demo (invented)", actor=actor)
    for email, name, kommunkod, kommun in APPLICANTS:
        ensure_municipality(db, kommunkod, kommun)
        accounts.create_user(db, email=email, name=name, role="applicant", password=password, actor=actor,
                             organisation_code=f"kommun-{kommunkod}")
    call = call_cycle.create(db, year=FIRST_YEAR, title=f"{DEMO_LABEL} Utlysning skola 2026 (exempeldata)",
                             development_area="school", reform_code="r06", deadline=utcnow() + timedelta(days=90),
                             budget_years=[2026, 2027], actor=actor, required_attachments=[], open_now=True)
    return call.id
