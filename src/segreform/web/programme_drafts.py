"""Pages and API for application drafts and submission: municipalities write drafts they can edit until they
submit; submission shows every problem at once in the form, keeping what was typed, and then shows the eligibility
evidence."""

from __future__ import annotations

from types import SimpleNamespace

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from segreform.programme import access, applications, call_cycle, submission
from segreform.programme.calls import get_call
from segreform.programme.errors import NotFound, ProgrammeError, WrongState, missing_message
from segreform.programme.validation import FormErrors, Message as M
from segreform.store import session as db_session, transaction
from segreform.store.models.programme import Application, Call, DevelopmentArea, Organisation, User
from segreform.web.auth import csrf_token, current_user, remember_login_csrf, require_role, verify_csrf
from segreform.web.messages import detail as error_detail
from segreform.web.params import RowId
from segreform.web.programme_calls import call_rows
from segreform.web.programme_form_text import MAX_SEK_TEXT, form_values, int_field, sek_field
from segreform.web.programme_year_base import api_act, error_text, field_errors, page, redirect, status_for

router = APIRouter()
CSRF = [Depends(verify_csrf)]


def _application_values(values: dict, errors: dict) -> dict:
    fields = {"title": str(values.get("title") or "").strip(), "plan": str(values.get("plan") or ""),
              "goals": str(values.get("goals") or ""), "time_plan": str(values.get("time_plan") or "")}
    if not fields["title"]:
        errors["title"] = M("is required")
    fields["start_year"] = int_field(values, errors, "start_year", 0, 9999)  # the call says which years it funds
    fields["years"] = int_field(values, errors, "years", 1, 3)
    fields["total_budget_ore"] = sek_field(values, errors, "total_budget_sek")
    fields["requested_ore"] = sek_field(values, errors, "requested_sek")
    return fields


def _check_against_call(db, fields: dict, areas: list[str], call: Call, errors: dict, submitting: bool,
                        application_id: int | None) -> None:
    known = set(db.scalars(select(DevelopmentArea.code)))
    if any(a not in known for a in areas):
        errors["development_areas"] = M("choose from the listed development areas")
    draft = SimpleNamespace(**fields)
    for name, message in submission.money_problems(draft, call).items():
        if name not in errors and (fields.get(_FIELD_SOURCE.get(name, name)) is not None or name == "years"):
            errors.setdefault(name, message)
    if submitting:
        for name in applications.REQUIRED_TO_SUBMIT:
            if not str(fields.get(name) or "").strip():
                errors.setdefault(name, M("is required before the application can be submitted"))
        if not areas:
            errors.setdefault("development_areas", M("choose at least one development area"))
        elif call.development_area_code and call.development_area_code not in areas:
            errors.setdefault("development_areas", M("this call is for the development area %(code)s",
                                                     code=call.development_area_code))


_FIELD_SOURCE = {"requested_sek": "requested_ore", "total_budget_sek": "total_budget_ore"}


def _editor(request: Request, *, call_id: int, application_id: int | None, status_code: int = 200,
            errors: dict | None = None, values: dict | None = None, user: User):
    with db_session(request.app.state.engine) as db:
        call = db.get(Call, call_id)
        application = db.get(Application, application_id) if application_id else None
        if values is None and application is not None:
            values = {"title": application.title, "plan": application.plan, "goals": application.goals,
                      "time_plan": application.time_plan, "start_year": application.start_year,
                      "years": application.years,
                      "total_budget_sek": f"{application.total_budget_ore / 100:.2f}".replace(".", ","),
                      "requested_sek": f"{application.requested_ore / 100:.2f}".replace(".", ","),
                      "development_areas": applications.area_codes(db, application.id)}
        organisation = db.get(Organisation, application.organisation_id) if application else None
        return page(request, "programme/apply.html", status_code=status_code, call=_call_rows_by_id(db, call_id),
                    application=application, organisation=organisation, errors=errors or {},
                    values=values or {"years": 1, "start_year": call.year, "development_areas":
                                      [call.development_area_code] if call.development_area_code else []},
                    areas=list(db.scalars(select(DevelopmentArea).order_by(DevelopmentArea.code))))


def _call_rows_by_id(db, call_id: int) -> dict:
    return next(row for row in call_rows(db) if row["id"] == call_id)


@router.get("/programme/calls/{call_id}/apply")
def apply_page(request: Request, call_id: RowId, user: User = require_role("application.create")):
    with db_session(request.app.state.engine) as db:
        if db.get(Call, call_id) is None:
            raise HTTPException(status_code=404, detail=missing_message("call", call_id))
    return _editor(request, call_id=call_id, application_id=None, user=user)


def _save(db, user: User, call: Call, values: dict, application_id: int | None, submitting: bool) -> int:
    """Create or update the draft from the form's text; every problem at once (FormErrors)."""
    errors: dict = {}
    fields = _application_values(values, errors)
    areas = [str(a) for a in values.get("development_areas") or []][:20]
    _check_against_call(db, fields, areas, call, errors, submitting, application_id)
    if errors:
        raise FormErrors(errors)
    if application_id is None:
        application = applications.create_draft(db, call_id=call.id, organisation_id=user.organisation_id,
                                                development_areas=areas, actor=user.email, **fields)
        return application.id
    applications.update_draft(db, application_id, user.email, development_areas=areas, **fields)
    return application_id


