"""Who may do what: every action is checked against the actor's role and organisation.

The web layer asks :func:`allowed` before it calls a service; the rules live here, next to the domain, so
that the CLI and the web agree and the role × action matrix can be tested in one place.
"""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from segreform.programme.review import assignment_for, is_conflicted
from segreform.store.models.programme import Application, ConflictDeclaration, Organisation, ReviewAssignment, User

STAFF = ("admin", "officer")
# action -> roles that may attempt it (organisation and assignment checks follow in ``allowed``)
ACTIONS: dict[str, tuple[str, ...]] = {
    "programme.view": ("admin", "officer", "reviewer", "applicant", "agency", "researcher", "public"),
    "application.list": ("admin", "officer", "reviewer", "applicant"),
    "application.view": ("admin", "officer", "reviewer", "applicant"),
    "application.create": ("applicant",),
    "application.edit": ("applicant",),
    "review.assign": STAFF,
    "review.score": ("reviewer",),
    "review.conflict": ("reviewer",),
    "selection.run": STAFF,
    "selection.override": STAFF,
    "grant.decide": STAFF,
    "grant.pay": STAFF,
    "grant.report": ("applicant",),
    "network.edit": STAFF,
    "reform.update": ("admin", "officer", "agency"),
    "user.create": ("admin",),
    "user.manage": ("admin",),
    "milestone.edit": STAFF,
    "agency.edit": STAFF,
    "worklist.view": ("admin", "officer", "reviewer", "applicant", "agency", "researcher", "public"),
    "call.manage": STAFF,  # calls' life cycle, decisions from a selection run
    "programme.load": ("admin",),
}


def role_may(user: User | None, action: str) -> bool:
    role = user.role if user is not None else "public"
    return role in ACTIONS[action]


def allowed(db: Session, user: User | None, action: str, application: Application | None = None,
            reform_agency_code: str | None = None) -> bool:
    """True when ``user`` may do ``action`` (on ``application``, where one is concerned)."""
    if not role_may(user, action):
        return False
    if application is not None and user.role == "applicant":
        return application.organisation_id == user.organisation_id
    if application is not None and user.role == "reviewer":
        if is_conflicted(db, application.id, user.id):
            return action == "review.conflict"
        # A conflict may be declared only where the reviewer was assigned: never on an application they cannot see.
        return assignment_for(db, application.id, user.id) is not None
    if action == "reform.update" and user.role == "agency":
        organisation = db.get(Organisation, user.organisation_id)
        return organisation is not None and organisation.code == reform_agency_code
    return True


def visible_applications(user: User | None) -> Select:
    """The applications query restricted to what ``user`` may see."""
    query = select(Application).order_by(Application.id)
    if user is None or user.role not in ACTIONS["application.list"]:
        return query.where(Application.id.is_(None))
    if user.role == "applicant":
        return query.where(Application.organisation_id == user.organisation_id)
    if user.role == "reviewer":
        conflicted = select(ConflictDeclaration.application_id).where(ConflictDeclaration.user_id == user.id)
        assigned = select(ReviewAssignment.application_id).where(ReviewAssignment.user_id == user.id)
        return query.where(Application.id.in_(assigned), Application.id.not_in(conflicted))
    return query
