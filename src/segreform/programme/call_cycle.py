"""A call's life cycle: officers create a call per development area (draft), open it, extend its deadline and
close it. A call takes applications only while it is open and before its deadline. Each step is audited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from segreform.programme import calls
from segreform.programme.audit import record
from segreform.programme.clock import as_utc, utcnow
from segreform.programme.definition import rules_for_year
from segreform.programme.errors import WrongState
from segreform.programme.validation import Message as M, raise_if_any
from segreform.store.models.programme import Call, DevelopmentArea, ProgrammeYear, Reform

STATUSES = ("draft", "open", "closed")


def create(db: Session, *, year: int, title: str, development_area: str, reform_code: str, deadline: datetime,
           actor: str, budget_years: list[int] | None = None, min_amount_ore: int | None = None,
           max_amount_ore: int | None = None, required_attachments: list[str] | None = None,
           max_years: int = 3, max_grant_share_pct: int = 90, open_now: bool = False) -> Call:
    """A new call (a draft unless ``open_now``); every field is checked and all problems are reported together."""
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = M("give the call a title")
    programme_years = set(db.scalars(select(ProgrammeYear.year)))
    if year not in programme_years:
        errors["year"] = M("%(year)s is not a programme year (%(span)s)", year=year, span=_span(programme_years))
    if db.get(DevelopmentArea, development_area) is None:
        errors["development_area"] = M("%(code)s is not a development area", code=development_area)
    if db.get(Reform, reform_code) is None:
        errors["reform_code"] = M("%(code)s is not a reform of the programme", code=reform_code)
    if deadline.tzinfo is None:
        errors["deadline"] = M("give a time zone")
    elif deadline <= utcnow():
        errors["deadline"] = M("must be in the future")
    explicit = bool(budget_years)
    budget_years = sorted(set(budget_years or [year]))
    outside = [y for y in budget_years if y not in programme_years]
    if outside and not explicit:
        pass  # the call's year is already reported
    elif outside:
        errors["budget_years"] = M("%(years)s are not programme years (%(span)s)", years=", ".join(map(str, outside)), span=_span(programme_years))
    elif budget_years[0] != year:
        errors["budget_years"] = M("must start with the call's year %(year)s", year=year)
    elif len(budget_years) > 3 or budget_years != list(range(budget_years[0], budget_years[-1] + 1)):
        errors["budget_years"] = M("one to three consecutive years")
    if min_amount_ore is not None and min_amount_ore <= 0:
        errors["min_amount"] = M("must be positive")
    if max_amount_ore is not None and max_amount_ore <= 0:
        errors["max_amount"] = M("must be positive")
    if min_amount_ore and max_amount_ore and min_amount_ore > max_amount_ore:
        errors["max_amount"] = M("must not be below the minimum")
    raise_if_any(errors)
    call = calls.create_call(db, year=year, title=title.strip(), deadline=deadline, reform_code=reform_code,
                             actor=actor, max_grant_share_pct=max_grant_share_pct,
                             max_years=min(max_years, len(budget_years)), rubric=rules_for_year(db, year)["rubric"])
    call.status = "open" if open_now else "draft"
    call.development_area_code = development_area
    call.budget_years = budget_years
    call.min_amount_ore, call.max_amount_ore = min_amount_ore, max_amount_ore
    call.required_attachments = [a.strip() for a in (required_attachments or []) if a.strip()]
    db.flush()
    return call


def open_call(db: Session, call_id: int, actor: str) -> Call:
    call = calls.get_call(db, call_id)
    if call.status == "open":
        raise WrongState(f"call {call_id} is already open")
    if as_utc(call.deadline) <= utcnow():
        raise WrongState(f"call {call_id}'s deadline {as_utc(call.deadline):%Y-%m-%d %H:%M} UTC has passed; "
                         "extend it first")
    call.status = "open"
    record(db, actor, "call.open", "call", call_id)
    return call


def extend(db: Session, call_id: int, deadline: datetime, actor: str) -> Call:
    call = calls.get_call(db, call_id)
    if deadline.tzinfo is None:
        raise_if_any({"deadline": M("give a time zone")})
    if deadline <= max(as_utc(call.deadline), utcnow()):
        raise_if_any({"deadline": M("the new deadline must be later than the current one and in the future")})
    if call.status == "closed":
        raise WrongState(f"call {call_id} is closed; open a new call instead")
    old = as_utc(call.deadline)
    call.deadline = deadline
    record(db, actor, "call.extend", "call", call_id, old=old.isoformat(), new=deadline.isoformat())
    return call


def close(db: Session, call_id: int, actor: str) -> Call:
    call = calls.get_call(db, call_id)
    if call.status == "closed":
        raise WrongState(f"call {call_id} is already closed")
    call.status = "closed"
    record(db, actor, "call.close", "call", call_id)
    return call


def accepting(call: Call, now: datetime | None = None) -> bool:
    return call.status == "open" and (now or utcnow()) <= as_utc(call.deadline)


def money_years(call: Call) -> list[int]:
    """The years an application to ``call`` may ask money for."""
    return list(call.budget_years or range(call.year, call.year + call.max_years))


def _span(years) -> str:
    return f"{min(years)}–{max(years)}" if years else "none loaded"