def _own_draft(db, user: User, application_id: int) -> Application:
    application = db.get(Application, application_id)
    if application is None or not access.allowed(db, user, "application.edit", application):
        raise NotFound(missing_message("application", application_id))
    return application


async def _save_from_form(request: Request, user: User, call_id: int, application_id: int | None):
    values = await form_values(request)
    submitting = values.get("action") == "submit"
    try:
        with transaction(request.app.state.engine) as db:
            call = get_call(db, call_id)
            if application_id is not None:
                _own_draft(db, user, application_id)
            elif not call_cycle.accepting(call):
                raise WrongState(M("the call is not open for applications"))
            application_id = _save(db, user, call, values, application_id, submitting)
        if submitting:
            with transaction(request.app.state.engine) as db:
                submission.submit(db, application_id, user.email)
    except FormErrors as exc:
        return _editor(request, call_id=call_id, application_id=application_id, status_code=400,
                       errors=field_errors(request, exc), values=values, user=user)
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=error_detail(exc)) from None
    except ProgrammeError as exc:
        return _editor(request, call_id=call_id, application_id=application_id, status_code=status_for(exc),
                       errors={"form": error_text(request, exc)}, values=values, user=user)
    return redirect(request, f"/programme/applications/{application_id}/edit")


@router.post("/programme/calls/{call_id}/apply", dependencies=CSRF)
async def apply_create(request: Request, call_id: RowId, user: User = require_role("application.create")):
    with db_session(request.app.state.engine) as db:
        if db.get(Call, call_id) is None:
            raise HTTPException(status_code=404, detail=missing_message("call", call_id))
    return await _save_from_form(request, user, call_id, None)


@router.get("/programme/applications/{application_id}/edit")
def edit_page(request: Request, application_id: RowId, user: User = require_role("application.view")):
    with db_session(request.app.state.engine) as db:
        application = db.get(Application, application_id)
        if application is None or not access.allowed(db, user, "application.view", application):
            raise HTTPException(status_code=404, detail=missing_message("application", application_id))
        call_id = application.call_id
    return _editor(request, call_id=call_id, application_id=application_id, user=user)


@router.post("/programme/applications/{application_id}/edit", dependencies=CSRF)
async def edit_save(request: Request, application_id: RowId, user: User = require_role("application.edit")):
    with db_session(request.app.state.engine) as db:
        application = db.get(Application, application_id)
        if application is None or not access.allowed(db, user, "application.edit", application):
            raise HTTPException(status_code=404, detail=missing_message("application", application_id))
        call_id = application.call_id
    return await _save_from_form(request, user, call_id, application_id)


class DraftIn(BaseModel):
    title: str = Field(default="", max_length=500)
    plan: str = Field(default="", max_length=100_000)
    goals: str = Field(default="", max_length=100_000)
    time_plan: str = Field(default="", max_length=100_000)
    start_year: str | int = ""
    years: str | int = 1
    total_budget_sek: str = Field(default="", max_length=MAX_SEK_TEXT)
    requested_sek: str = Field(default="", max_length=MAX_SEK_TEXT)
    development_areas: list[str] = Field(default_factory=list, max_length=20)


@router.post("/api/programme/calls/{call_id}/applications", dependencies=CSRF)
def draft_create_api(request: Request, call_id: RowId, body: DraftIn,
                     user: User = require_role("application.create")):
    def work(db):
        call = get_call(db, call_id)
        if not call_cycle.accepting(call):
            raise WrongState(M("the call is not open for applications"))
        return {"id": _save(db, user, call, body.model_dump(), None, False)}

    return api_act(request, work)


@router.post("/api/programme/applications/{application_id}/draft", dependencies=CSRF)
def draft_update_api(request: Request, application_id: RowId, body: DraftIn,
                     user: User = require_role("application.edit")):
    def work(db):
        application = _own_draft(db, user, application_id)
        return {"id": _save(db, user, get_call(db, application.call_id), body.model_dump(), application_id, False)}

    return api_act(request, work)


@router.post("/api/programme/applications/{application_id}/submission", dependencies=CSRF)
def submit_api(request: Request, application_id: RowId, user: User = require_role("application.edit")):
    def work(db):
        _own_draft(db, user, application_id)
        application = submission.submit(db, application_id, user.email)
        return {"id": application_id, "status": application.status, "eligible": application.eligible,
                "need_score": application.need_score, "eligibility": application.eligibility}

    return api_act(request, work)


@router.get("/api/programme/csrf")
def csrf_api(request: Request):
    """The token API clients send as ``X-CSRF-Token`` on every POST (the session's, once signed in)."""
    user = current_user(request)
    response = JSONResponse({"csrf_token": csrf_token(request), "user": user.email if user else None,
                             "role": user.role if user else None})
    remember_login_csrf(request, response)
    return response

