"""Submitting an application: every field checked at once, then eligibility evaluated with its evidence.

The checks name each field so that the form can show every problem in place (``FormErrors``). Eligibility is the
programme's rule for the call's year (the definition's ``eligibility``) applied to the applicant municipality from the
barometer's data: which rule, how many areas, which areas, which data year. The rule's ``on_ineligible`` says whether
an ineligible application is refused (nothing is written) or accepted and flagged (it never enters selection and can
never be granted). Without the barometer's data the outcome is "not evaluated" and the application is flagged.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from segreform.data import queries
from segreform.programme import applications, definition
from segreform.programme.audit import record
from segreform.programme.call_cycle import money_years
from segreform.programme.calls import get_call
from segreform.programme.clock import as_utc, utcnow
from segreform.programme.eligibility import apply_rules as evaluate_rules, barometer_inputs, need_scores
from segreform.programme.errors import ProgrammeError, WrongState
from segreform.programme.money import format_sek
from segreform.programme.validation import FormErrors, Message as M
from segreform.store.models.programme import Application, Attachment, Call, Organisation

_CACHE: dict = {}
_CACHE_LOCK = threading.Lock()
CACHE_SECONDS = 600


def problems(db: Session, application: Application, call: Call) -> dict[str, str]:
    """Every reason the application cannot be submitted as it is, by form field."""
    errors: dict[str, str] = {}
    for name in applications.REQUIRED_TO_SUBMIT:
        if not str(getattr(application, name) or "").strip():
            errors[name] = M("is required before the application can be submitted")
    areas = applications.area_codes(db, application.id)
    if not areas:
        errors["development_areas"] = M("choose at least one development area")
    elif call.development_area_code and call.development_area_code not in areas:
        errors["development_areas"] = M("this call is for the development area %(code)s", code=call.development_area_code)
    errors.update(money_problems(application, call))
    required = call.required_attachments or []
    attached = db.scalars(select(Attachment.id).where(Attachment.application_id == application.id)).all()
    if len(attached) < len(required):
        errors["attachments"] = M("the call asks for %(n)s attachment(s) (%(names)s); %(attached)s attached",
                                  n=len(required), names=", ".join(required), attached=len(attached))
    return errors


def money_problems(application: Application, call: Call) -> dict[str, str]:
    errors: dict[str, str] = {}
    allowed = money_years(call)
    if not isinstance(application.years, int) or not 1 <= application.years <= call.max_years:
        errors["years"] = M("decisions run for 1 to %(n)s years", n=call.max_years)
    if not isinstance(application.start_year, int) or application.start_year not in allowed:
        errors["start_year"] = M("must be one of the call's years %(first)s–%(last)s", first=allowed[0], last=allowed[-1])
    elif "years" not in errors and application.start_year + application.years - 1 > allowed[-1]:
        errors["years"] = M("the call funds years %(first)s–%(last)s; this runs past %(last)s", first=allowed[0], last=allowed[-1])
    requested, total = application.requested_ore, application.total_budget_ore
    if requested is None or requested <= 0:
        errors["requested_sek"] = M("must be positive")
    else:
        if call.min_amount_ore and requested < call.min_amount_ore:
            errors["requested_sek"] = M("the call's minimum is %(amount)s", amount=format_sek(call.min_amount_ore))
        elif call.max_amount_ore and requested > call.max_amount_ore:
            errors["requested_sek"] = M("the call's maximum is %(amount)s", amount=format_sek(call.max_amount_ore))
        elif total is not None and requested * 100 > call.max_grant_share_pct * total:
            errors["requested_sek"] = M("more than %(share)s %% of the total budget; co-funding must cover at least "
                                        "%(own)s %%", share=call.max_grant_share_pct, own=100 - call.max_grant_share_pct)
    if total is None or total <= 0:
        errors["total_budget_sek"] = M("must be positive")
    return errors


def submit(db: Session, application_id: int, actor: str, now: datetime | None = None) -> Application:
    """Check everything, evaluate eligibility and submit; refused with every problem at once."""
    application = applications.get_application(db, application_id)
    call = get_call(db, application.call_id)
    now = now or utcnow()
    if application.status != "draft":
        raise WrongState(f"application {application_id} is {application.status}; only a draft can be submitted")
    if call.status != "open":
        raise WrongState(f"the call '{call.title}' is {call.status}; it does not take applications")
    if now > as_utc(call.deadline):
        raise WrongState(f"the deadline for '{call.title}' was {as_utc(call.deadline):%Y-%m-%d %H:%M} UTC; "
                         "submission is closed")
    errors = problems(db, application, call)
    if errors:
        raise FormErrors(errors)
    organisation = db.get(Organisation, application.organisation_id)
    rule = definition.rules_for_year(db, call.year)
    outcome = evaluate(db.get_bind(), organisation, rule)
    application.eligible, application.eligibility, application.need_score = (
        outcome["eligible"], outcome, outcome.get("need_score"))
    if outcome["eligible"] is False and rule["eligibility"]["on_ineligible"] == "refuse":
        raise FormErrors({"eligibility": M("the programme's eligibility rule refuses this applicant: %(evidence)s",
                                           evidence=outcome["summary_en"])})
    application.status, application.submitted_at = "submitted", now
    record(db, actor, "application.submit", "application", application_id, eligible=outcome["eligible"],
           need_score=outcome.get("need_score"))
    return application


def evaluate(bind, organisation: Organisation, rule: dict) -> dict:
    """The eligibility outcome for one applicant, with the evidence (JSON-ready)."""
    if not organisation.kommunkod:
        return {"eligible": None, "need_score": None, "rules": [],
                "summary_en": "not a municipality: eligibility by area is not evaluated",
                "summary_sv": "inte en kommun: behörighet efter område prövas inte"}
    try:
        area_types, police, kommunkoder, needs = _inputs(bind, rule)
    except ProgrammeError as exc:
        return {"eligible": None, "need_score": None, "rules": [], "summary_en": f"not evaluated: {exc}",
                "summary_sv": f"inte prövad: {exc}"}
    rules = {"eligible_when": rule["eligibility"].get("eligible_when", "any"),
             "rules": rule["eligibility"]["rules"], "need_score": rule["need"]["components"]}
    result = evaluate_rules([organisation.kommunkod], area_types, police, rules)[0]
    need = needs.get(organisation.kommunkod)
    year = area_types.attrs.get("year")
    evidence = [{"rule": o.rule_id, "passed": o.passed, "count": o.count, "text_sv": o.text_sv, "text_en": o.text_en,
                 "areas": o.evidence} for o in result.outcomes]
    return {"eligible": result.eligible, "need_score": None if need is None else round(need.score, 2),
            "need_explained": None if need is None else need.explain(rules, "en"),
            "data_year": year, "police_reference_date": police.attrs.get("reference_date", ""), "rules": evidence,
            "summary_en": result.reason("en") + (f" (area types {year})" if year else ""),
            "summary_sv": result.reason("sv") + (f" (områdestyper {year})" if year else "")}


def _inputs(bind, rule: dict):
    """The barometer's inputs and every municipality's need score (scaled to the neediest in the country),
    cached per database for ten minutes: submissions should not reread the country's data each time."""
    engine = getattr(bind, "engine", bind)
    key = (str(engine.url), repr(rule["need"]["components"]))
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
    area_types, police = barometer_inputs(engine)
    kommunkoder = [str(c) for c in queries.areas(engine, "kommun")["code"]]
    needs = {n.kommunkod: n for n in need_scores(kommunkoder, area_types, police,
                                                  {"need_score": rule["need"]["components"]})}
    value = (area_types, police, kommunkoder, needs)
    with _CACHE_LOCK:
        _CACHE[key] = (time.monotonic(), value)
    return value


def forget_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()
