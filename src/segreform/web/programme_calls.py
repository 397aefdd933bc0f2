"""Pages and API for calls: officers create, open, extend and close calls per development area.

Application drafts and submission are in :mod:`segreform.web.programme_drafts`, review in
:mod:`segreform.web.programme_review`; forms take text and parse it with :mod:`segreform.web.programme_form_text`,
so a wrong or huge value is an error in the form, never raw JSON or a 500.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from segreform.programme import call_cycle
from segreform.programme.calls import get_call
from segreform.programme.errors import ProgrammeError
from segreform.programme.validation import FormErrors, Message as M
from segreform.store import session as db_session, transaction
from segreform.store.models.programme import Call, DevelopmentArea, Reform, User
from segreform.web.auth import require_role, verify_csrf
from segreform.web.params import MAX_YEAR, MIN_YEAR, RowId
from segreform.web.programme_year_base import (
    api_act,
    error_text,
    field_errors,
    page,
    parse_local_deadline,
    redirect,
    status_for,
)
from segreform.web.programme_form_text import MAX_SEK_TEXT, form_values, int_field, sek_field

router = APIRouter()
CSRF = [Depends(verify_csrf)]


# --- calls --------------------------------------------------------------------------------------------

def call_rows(db) -> list[dict]:
    reforms = {r.code: r for r in db.scalars(select(Reform))}
    areas = {d.code: d for d in db.scalars(select(DevelopmentArea))}
    rows = []
    for call in db.scalars(select(Call).order_by(Call.year.desc(), Call.id.desc())):
        reform, area = reforms.get(call.reform_code), areas.get(call.development_area_code or "")
        rows.append({"id": call.id, "year": call.year, "title": call.title, "status": call.status,
                     "accepting": call_cycle.accepting(call), "deadline": call.deadline.isoformat(),
                     "development_area": call.development_area_code,
                     "development_area_sv": area.name_sv if area else None,
                     "development_area_en": area.name_en if area else None,
                     "reform": call.reform_code, "reform_sv": reform.title_sv if reform else call.reform_code,
                     "reform_en": reform.title_en if reform else call.reform_code,
                     "budget_years": call_cycle.money_years(call), "min_amount_ore": call.min_amount_ore,
                     "max_amount_ore": call.max_amount_ore, "max_years": call.max_years,
                     "max_grant_share_pct": call.max_grant_share_pct,
                     "required_attachments": call.required_attachments or []})
    return rows


def _calls_page(request: Request, status_code: int = 200, errors: dict | None = None, values: dict | None = None,
                message: str | None = None):
    with db_session(request.app.state.engine) as db:
        return page(request, "programme/calls.html", status_code=status_code, calls=call_rows(db),
                    areas=list(db.scalars(select(DevelopmentArea).order_by(DevelopmentArea.code))),
                    reforms=list(db.scalars(select(Reform).order_by(Reform.number))),
                    errors=errors or {}, values=values or {}, message=message)


@router.get("/programme/calls")
def calls_page(request: Request):
    return _calls_page(request)


@router.get("/api/programme/calls")
def calls_api(request: Request):
    with db_session(request.app.state.engine) as db:
        return call_rows(db)


def _create_call(db, values: dict, actor: str):
    errors: dict = {}
    year = int_field(values, errors, "year", MIN_YEAR, MAX_YEAR)
    deadline = parse_local_deadline(str(values.get("deadline") or ""))
    if deadline is None:
        errors["deadline"] = M("write a date and time, e.g. 2026-10-31T23:59")
    budget_years = []
    for part in str(values.get("budget_years") or "").replace(";", ",").split(","):
        part = part.strip()
        if part:
            if not part.isdigit() or not MIN_YEAR <= int(part) <= MAX_YEAR:
                errors["budget_years"] = M("write years separated by commas, e.g. 2026, 2027")
                break
            budget_years.append(int(part))
    min_ore = sek_field(values, errors, "min_amount", required=False)
    max_ore = sek_field(values, errors, "max_amount", required=False)
    attachments = [a for a in str(values.get("required_attachments") or "").split(",") if a.strip()]
    if errors:
        # the domain's own checks too, so that every problem shows at once
        try:
            call_cycle.create(db, year=year or 0, title=str(values.get("title") or ""),
                              development_area=str(values.get("development_area") or ""),
                              reform_code=str(values.get("reform_code") or ""),
                              deadline=deadline or call_cycle.utcnow().replace(year=2999), actor=actor,
                              budget_years=budget_years or None)
        except FormErrors as exc:
            errors = {**exc.errors, **errors}
        raise FormErrors(errors)
    return call_cycle.create(db, year=year, title=str(values.get("title") or ""),
                             development_area=str(values.get("development_area") or ""),
                             reform_code=str(values.get("reform_code") or ""), deadline=deadline, actor=actor,
                             budget_years=budget_years or None, min_amount_ore=min_ore, max_amount_ore=max_ore,
                             required_attachments=attachments, open_now=bool(values.get("open_now"))).id


@router.post("/programme/calls", dependencies=CSRF)
async def call_create(request: Request, user: User = require_role("call.manage")):
    values = await form_values(request)
    try:
        with transaction(request.app.state.engine) as db:
            _create_call(db, values, user.email)
    except FormErrors as exc:
        return _calls_page(request, 400, field_errors(request, exc), values)
    except ProgrammeError as exc:
        return _calls_page(request, status_for(exc), {"title": error_text(request, exc)}, values)
    return redirect(request, "/programme/calls")


class CallIn(BaseModel):
    year: int = Field(ge=MIN_YEAR, le=MAX_YEAR)
    title: str = Field(max_length=500)
    development_area: str = Field(max_length=40)
    reform_code: str = Field(max_length=40)
    deadline: str = Field(max_length=40, description="ISO time; without a zone it is Stockholm time")
    budget_years: list[int] = Field(default_factory=list, max_length=3)
    min_amount_sek: str | None = Field(default=None, max_length=MAX_SEK_TEXT)
    max_amount_sek: str | None = Field(default=None, max_length=MAX_SEK_TEXT)
    required_attachments: list[str] = Field(default_factory=list, max_length=20)
    open_now: bool = False


@router.post("/api/programme/calls", dependencies=CSRF)
def call_create_api(request: Request, body: CallIn, user: User = require_role("call.manage")):
    values = {**body.model_dump(), "budget_years": ", ".join(map(str, body.budget_years)),
              "min_amount": body.min_amount_sek, "max_amount": body.max_amount_sek,
              "required_attachments": ", ".join(body.required_attachments), "year": str(body.year)}
    return api_act(request, lambda db: {"id": _create_call(db, values, user.email)})


def _call_step(request: Request, call_id: int, step, api: bool):
    def work(db):
        step(db)
        return {"id": call_id, "status": get_call(db, call_id).status}

    if api:
        return api_act(request, work)
    try:
        with transaction(request.app.state.engine) as db:
            work(db)
    except FormErrors as exc:
        return _calls_page(request, 400, {f"call_{call_id}": "; ".join(field_errors(request, exc).values())})
    except ProgrammeError as exc:
        return _calls_page(request, status_for(exc), {f"call_{call_id}": error_text(request, exc)})
    return redirect(request, "/programme/calls")


def _extend_step(call_id: int, text: str, actor: str):
    def step(db):
        deadline = parse_local_deadline(text)
        if deadline is None:
            raise FormErrors({"deadline": M("write a date and time, e.g. 2026-10-31T23:59")})
        call_cycle.extend(db, call_id, deadline, actor)

    return step


for _api in (False, True):
    _prefix = "/api/programme/calls" if _api else "/programme/calls"

    def _routes(api=_api, prefix=_prefix):
        @router.post(prefix + "/{call_id}/open", dependencies=CSRF, name=f"call_open{'_api' if api else ''}")
        def call_open(request: Request, call_id: RowId, user: User = require_role("call.manage")):
            return _call_step(request, call_id, lambda db: call_cycle.open_call(db, call_id, user.email), api)

        @router.post(prefix + "/{call_id}/close", dependencies=CSRF, name=f"call_close{'_api' if api else ''}")
        def call_close(request: Request, call_id: RowId, user: User = require_role("call.manage")):
            return _call_step(request, call_id, lambda db: call_cycle.close(db, call_id, user.email), api)

        @router.post(prefix + "/{call_id}/extend", dependencies=CSRF, name=f"call_extend{'_api' if api else ''}")
        async def call_extend(request: Request, call_id: RowId, user: User = require_role("call.manage")):
            if api:
                try:
                    body = await request.json()
                except ValueError:
                    body = None
                text = str(body.get("deadline", "")) if isinstance(body, dict) else ""
            else:
                text = str((await request.form()).get("deadline") or "")
            return _call_step(request, call_id, _extend_step(call_id, text[:40], user.email), api)

    _routes()

