"""Decisions follow the selection: one action grants every application a selection run selected; a grant outside
the run needs a written reason, is audited as an override and is flagged wherever grants are reported; an
application that failed the eligibility rule is never granted, whatever the reason. The ledger's guarantees hold
(``grants.decide`` commits every year under the frame's lock; a refusal writes nothing)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from segreform.programme import grants
from segreform.programme.applications import get_application, yearly_amounts
from segreform.programme.audit import record
from segreform.programme.clock import utcnow
from segreform.programme.errors import NotAllowed, WrongState, require
from segreform.programme.validation import FormErrors, Message as M
from segreform.store.models.programme import Application, Call, Grant, Organisation, SelectionItem, SelectionRun


def refuse_if_ineligible(application: Application) -> None:
    if application.eligible is False:
        summary = (application.eligibility or {}).get("summary_en", "")
        raise NotAllowed(M("application %(id)s failed the programme's eligibility rule and can never be granted, "
                           "not even with a reason (%(evidence)s)", id=application.id, evidence=summary))


def decide_run(db: Session, run_id: int, actor: str) -> list[int]:
    """Grant every application selected in run ``run_id`` (its amounts as applied for); returns the grant ids."""
    run = require(db, SelectionRun, run_id, "selection run")
    if run.decided_at is not None:
        raise WrongState(f"selection run {run_id} was decided on {run.decided_at:%Y-%m-%d} by {run.decided_by}")
    newer = db.scalar(select(SelectionRun.id).where(SelectionRun.year == run.year, SelectionRun.id > run_id))
    if newer is not None:
        raise WrongState(f"selection run {run_id} is not the latest for {run.year}; decide run {newer} instead")
    granted = []
    for item in db.scalars(select(SelectionItem).where(SelectionItem.run_id == run_id, SelectionItem.selected.is_(True))
                           .order_by(SelectionItem.application_id)):
        application = get_application(db, item.application_id)
        refuse_if_ineligible(application)
        if application.status != "submitted":
            raise WrongState(f"application {application.id} is {application.status}; run the selection again")
        grant = grants.decide(db, application_id=application.id, amounts=yearly_amounts(application), actor=actor)
        grant.selection_run_id = run_id
        granted.append(grant.id)
    run.decided_at, run.decided_by = utcnow(), actor
    record(db, actor, "selection.decide", "selection_run", run_id, grants=granted)
    return granted


def selected_in_latest_run(db: Session, application: Application) -> int | None:
    """The id of the latest selection run of the application's year if it selected the application."""
    year = db.get(Call, application.call_id).year
    run = db.scalar(select(SelectionRun).where(SelectionRun.year == year).order_by(SelectionRun.id.desc()))
    if run is None:
        return None
    item = db.scalar(select(SelectionItem).where(SelectionItem.run_id == run.id,
                                                 SelectionItem.application_id == application.id))
    return run.id if item is not None and item.selected else None


def grant_one(db: Session, application_id: int, actor: str, reason: str = "") -> Grant:
    """Grant one application: as selected by the latest run, or outside it with a written ``reason`` (an override)."""
    application = get_application(db, application_id)
    refuse_if_ineligible(application)
    run_id = selected_in_latest_run(db, application)
    reason = (reason or "").strip()
    if run_id is None and not reason:
        raise FormErrors({"reason": M("this application is not selected in the latest selection run; a grant "
                                      "outside the selection needs a written reason (an override, audited and "
                                      "flagged)")})
    grant = grants.decide(db, application_id=application_id, amounts=yearly_amounts(application), actor=actor)
    if run_id is not None:
        grant.selection_run_id = run_id
    else:
        grant.override_reason = reason
        record(db, actor, "grant.override", "grant", grant.id, application=application_id, reason=reason)
    return grant


@dataclass
class GrantRow:
    grant_id: int
    application_id: int
    organisation: str
    reform: str
    start_year: int
    end_year: int
    status: str
    selection_run_id: int | None
    override_reason: str | None

    @property
    def outside_selection(self) -> bool:
        return self.selection_run_id is None

    def as_json(self) -> dict:
        return {**self.__dict__, "outside_selection": self.outside_selection}


def grant_rows(db: Session) -> list[GrantRow]:
    rows = db.execute(select(Grant, Organisation.name).join(Application, Application.id == Grant.application_id)
                      .join(Organisation, Organisation.id == Application.organisation_id).order_by(Grant.id)).all()
    return [GrantRow(g.id, g.application_id, name, g.reform_code, g.start_year, g.end_year, g.status,
                     g.selection_run_id, g.override_reason) for g, name in rows]
