"""Milestones of the ten reforms, as people work with them: officers add and edit them, the responsible
agency reports progress with evidence, and every report is kept so that the public page shows its history."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from segreform.programme import reforms
from segreform.programme.audit import record
from segreform.programme.clock import utcnow
from segreform.programme.errors import require
from segreform.programme.field_errors import FieldError, FieldErrors
from segreform.store.models.programme import Milestone, Reform
from segreform.store.models.programme_people import MilestoneReport

YEARS = (2000, 2100)


def _int(raw, field: str, low: int, high: int, errors: list) -> int | None:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        errors.append(FieldError(field, "enter a whole number"))
        return None
    if not low <= value <= high:
        errors.append(FieldError(field, "must be between %(low)s and %(high)s", low=low, high=high))
        return None
    return value


def _check(db: Session, reform_code: str, title: str, due_year) -> int:
    errors = []
    if db.get(Reform, reform_code) is None:
        errors.append(FieldError("reform", "choose a reform"))
    if not title.strip():
        errors.append(FieldError("title", "enter a title"))
    year = _int(due_year, "due_year", *YEARS, errors)
    if errors:
        raise FieldErrors(errors)
    return year


def create(db: Session, *, reform_code: str, title: str, due_year, actor: str) -> Milestone:
    year = _check(db, reform_code, title, due_year)
    return reforms.add_milestone(db, reform_code=reform_code, title=title.strip(), due_year=year, actor=actor)


def edit(db: Session, milestone_id: int, *, title: str, due_year, actor: str) -> Milestone:
    milestone = require(db, Milestone, milestone_id, "milestone")
    year = _check(db, milestone.reform_code, title, due_year)
    milestone.title, milestone.due_year = title.strip(), year
    record(db, actor, "milestone.edit", "reform", milestone.reform_code, milestone=milestone_id)
    return milestone


def report(db: Session, milestone_id: int, *, status: str, progress_pct, evidence: str, actor: str) -> MilestoneReport:
    """Report progress on a milestone; "done" needs 100 % and evidence. Kept as history."""
    require(db, Milestone, milestone_id, "milestone")
    errors = []
    if status not in reforms.MILESTONE_STATUSES:
        errors.append(FieldError("status", "choose a status"))
    pct = _int(progress_pct, "progress_pct", 0, 100, errors)
    if status == "done" and pct is not None and (pct != 100 or not evidence.strip()):
        errors.append(FieldError("evidence", "a milestone is done only at 100 percent and with evidence (a report, a link)"))
    if errors:
        raise FieldErrors(errors)
    reforms.update_milestone(db, milestone_id, status=status, progress_pct=pct, evidence=evidence.strip(),
                             actor=actor)
    entry = MilestoneReport(milestone_id=milestone_id, reported_at=utcnow(), reported_by=actor, status=status,
                            progress_pct=pct, evidence=evidence.strip())
    db.add(entry)
    db.flush()
    return entry


def history(db: Session, milestone_ids: list[int]) -> dict[int, list[MilestoneReport]]:
    found: dict[int, list[MilestoneReport]] = {i: [] for i in milestone_ids}
    if milestone_ids:
        for row in db.scalars(select(MilestoneReport).where(MilestoneReport.milestone_id.in_(milestone_ids))
                              .order_by(MilestoneReport.reported_at.desc(), MilestoneReport.id.desc())):
            found[row.milestone_id].append(row)
    return found
