"""Pages and API for review: officers assign reviewers and see declared conflicts; reviewers see and revise their
own scores while the application is open for review."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from segreform.programme import access, review
from segreform.programme.calls import criteria
from segreform.programme.errors import NotAllowed, NotFound, ProgrammeError, WrongState, missing_message
from segreform.programme.validation import FormErrors, Message as M
from segreform.store import session as db_session, transaction
from segreform.store.models.programme import (
    Application,
    Call,
    ConflictDeclaration,
    Organisation,
    ReviewAssignment,
    Score,
    SelectionRun,
    User,
)
from segreform.web.auth import require_role, verify_csrf
from segreform.web.messages import detail as error_detail
from segreform.web.params import MAX_ROW_ID, RowId
from segreform.web.programme_year_base import api_act, error_text, field_errors, page, redirect, status_for

router = APIRouter()
CSRF = [Depends(verify_csrf)]


def review_open(db, application: Application) -> bool:
    """Scores may change while the application is submitted and no decided selection run covers its year."""
    if application.status != "submitted":
        return False
    year = db.get(Call, application.call_id).year
    return db.scalar(select(SelectionRun.id).where(SelectionRun.year == year,
                                                   SelectionRun.decided_at.is_not(None))) is None


def _review_rows(db, user: User) -> list[dict]:
    users = {u.id: u for u in db.scalars(select(User))}
    query = select(Application).where(Application.status.in_(("submitted", "granted", "rejected")))
    if user.role == "reviewer":
        query = query.join(ReviewAssignment, ReviewAssignment.application_id == Application.id).where(
            ReviewAssignment.user_id == user.id)
    rows = []
    for application in db.scalars(query.order_by(Application.id)):
        if user.role == "reviewer" and review.is_conflicted(db, application.id, user.id):
            continue
        organisation = db.get(Organisation, application.organisation_id)
        rubric = criteria(db, application.call_id)
        row = {"id": application.id, "title": application.title, "organisation": organisation.name,
               "status": application.status, "eligible": application.eligible, "open": review_open(db, application),
               "criteria": [{"code": c.code, "name_sv": c.name_sv, "name_en": c.name_en, "min": c.scale_min,
                             "max": c.scale_max} for c in rubric]}
        assignments = list(db.scalars(select(ReviewAssignment).where(ReviewAssignment.application_id == application.id)))
        summary = review.summarise(db, application.id)
        if user.role in access.STAFF:
            row["reviewers"] = [{"id": a.user_id, "name": users[a.user_id].name, "email": users[a.user_id].email,
                                 "complete": a.user_id in summary.reviewer_scores,
                                 "score": summary.reviewer_scores.get(a.user_id)} for a in assignments]
            row["conflicts"] = [{"name": users[c.user_id].name, "email": users[c.user_id].email, "reason": c.reason,
                                 "declared_at": c.declared_at.isoformat()}
                                for c in db.scalars(select(ConflictDeclaration).where(
                                    ConflictDeclaration.application_id == application.id))]
            row["mean"] = summary.mean
        else:
            mine = review.assignment_for(db, application.id, user.id)
            given = {s.criterion_id: s for s in db.scalars(select(Score).where(Score.assignment_id == mine.id))}
            row["my_scores"] = {c.code: given[c.id].value for c in rubric if c.id in given}
            row["my_comments"] = {c.code: given[c.id].comment for c in rubric if c.id in given}
            row["my_total"] = summary.reviewer_scores.get(user.id)
        rows.append(row)
    return rows


def _review_page(request: Request, user: User, status_code: int = 200, errors: dict | None = None,
                 values: dict | None = None):
    with db_session(request.app.state.engine) as db:
        reviewers = list(db.scalars(select(User).where(User.role == "reviewer", User.active.is_(True))
                                    .order_by(User.name))) if user.role in access.STAFF else []
        return page(request, "programme/review.html", status_code=status_code, rows=_review_rows(db, user),
                    reviewers=reviewers, errors=errors or {}, values=values or {})


@router.get("/programme/review")
def review_page(request: Request, user: User = require_role("review.assign", "review.score")):
    return _review_page(request, user)


@router.get("/api/programme/review")
def review_api(request: Request, user: User = require_role("review.assign", "review.score")):
    with db_session(request.app.state.engine) as db:
        return _review_rows(db, user)


def _scores(db, user: User, application_id: int, raw: dict) -> None:
    application = db.get(Application, application_id)
    if application is None or review.assignment_for(db, application_id, user.id) is None:
        raise NotFound(missing_message("application", application_id))
    conflict = db.scalar(select(ConflictDeclaration).where(ConflictDeclaration.application_id == application_id,
                                                           ConflictDeclaration.user_id == user.id))
    if conflict is not None:
        raise NotAllowed(M("You declared a conflict of interest for this application (%(reason)s); a reviewer with a "
                           "conflict may not score it.", reason=conflict.reason))
    if not review_open(db, application):
        raise WrongState(M("The review of this application is closed; scores can no longer change."))
    errors, scores = {}, {}
    for c in criteria(db, application.call_id):
        text = str(raw.get(c.code, "") if raw.get(c.code) is not None else "").strip()
        if not text:
            errors[f"score_{c.code}"] = M("is required: every criterion must be scored")
        elif not text.isdigit() or not c.scale_min <= int(text) <= c.scale_max:
            errors[f"score_{c.code}"] = M("a whole number from %(low)s to %(high)s", low=c.scale_min, high=c.scale_max)
        else:
            scores[c.code] = int(text)
    if errors:
        raise FormErrors(errors)
    comments = {code: str(raw.get(f"comment_{code}", "") or "")[:10_000] for code in scores}
    review.score(db, application_id=application_id, user_id=user.id, scores=scores, comments=comments,
                 actor=user.email)


@router.post("/programme/review/{application_id}/scores", dependencies=CSRF)
async def review_score(request: Request, application_id: RowId, user: User = require_role("review.score")):
    form = await request.form()
    raw = {key.removeprefix("score_"): form.get(key) for key in form.keys() if key.startswith("score_")}
    raw.update({key: form.get(key) for key in form.keys() if key.startswith("comment_")})
    try:
        with transaction(request.app.state.engine) as db:
            _scores(db, user, application_id, raw)
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=error_detail(exc)) from None
    except FormErrors as exc:
        errors = {f"{application_id}:{k}": v for k, v in field_errors(request, exc).items()}
        return _review_page(request, user, 400, errors, {f"{application_id}:{k}": v for k, v in form.items()})
    except ProgrammeError as exc:
        return _review_page(request, user, status_for(exc), {f"{application_id}:form": error_text(request, exc)})
    return redirect(request, "/programme/review")


class ScoresIn(BaseModel):
    scores: dict[str, int | str | None] = Field(default_factory=dict, max_length=50)
    comments: dict[str, str] = Field(default_factory=dict, max_length=50)


@router.post("/api/programme/applications/{application_id}/review", dependencies=CSRF)
def review_score_api(request: Request, application_id: RowId, body: ScoresIn, user: User = require_role("review.score")):
    raw = {k: (None if v is None else str(v)) for k, v in body.scores.items()}
    raw.update({f"comment_{k}": v for k, v in body.comments.items()})

    def work(db):
        _scores(db, user, application_id, raw)
        return {"id": application_id, "score": review.summarise(db, application_id).reviewer_scores.get(user.id)}

    return api_act(request, work)


def _assign(db, officer: User, application_id: int, reviewer_ref: str) -> int:
    reviewer = None
    if reviewer_ref.isdigit() and int(reviewer_ref) <= MAX_ROW_ID:
        reviewer = db.get(User, int(reviewer_ref))
    if reviewer is None:
        reviewer = db.scalar(select(User).where(User.email == reviewer_ref.strip().lower()))
    if reviewer is None or reviewer.role != "reviewer":
        raise FormErrors({"reviewer": M("choose one of the reviewers")})
    conflict = db.scalar(select(ConflictDeclaration).where(ConflictDeclaration.application_id == application_id,
                                                           ConflictDeclaration.user_id == reviewer.id))
    if conflict is not None:
        raise NotAllowed(M("%(name)s has declared a conflict of interest for this application (%(reason)s) and "
                           "cannot be assigned.", name=reviewer.name, reason=conflict.reason))
    return review.assign(db, application_id=application_id, user_id=reviewer.id, actor=officer.email).id


@router.post("/programme/review/{application_id}/assign", dependencies=CSRF)
async def review_assign(request: Request, application_id: RowId, user: User = require_role("review.assign")):
    reviewer_ref = str((await request.form()).get("reviewer") or "")[:200]
    try:
        with transaction(request.app.state.engine) as db:
            _assign(db, user, application_id, reviewer_ref)
    except ProgrammeError as exc:
        message = "; ".join(field_errors(request, exc).values()) if isinstance(exc, FormErrors) else error_text(
            request, exc)
        return _review_page(request, user, status_for(exc), {f"{application_id}:form": message})
    return redirect(request, "/programme/review")


class AssignIn(BaseModel):
    reviewer: str = Field(max_length=200, description="the reviewer's e-mail or user id")


@router.post("/api/programme/applications/{application_id}/assignments", dependencies=CSRF)
def review_assign_api(request: Request, application_id: RowId, body: AssignIn,
                      user: User = require_role("review.assign")):
    return api_act(request, lambda db: {"id": _assign(db, user, application_id, body.reviewer)})


def _conflict(db, user: User, application_id: int, reason: str) -> int:
    if review.assignment_for(db, application_id, user.id) is None:
        raise NotFound(missing_message("application", application_id))
    if not reason.strip():
        raise FormErrors({"reason": M("say why there is a conflict of interest")})
    return review.declare_conflict(db, application_id=application_id, user_id=user.id, reason=reason.strip(),
                                   actor=user.email).id


@router.post("/programme/review/{application_id}/conflict", dependencies=CSRF)
async def review_conflict(request: Request, application_id: RowId, user: User = require_role("review.conflict")):
    reason = str((await request.form()).get("reason") or "")[:2000]
    try:
        with transaction(request.app.state.engine) as db:
            _conflict(db, user, application_id, reason)
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=error_detail(exc)) from None
    except ProgrammeError as exc:
        return _review_page(request, user, status_for(exc), {f"{application_id}:form": error_text(request, exc)})
    return redirect(request, "/programme/review")


class ConflictIn(BaseModel):
    reason: str = Field(max_length=2000)


@router.post("/api/programme/applications/{application_id}/conflicts", dependencies=CSRF)
def review_conflict_api(request: Request, application_id: RowId, body: ConflictIn,
                        user: User = require_role("review.conflict")):
    return api_act(request, lambda db: {"id": _conflict(db, user, application_id, body.reason)})

