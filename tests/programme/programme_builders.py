"""Builders for the programme's tests: municipalities, reviewers, applications, scores."""

from __future__ import annotations

from datetime import datetime, timezone

from segreform.programme import accounts, applications, review
from segreform.programme.seeding import ensure_municipality

MSEK = 100_000_000  # öre
BEFORE_DEADLINE = datetime(2019, 1, 15, tzinfo=timezone.utc)
PASSWORD = "a-long-test-password"


def municipality(db, kommunkod="1280", name="Malmö"):
    return ensure_municipality(db, kommunkod, name).id


def reviewer(db, n=1):
    return accounts.create_user(db, email=f"reviewer{n}@test.se", name=f"Reviewer {n}", role="reviewer",
                                password=PASSWORD, actor="test").id


def draft(db, call_id, organisation_id, *, requested_msek=4, total_msek=5, years=1, areas=("school",),
          start_year=2019, title="Plan"):
    return applications.create_draft(
        db, call_id=call_id, organisation_id=organisation_id, development_areas=list(areas), actor="test",
        title=title, start_year=start_year, years=years, total_budget_ore=total_msek * MSEK,
        requested_ore=requested_msek * MSEK, plan="plan", goals="goals", time_plan="time plan").id


def submitted(db, call_id, organisation_id, **kwargs):
    application_id = draft(db, call_id, organisation_id, **kwargs)
    applications.submit(db, application_id, "test", now=BEFORE_DEADLINE)
    return application_id


def scored(db, application_id, reviewer_id, value):
    review.assign(db, application_id=application_id, user_id=reviewer_id, actor="test")
    review.score(db, application_id=application_id, user_id=reviewer_id, actor="test",
                 scores={c: value for c in ("relevance", "efficiency", "sustainability", "reporting")})
