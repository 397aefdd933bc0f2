"""What each role has to do now: the page every user lands on after signing in.

- applicant (municipality): open calls and its own applications;
- reviewer: its assignments and whether each is scored;
- agency: its reforms' milestones and the networks it belongs to;
- researcher: its development areas (evaluation) and networks;
- officer: the programme dashboard — applications waiting for review, overdue action items, late milestones,
  open calls;
- admin: the users (and the officer's dashboard).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from segreform.programme import access, network_admin
from segreform.programme.clock import as_utc, utcnow
from segreform.store.models.evaluation import ResearcherArea
from segreform.store.models.programme import (
    Application,
    Call,
    Criterion,
    DevelopmentArea,
    Milestone,
    Network,
    Organisation,
    Reform,
    ReviewAssignment,
    Score,
    User,
)


def open_calls(db: Session) -> list[Call]:
    now = utcnow()
    return [c for c in db.scalars(select(Call).order_by(Call.deadline)) if as_utc(c.deadline) > now]


def _applications(db: Session, user: User) -> list[dict]:
    return [{"id": a.id, "title": a.title, "status": a.status, "start_year": a.start_year,
             "requested_ore": a.requested_ore} for a in db.scalars(access.visible_applications(user))]


def _assignments(db: Session, user: User) -> list[dict]:
    rows = []
    for assignment, application in db.execute(
            select(ReviewAssignment, Application).join(Application, Application.id == ReviewAssignment.application_id)
            .where(ReviewAssignment.user_id == user.id).order_by(Application.id)).all():
        if application.id not in {a.id for a in db.scalars(access.visible_applications(user))}:
            continue  # conflicted since the assignment
        needed = db.scalar(select(func.count()).select_from(Criterion).where(Criterion.call_id == application.call_id))
        given = db.scalar(select(func.count()).select_from(Score).where(Score.assignment_id == assignment.id))
        rows.append({"application_id": application.id, "title": application.title, "status": application.status,
                     "scored": given, "criteria": needed, "done": needed > 0 and given >= needed})
    return rows


def _milestones(db: Session, reform_codes: list[str] | None, year: int) -> list[dict]:
    query = select(Milestone, Reform).join(Reform, Reform.code == Milestone.reform_code)
    if reform_codes is not None:
        query = query.where(Milestone.reform_code.in_(reform_codes))
    return [{"id": m.id, "reform": r.code, "number": r.number, "title_sv": r.title_sv, "title_en": r.title_en,
             "milestone": m.title, "due_year": m.due_year, "status": m.status, "progress_pct": m.progress_pct,
             "late": m.status != "done" and m.due_year < year}
            for m, r in db.execute(query.order_by(Milestone.due_year, Milestone.id)).all()]


def _networks(db: Session, ids: set[int] | None) -> list[dict]:
    query = select(Network).order_by(Network.development_area_code)
    if ids is not None:
        query = query.where(Network.id.in_(ids))
    return [{"id": n.id, "name": n.name, "development_area": n.development_area_code} for n in db.scalars(query)]


def _overdue(db: Session, today: date, ids: set[int] | None) -> list[dict]:
    return [{"id": a.id, "description": a.description, "owner": a.owner, "due_on": a.due_on,
             "meeting_id": m.id, "meeting": m.title, "network_id": m.network_id}
            for a, m in network_admin.overdue(db, today, ids)]


def worklist(db: Session, user: User, today: date | None = None) -> dict:
    """The user's worklist as plain data (the page and ``GET /api/programme/me/worklist`` show the same)."""
    today = today or utcnow().date()
    result: dict = {"role": user.role, "sections": []}
    calls = [{"id": c.id, "title": c.title, "year": c.year, "deadline": as_utc(c.deadline)}
             for c in open_calls(db)]
    if user.role == "applicant":
        result.update(open_calls=calls, applications=_applications(db, user))
    elif user.role == "reviewer":
        result.update(assignments=_assignments(db, user))
    elif user.role == "agency":
        organisation = db.get(Organisation, user.organisation_id) if user.organisation_id else None
        codes = list(db.scalars(select(Reform.code).where(Reform.agency_code == (organisation.code if organisation else ""))))
        ids = network_admin.member_network_ids(db, user)
        result.update(milestones=_milestones(db, codes, today.year), networks=_networks(db, ids),
                      overdue_actions=_overdue(db, today, ids))
    elif user.role == "researcher":
        codes = list(db.scalars(select(ResearcherArea.development_area).where(ResearcherArea.user_id == user.id)))
        areas = [{"code": a.code, "name_sv": a.name_sv, "name_en": a.name_en}
                 for a in db.scalars(select(DevelopmentArea).where(DevelopmentArea.code.in_(codes)))]
        result.update(development_areas=areas, networks=_networks(db, network_admin.member_network_ids(db, user)))
    elif user.role in ("officer", "admin"):
        waiting = []
        for application in db.scalars(select(Application).where(Application.status == "submitted")
                                      .order_by(Application.id)):
            assigned = db.scalar(select(func.count()).select_from(ReviewAssignment)
                                 .where(ReviewAssignment.application_id == application.id))
            if assigned < 2:
                waiting.append({"id": application.id, "title": application.title, "reviewers": assigned})
        result.update(open_calls=calls, needs_reviewers=waiting, overdue_actions=_overdue(db, today, None),
                      late_milestones=[m for m in _milestones(db, None, today.year) if m["late"]],
                      networks=_networks(db, None))
        if user.role == "admin":
            users = list(db.scalars(select(User).order_by(User.role, User.email)))
            result.update(users=[{"id": u.id, "email": u.email, "name": u.name, "role": u.role, "active": u.active,
                                  "must_change_password": u.must_change_password} for u in users])
    return result
