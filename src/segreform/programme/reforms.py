"""The ten reforms as an accountability view: agency, budget lines, money committed and paid, milestones."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from segreform.programme import ledger
from segreform.programme.audit import record
from segreform.programme.errors import InvalidInput, require
from segreform.store.models.programme import Milestone, Organisation, Reform, ReformBudgetLine

MILESTONE_STATUSES = ("planned", "in_progress", "done")


def add_milestone(db: Session, *, reform_code: str, title: str, due_year: int, actor: str) -> Milestone:
    require(db, Reform, reform_code, "reform")
    milestone = Milestone(reform_code=reform_code, title=title, due_year=due_year, status="planned",
                          progress_pct=0, evidence="")
    db.add(milestone)
    db.flush()
    record(db, actor, "milestone.create", "reform", reform_code, milestone=milestone.id)
    return milestone


def update_milestone(db: Session, milestone_id: int, *, status: str, progress_pct: int, evidence: str,
                     actor: str) -> Milestone:
    """Move a milestone; "done" needs evidence and 100 %, so that the accountability view can be trusted."""
    milestone = require(db, Milestone, milestone_id, "milestone")
    if status not in MILESTONE_STATUSES:
        raise InvalidInput("status", f"use one of {', '.join(MILESTONE_STATUSES)}")
    if not 0 <= progress_pct <= 100:
        raise InvalidInput("progress_pct", "must be 0–100")
    if status == "done" and (progress_pct != 100 or not evidence.strip()):
        raise InvalidInput("evidence", "a milestone is done only at 100 % and with evidence (a report, a link)")
    milestone.status, milestone.progress_pct, milestone.evidence = status, progress_pct, evidence
    reform = db.get(Reform, milestone.reform_code)
    reform.status = _reform_status(db, milestone.reform_code)
    record(db, actor, "milestone.update", "reform", milestone.reform_code, milestone=milestone_id,
           status=status, progress_pct=progress_pct)
    return milestone


@dataclass
class ReformView:
    reform: Reform
    agency_name: str
    budget_ore: int
    committed_ore: int
    paid_ore: int
    milestones: list[Milestone]

    @property
    def progress_pct(self) -> int:
        if not self.milestones:
            return 0
        return round(sum(m.progress_pct for m in self.milestones) / len(self.milestones))


def accountability(db: Session) -> list[ReformView]:
    """Every reform with its money over all years and its milestones (planned, in progress, done)."""
    views = []
    for reform in db.scalars(select(Reform).order_by(Reform.number)):
        years = list(db.scalars(select(ReformBudgetLine.year).where(ReformBudgetLine.reform_code == reform.code)))
        budget = sum(db.scalars(select(ReformBudgetLine.amount_ore).where(
            ReformBudgetLine.reform_code == reform.code)))
        agency = db.scalar(select(Organisation.name).where(Organisation.code == reform.agency_code))
        milestones = list(db.scalars(select(Milestone).where(Milestone.reform_code == reform.code)
                                     .order_by(Milestone.due_year, Milestone.id)))
        views.append(ReformView(reform, agency or reform.agency_code, int(budget),
                                sum(ledger.committed(db, y, reform_code=reform.code) for y in years),
                                sum(ledger.paid(db, y, reform_code=reform.code) for y in years), milestones))
    return views


def _reform_status(db: Session, reform_code: str) -> str:
    statuses = set(db.scalars(select(Milestone.status).where(Milestone.reform_code == reform_code)))
    if statuses == {"done"}:
        return "done"
    return "in_progress" if statuses & {"in_progress", "done"} else "planned"
