"""Staff and applicant pages for one application's life after the call: the list, an application, its attachments,
submission and withdrawal, reviewers, scores and conflicts, then selection, the grant decision, payments and reports.

Drafts and the call-bound forms are in :mod:`segreform.web.programme_calls`; the shared page and transaction helpers
(:func:`~segreform.web.programme.page`, :func:`~segreform.web.programme.act`) in :mod:`segreform.web.programme`.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import select

from segreform.programme import access, applications, grants, ledger, review, selection
from segreform.programme import submission  # every field checked, eligibility evaluated with its evidence
from segreform.programme.calls import criteria
from segreform.programme.decisions import grant_one
from segreform.programme.errors import InvalidInput, NotFound, ProgrammeError, missing_message
from segreform.programme.money import parse_sek
from segreform.store import session as db_session
from segreform.store.models.programme import (
    Attachment,
    Call,
    DevelopmentArea,
    Grant,
    Organisation,
    SelectionItem,
    SelectionRun,
    User,
)
from segreform.web.auth import require_role
from segreform.web.i18n import language
from segreform.web.messages import detail as error_detail, user_message
from segreform.web.params import MAX_ROW_ID, MAX_YEAR, MIN_YEAR, RowId, RowIdForm, YearForm, YearQuery
from segreform.web.programme import CSRF, act, application_for, page

router = APIRouter()


# --- applications -----------------------------------------------------------------------------------

def _application_row(db, application) -> dict:
    organisation = db.get(Organisation, application.organisation_id)
    return {"id": application.id, "call_id": application.call_id, "organisation": organisation.name,
            "kommunkod": organisation.kommunkod, "title": application.title, "status": application.status,
            "start_year": application.start_year, "years": application.years,
            "total_budget_ore": application.total_budget_ore, "requested_ore": application.requested_ore,
            "development_areas": applications.area_codes(db, application.id)}


@router.get("/programme/applications")
def applications_page(request: Request, user: User = require_role("application.list")):
    with db_session(request.app.state.engine) as db:
        rows = [_application_row(db, a) for a in db.scalars(access.visible_applications(user))]
        calls = list(db.scalars(select(Call).order_by(Call.year.desc())))
        areas = list(db.scalars(select(DevelopmentArea)))
        return page(request, "programme/applications.html", applications=rows, calls=calls, areas=areas)


@router.get("/api/programme/applications")
def applications_api(request: Request, user: User = require_role("application.list")):
    with db_session(request.app.state.engine) as db:
        return [_application_row(db, a) for a in db.scalars(access.visible_applications(user))]


def _application_detail(db, user, application_id) -> dict:
    application = application_for(db, user, application_id, "application.view")
    row = _application_row(db, application)
    row.update(plan=application.plan, goals=application.goals, time_plan=application.time_plan,
               attachments=[{"id": f.id, "filename": f.filename, "size_bytes": f.size_bytes, "sha256": f.sha256}
                            for f in db.scalars(select(Attachment).where(Attachment.application_id == application_id)
                                                .order_by(Attachment.id))])
    if user.role in access.STAFF or user.role == "reviewer":
        summary = review.summarise(db, application_id)
        row["review"] = {"mean": summary.mean, "spread": summary.spread, "reviewers": len(summary.reviewer_scores)}
    grant = db.scalar(select(Grant).where(Grant.application_id == application_id))
    if grant is not None:
        years = range(grant.start_year, grant.end_year + 1)
        row["grant"] = {"id": grant.id, "status": grant.status, "years": list(years),
                        "committed_ore": sum(ledger.committed(db, y, grant_id=grant.id) for y in years),
                        "paid_ore": sum(ledger.paid(db, y, grant_id=grant.id) for y in years)}
    if user.role == "reviewer":
        row["criteria"] = [{"code": c.code, "name_sv": c.name_sv, "name_en": c.name_en, "min": c.scale_min,
                            "max": c.scale_max} for c in criteria(db, application.call_id)]
    return row


@router.get("/programme/applications/{application_id}")
def application_page(request: Request, application_id: RowId, user: User = require_role("application.view")):
    try:
        with db_session(request.app.state.engine) as db:
            return page(request, "programme/application.html", a=_application_detail(db, user, application_id))
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=error_detail(exc)) from None


@router.get("/api/programme/applications/{application_id}")
def application_api(request: Request, application_id: RowId, user: User = require_role("application.view")):
    try:
        with db_session(request.app.state.engine) as db:
            return _application_detail(db, user, application_id)
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=error_detail(exc)) from None


@router.get("/programme/attachments/{attachment_id}")
def attachment_download(request: Request, attachment_id: RowId, user: User = require_role("application.view")):
    with db_session(request.app.state.engine) as db:
        attachment = db.get(Attachment, attachment_id)
        try:
            if attachment is None:
                raise NotFound(missing_message("attachment", attachment_id))
            application_for(db, user, attachment.application_id, "application.view")
        except NotFound as exc:
            raise HTTPException(status_code=404, detail=error_detail(exc)) from None
        # Served as a download, never rendered inline, so that an uploaded file cannot run in the site's origin.
        return Response(attachment.content, media_type=attachment.content_type, headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(attachment.filename)}",
            "X-Content-Type-Options": "nosniff"})


@router.post("/programme/applications", dependencies=CSRF)
def application_create(request: Request, call_id: RowIdForm, title: str = Form(...),
                       development_areas: list[str] = Form(...), start_year: int = Form(..., ge=MIN_YEAR, le=MAX_YEAR), years: int = Form(..., ge=1, le=100),
                       total_budget_sek: str = Form(...), requested_sek: str = Form(...), plan: str = Form(""),
                       goals: str = Form(""), time_plan: str = Form(""), user: User = require_role("application.create")):
    return act(request, lambda db: applications.create_draft(
        db, call_id=call_id, organisation_id=user.organisation_id, development_areas=development_areas,
        actor=user.email, title=title, start_year=start_year, years=years,
        total_budget_ore=parse_sek(total_budget_sek, "total_budget_sek"),
        requested_ore=parse_sek(requested_sek, "requested_sek"), plan=plan, goals=goals, time_plan=time_plan).id,
        "/programme/applications")


def _applicant_step(request, application_id, user, step) -> Response:
    def work(db):
        application_for(db, user, application_id, "application.edit")
        step(db)
        return application_id

    return act(request, work, f"/programme/applications/{application_id}")


@router.post("/programme/applications/{application_id}/submit", dependencies=CSRF)
def application_submit(request: Request, application_id: RowId, user: User = require_role("application.edit")):

    return _applicant_step(request, application_id, user, lambda db: submission.submit(db, application_id, user.email))


@router.post("/programme/applications/{application_id}/withdraw", dependencies=CSRF)
def application_withdraw(request: Request, application_id: RowId, user: User = require_role("application.edit")):
    return _applicant_step(request, application_id, user,
                           lambda db: applications.withdraw(db, application_id, user.email))


@router.post("/programme/applications/{application_id}/attachments", dependencies=CSRF)
async def application_attach(request: Request, application_id: RowId, file: UploadFile,
                             user: User = require_role("application.edit")):
    content = await file.read(applications.MAX_ATTACHMENT_BYTES + 1)
    return _applicant_step(request, application_id, user, lambda db: applications.add_attachment(
        db, application_id, filename=file.filename or "attachment", content_type=file.content_type or "",
        content=content, actor=user.email))


@router.post("/programme/applications/{application_id}/reviewers", dependencies=CSRF)
def reviewer_assign(request: Request, application_id: RowId, reviewer_email: str = Form(...),
                    user: User = require_role("review.assign")):
    def work(db):
        reviewer = db.scalar(select(User).where(User.email == reviewer_email.strip().lower()))
        if reviewer is None:
            raise NotFound(f"no user {reviewer_email}")
        return review.assign(db, application_id=application_id, user_id=reviewer.id, actor=user.email).id

    return act(request, work, f"/programme/applications/{application_id}")


@router.post("/programme/applications/{application_id}/scores", dependencies=CSRF)
async def review_score(request: Request, application_id: RowId, user: User = require_role("review.score")):
    form = await request.form()

    def work(db):
        application = application_for(db, user, application_id, "review.score")
        codes = [c.code for c in criteria(db, application.call_id)]
        scores = {}
        for code in codes:
            raw = form.get(f"score_{code}")
            if raw not in (None, ""):
                try:
                    scores[code] = int(raw)
                except ValueError:
                    raise InvalidInput(f"score {code}", f"{raw!r} is not a whole number") from None
        comments = {code: str(form.get(f"comment_{code}", "")) for code in codes}
        review.score(db, application_id=application_id, user_id=user.id, scores=scores, comments=comments,
                     actor=user.email)
        return application_id

    return act(request, work, f"/programme/applications/{application_id}")


@router.post("/programme/applications/{application_id}/conflict", dependencies=CSRF)
def review_conflict(request: Request, application_id: RowId, reason: str = Form(...),
                    user: User = require_role("review.conflict")):
    def work(db):
        # Only on an application the reviewer is assigned to (or already declared): others answer 404 as for view.
        if not access.allowed(db, user, "review.conflict", applications.get_application(db, application_id)):
            raise NotFound(missing_message("application", application_id))
        return review.declare_conflict(db, application_id=application_id, user_id=user.id, reason=reason,
                                       actor=user.email).id

    return act(request, work, "/programme/applications")


# --- selection and grants ---------------------------------------------------------------------------

@router.get("/programme/selection")
def selection_page(request: Request, year: YearQuery = None, user: User = require_role("selection.run")):
    with db_session(request.app.state.engine) as db:
        runs = list(db.scalars(select(SelectionRun).order_by(SelectionRun.id.desc())))
        preview, error = None, None
        if year is not None:
            try:
                preview, _ = selection.run_selection(db, year=year, actor=user.email, dry_run=True)
            except ProgrammeError as exc:
                error = user_message(language(request), exc)
        items = {run.id: list(db.scalars(select(SelectionItem).where(SelectionItem.run_id == run.id)))
                 for run in runs[:3]}
        return page(request, "programme/selection.html", runs=runs[:3], items=items, preview=preview,
                     error=error, year=year)


@router.post("/programme/selection", dependencies=CSRF)
def selection_run(request: Request, year: YearForm, max_per_county: int | None = Form(None, ge=1, le=MAX_ROW_ID),
                  user: User = require_role("selection.run")):
    return act(request, lambda db: selection.run_selection(db, year=year, actor=user.email,
                                                            max_per_county=max_per_county)[1],
                "/programme/selection")


@router.post("/programme/selection/{run_id}/override", dependencies=CSRF)
def selection_override(request: Request, run_id: RowId, application_id: RowIdForm, include: bool = Form(...),
                       reason: str = Form(...), user: User = require_role("selection.override")):
    return act(request, lambda db: selection.override(db, run_id=run_id, application_id=application_id,
                                                       include=include, reason=reason, actor=user.email).id,
                "/programme/selection")


@router.post("/programme/applications/{application_id}/grant", dependencies=CSRF)
def grant_decide(request: Request, application_id: RowId, reason: str = Form("", max_length=2000),
                 user: User = require_role("grant.decide")):
    # Decisions follow the selection (segreform.programme.decisions): outside the latest run only with a reason.

    def work(db):
        return grant_one(db, application_id, user.email, reason[:2000]).id

    return act(request, work, f"/programme/applications/{application_id}")


@router.post("/programme/grants/{grant_id}/payments", dependencies=CSRF)
def grant_pay(request: Request, grant_id: RowId, year: YearForm, amount_sek: str = Form(...),
              user: User = require_role("grant.pay")):
    return act(request, lambda db: grants.pay_tranche(db, grant_id=grant_id, year=year,
                                                       amount_ore=parse_sek(amount_sek, "amount_sek"),
                                                       actor=user.email).id, "/programme/ledger")


@router.post("/programme/grants/{grant_id}/reports", dependencies=CSRF)
def grant_report(request: Request, grant_id: RowId, kind: str = Form(...), year: int = Form(..., ge=MIN_YEAR, le=MAX_YEAR),
                 text: str = Form(...), spent_sek: str = Form(...), user: User = require_role("grant.report")):
    def work(db):
        grant = grants.get_grant(db, grant_id)
        application_for(db, user, grant.application_id, "grant.report")
        return grants.submit_report(db, grant_id=grant_id, kind=kind, year=year, text=text,
                                    spent_ore=parse_sek(spent_sek, "spent_sek"), actor=user.email).id

    return act(request, work, "/programme/applications")

