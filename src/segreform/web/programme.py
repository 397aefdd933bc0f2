"""Web pages and JSON API for the programme: applications, review, selection, ledger, reforms, networks.

Pages live under ``/programme/...`` and the API under ``/api/programme/...``. Every state-changing request
is a POST that must carry the session's CSRF token; every request is checked against the role and the
organisation by :mod:`segreform.programme.access`. The routes only translate HTTP to service calls.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Callable
from urllib.parse import quote

import yaml
from fastapi import APIRouter, Depends, Form, HTTPException, Request, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import select

from segreform.programme import access, applications, grants, ledger, networks, reforms, review, selection
from segreform.programme.accounts import ROLES
from segreform.programme.calls import criteria
from segreform.programme.errors import (
    BudgetExceeded,
    InvalidInput,
    NotAllowed,
    NotFound,
    ProgrammeError,
    WrongState,
    require,
)
from segreform.programme.money import format_sek, parse_sek
from segreform.store import session as db_session, transaction
from segreform.store.models.programme import (
    ActionItem,
    Attachment,
    Call,
    DevelopmentArea,
    FocusArea,
    Grant,
    Meeting,
    Milestone,
    Network,
    NetworkMember,
    Organisation,
    ProgrammeYear,
    Reform,
    SelectionItem,
    SelectionRun,
    User,
    WorkModel,
)
from segreform.web.auth import (
    csrf_token,
    current_user,
    end_session,
    remember_login_csrf,
    require_role,
    start_session,
    verify_csrf,
)
from segreform.web.i18n import N_, add_nav_link, language, pgettext_noop, render, templates
from segreform.web.login_guard import authenticate_throttled
from segreform.web.messages import detail as error_detail, user_message
from segreform.web.params import MAX_ROW_ID, MAX_YEAR, MIN_YEAR, RowId, RowIdForm, YearForm, YearQuery

add_nav_link("/programme", pgettext_noop("menu", "Programme"))
# A reform's or milestone's progress status, with the msgid its pages show (translated in the template).
PROGRESS_STATUS_NAMES = {"planned": N_("Planned"), "in_progress": N_("In progress"), "done": N_("Done")}
templates.env.globals["PROGRESS_STATUS_NAMES"] = PROGRESS_STATUS_NAMES
router = APIRouter()
CSRF = [Depends(verify_csrf)]


def _page(request: Request, template: str, status_code: int = 200, **context) -> Response:
    response = render(request, template, status_code=status_code, user=current_user(request),
                      csrf=csrf_token(request), sek=format_sek, roles=ROLES, **context)
    remember_login_csrf(request, response)
    return response


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def _act(request: Request, work: Callable, redirect: str) -> Response:
    """Run ``work(db)`` in one transaction; on a refusal nothing is written and the user sees why."""
    try:
        with transaction(request.app.state.engine) as db:
            result = work(db)
    except NotAllowed as exc:
        raise HTTPException(status_code=403, detail=error_detail(exc)) from None
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=error_detail(exc)) from None
    except ProgrammeError as exc:
        status = 409 if isinstance(exc, (BudgetExceeded, WrongState)) else 400
        if _wants_json(request):
            return JSONResponse({"error": str(exc)}, status_code=status)
        return _page(request, "programme/error.html", status_code=status,
                     message=user_message(language(request), exc))
    if _wants_json(request):
        return JSONResponse({"ok": True, "result": result if isinstance(result, (int, str, dict, list)) else None})
    lang = request.query_params.get("lang")
    return RedirectResponse(redirect + (f"?lang={lang}" if lang else ""), status_code=303)


def _application_for(db, user: User, application_id: int, action: str):
    application = applications.get_application(db, application_id)
    if not access.allowed(db, user, action, application):
        # Someone else's application looks the same as a missing one, so ids cannot be probed.
        raise NotFound(f"application {application_id} does not exist") if action == "application.view" else NotAllowed(
            f"your role ({user.role}) may not do this to application {application_id}")
    return application


# --- sign-in ----------------------------------------------------------------------------------------

@router.get("/programme/login")
def login_page(request: Request):
    return _page(request, "programme/login.html")


@router.post("/programme/login", dependencies=CSRF)
def login(request: Request, email: str = Form(...), password: str = Form(...)):
    user = authenticate_throttled(request, email, password)  # 429 while blocked after repeated failures
    if user is None:
        return _page(request, "programme/login.html", status_code=401, error=True)
    response = RedirectResponse("/programme/home", status_code=303)  # each role's worklist (programme_people)
    start_session(request, response, user)
    response.delete_cookie("segreform_login_csrf")
    return response


@router.post("/programme/logout", dependencies=CSRF)
def logout(request: Request):
    response = RedirectResponse("/programme", status_code=303)
    end_session(request, response)
    return response


# --- public pages and API ---------------------------------------------------------------------------

def _public_view(name: str, template: str, key: str, rows: Callable) -> None:
    """A public page and its JSON twin over the same rows: /programme/<name> and /api/programme/<name>."""

    def page(request: Request):
        with db_session(request.app.state.engine) as db:
            return _page(request, template, **{key: rows(db)})

    def api(request: Request):
        with db_session(request.app.state.engine) as db:
            return rows(db)

    router.add_api_route(f"/programme/{name}", page, methods=["GET"], name=f"{name}_page")
    router.add_api_route(f"/api/programme/{name}", api, methods=["GET"], name=f"{name}_api")


def _overview(db) -> dict:
    years = list(db.scalars(select(ProgrammeYear).order_by(ProgrammeYear.year)))
    return {
        "years": [{"year": y.year, "frame_ore": y.frame_ore, "committed_ore": ledger.committed(db, y.year),
                   "paid_ore": ledger.paid(db, y.year), "source": y.source} for y in years],
        "focus_areas": [{"code": f.code, "number": f.number, "name_sv": f.name_sv, "name_en": f.name_en}
                        for f in db.scalars(select(FocusArea).order_by(FocusArea.number))],
        "development_areas": [{"code": d.code, "focus_area": d.focus_area_code, "name_sv": d.name_sv,
                               "name_en": d.name_en} for d in db.scalars(select(DevelopmentArea))],
    }


@router.get("/programme")
def overview_page(request: Request):
    with db_session(request.app.state.engine) as db:
        return _page(request, "programme/index.html", **_overview(db))


@router.get("/api/programme")
def overview_api(request: Request):
    with db_session(request.app.state.engine) as db:
        return _overview(db)


def _ledger_rows(db) -> list[dict]:
    return [{"year": p.year, "reform": p.reform_code, "frame_ore": p.frame_ore, "committed_ore": p.committed_ore,
             "paid_ore": p.paid_ore, "available_ore": p.available_ore} for p in ledger.report(db)]


_public_view("ledger", "programme/ledger.html", "rows", _ledger_rows)


# Reforms and milestones: segreform.web.programme_reforms; networks: segreform.web.programme_networks.


def _eligibility_rows(request: Request, lang: str) -> list[dict]:
    from segreform.programme.eligibility import assess_municipalities

    try:
        return assess_municipalities(request.app.state.engine, lang).to_dict(orient="records")
    except ProgrammeError as exc:
        raise HTTPException(status_code=503, detail=error_detail(exc)) from None


@router.get("/programme/eligibility")
def eligibility_page(request: Request):
    from segreform.web.i18n import language

    return _page(request, "programme/eligibility.html", rows=_eligibility_rows(request, language(request)))


@router.get("/api/programme/eligibility")
def eligibility_api(request: Request, lang: str = "en"):
    return _eligibility_rows(request, lang if lang in ("sv", "en") else "en")


@router.get("/api/programme/participation")
def participation_api(request: Request):
    return networks.participation(request.app.state.engine).to_dict(orient="records")


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
        return _page(request, "programme/applications.html", applications=rows, calls=calls, areas=areas)


@router.get("/api/programme/applications")
def applications_api(request: Request, user: User = require_role("application.list")):
    with db_session(request.app.state.engine) as db:
        return [_application_row(db, a) for a in db.scalars(access.visible_applications(user))]


def _application_detail(db, user, application_id) -> dict:
    application = _application_for(db, user, application_id, "application.view")
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
            return _page(request, "programme/application.html", a=_application_detail(db, user, application_id))
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
                raise NotFound(f"attachment {attachment_id} does not exist")
            _application_for(db, user, attachment.application_id, "application.view")
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
    return _act(request, lambda db: applications.create_draft(
        db, call_id=call_id, organisation_id=user.organisation_id, development_areas=development_areas,
        actor=user.email, title=title, start_year=start_year, years=years,
        total_budget_ore=parse_sek(total_budget_sek, "total_budget_sek"),
        requested_ore=parse_sek(requested_sek, "requested_sek"), plan=plan, goals=goals, time_plan=time_plan).id,
        "/programme/applications")


def _applicant_step(request, application_id, user, step) -> Response:
    def work(db):
        _application_for(db, user, application_id, "application.edit")
        step(db)
        return application_id

    return _act(request, work, f"/programme/applications/{application_id}")


@router.post("/programme/applications/{application_id}/submit", dependencies=CSRF)
def application_submit(request: Request, application_id: RowId, user: User = require_role("application.edit")):
    from segreform.programme import submission  # every field checked, eligibility evaluated with its evidence

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

    return _act(request, work, f"/programme/applications/{application_id}")


@router.post("/programme/applications/{application_id}/scores", dependencies=CSRF)
async def review_score(request: Request, application_id: RowId, user: User = require_role("review.score")):
    form = await request.form()

    def work(db):
        application = _application_for(db, user, application_id, "review.score")
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

    return _act(request, work, f"/programme/applications/{application_id}")


@router.post("/programme/applications/{application_id}/conflict", dependencies=CSRF)
def review_conflict(request: Request, application_id: RowId, reason: str = Form(...),
                    user: User = require_role("review.conflict")):
    def work(db):
        # Only on an application the reviewer is assigned to (or already declared): others answer 404 as for view.
        if not access.allowed(db, user, "review.conflict", applications.get_application(db, application_id)):
            raise NotFound(f"application {application_id} does not exist")
        return review.declare_conflict(db, application_id=application_id, user_id=user.id, reason=reason,
                                       actor=user.email).id

    return _act(request, work, "/programme/applications")


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
        return _page(request, "programme/selection.html", runs=runs[:3], items=items, preview=preview,
                     error=error, year=year)


@router.post("/programme/selection", dependencies=CSRF)
def selection_run(request: Request, year: YearForm, max_per_county: int | None = Form(None, ge=1, le=MAX_ROW_ID),
                  user: User = require_role("selection.run")):
    return _act(request, lambda db: selection.run_selection(db, year=year, actor=user.email,
                                                            max_per_county=max_per_county)[1],
                "/programme/selection")


@router.post("/programme/selection/{run_id}/override", dependencies=CSRF)
def selection_override(request: Request, run_id: RowId, application_id: RowIdForm, include: bool = Form(...),
                       reason: str = Form(...), user: User = require_role("selection.override")):
    return _act(request, lambda db: selection.override(db, run_id=run_id, application_id=application_id,
                                                       include=include, reason=reason, actor=user.email).id,
                "/programme/selection")


@router.post("/programme/applications/{application_id}/grant", dependencies=CSRF)
def grant_decide(request: Request, application_id: RowId, reason: str = Form("", max_length=2000),
                 user: User = require_role("grant.decide")):
    # Decisions follow the selection (segreform.programme.decisions): outside the latest run only with a reason.
    from segreform.programme.decisions import grant_one

    def work(db):
        return grant_one(db, application_id, user.email, reason[:2000]).id

    return _act(request, work, f"/programme/applications/{application_id}")


@router.post("/programme/grants/{grant_id}/payments", dependencies=CSRF)
def grant_pay(request: Request, grant_id: RowId, year: YearForm, amount_sek: str = Form(...),
              user: User = require_role("grant.pay")):
    return _act(request, lambda db: grants.pay_tranche(db, grant_id=grant_id, year=year,
                                                       amount_ore=parse_sek(amount_sek, "amount_sek"),
                                                       actor=user.email).id, "/programme/ledger")


@router.post("/programme/grants/{grant_id}/reports", dependencies=CSRF)
def grant_report(request: Request, grant_id: RowId, kind: str = Form(...), year: int = Form(..., ge=MIN_YEAR, le=MAX_YEAR),
                 text: str = Form(...), spent_sek: str = Form(...), user: User = require_role("grant.report")):
    def work(db):
        grant = grants.get_grant(db, grant_id)
        _application_for(db, user, grant.application_id, "grant.report")
        return grants.submit_report(db, grant_id=grant_id, kind=kind, year=year, text=text,
                                    spent_ore=parse_sek(spent_sek, "spent_sek"), actor=user.email).id

    return _act(request, work, "/programme/applications")
