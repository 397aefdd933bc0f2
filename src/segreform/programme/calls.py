"""Calls for applications and their review rubric."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from segreform.programme.audit import record
from segreform.programme.errors import InvalidInput, require
from segreform.programme.seeding import load_yaml
from segreform.store.models.programme import Call, Criterion, ProgrammeYear, Reform

APPLICANT_KINDS = ("municipality", "region", "civil_society")


def create_call(db: Session, *, year: int, title: str, deadline: datetime, reform_code: str, actor: str,
                applicant_kinds: tuple[str, ...] = ("municipality",), max_grant_share_pct: int = 90,
                max_years: int = 3, rubric: dict | None = None) -> Call:
    """Open a call with the rubric from ``rubric`` (default: seed/rubric.yaml).

    The grant ordinances cap the state's share at 90 % (so at least 10 % co-funding) and decisions at three years.
    """
    if db.get(ProgrammeYear, year) is None:
        raise InvalidInput("year", f"{year} is not a programme year; seed the programme first")
    if db.get(Reform, reform_code) is None:
        raise InvalidInput("reform_code", f"{reform_code!r} is not one of the ten reforms")
    unknown = set(applicant_kinds) - set(APPLICANT_KINDS)
    if unknown:
        raise InvalidInput("applicant_kinds", f"unknown kinds {sorted(unknown)}; use {', '.join(APPLICANT_KINDS)}")
    if not 1 <= max_grant_share_pct <= 90:
        raise InvalidInput("max_grant_share_pct", "must be between 1 and 90 (co-funding of at least 10 %)")
    if not 1 <= max_years <= 3:
        raise InvalidInput("max_years", "decisions run for one to three years")
    if deadline.tzinfo is None:
        raise InvalidInput("deadline", "give a time zone (e.g. 2019-03-31T23:59:00+02:00)")
    call = Call(year=year, title=title, deadline=deadline, reform_code=reform_code,
                applicant_kinds=list(applicant_kinds), max_grant_share_pct=max_grant_share_pct, max_years=max_years)
    db.add(call)
    db.flush()
    rubric = rubric or load_yaml("rubric.yaml")
    scale = rubric.get("scale", {"min": 1, "max": 5})
    for item in rubric["criteria"]:
        if item["weight"] <= 0:
            raise InvalidInput(f"rubric criterion {item['code']} weight", "must be positive")
        db.add(Criterion(call_id=call.id, code=item["code"], name_sv=item["name_sv"], name_en=item["name_en"],
                         weight=item["weight"], scale_min=scale["min"], scale_max=scale["max"]))
    record(db, actor, "call.create", "call", call.id, year=year, title=title)
    return call


def get_call(db: Session, call_id: int) -> Call:
    return require(db, Call, call_id, "call")


def criteria(db: Session, call_id: int) -> list[Criterion]:
    return list(db.scalars(select(Criterion).where(Criterion.call_id == call_id).order_by(Criterion.id)))
