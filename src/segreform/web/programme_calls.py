"""Pages and API for calls, application drafts and submission, and review.

Officers create, open, extend and close calls per development area; municipalities write drafts they can edit
until they submit; submission shows every problem at once in the form, keeping what was typed, and then shows the
eligibility evidence; officers see reviewers and declared conflicts; reviewers see and revise their own scores.
Forms take text and parse it here, so a wrong or huge value is an error in the form, never raw JSON or a 500.
"""

from __future__ import annotations

from types import SimpleNamespace

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from segreform.programme import access, applications, call_cycle, review, submission
from segreform.programme.calls import criteria, get_call
from segreform.programme.errors import InvalidInput, NotAllowed, NotFound, ProgrammeError, WrongState
from segreform.programme.money import parse_sek
from segreform.programme.validation import FormErrors, Message as M
from segreform.store import session as db_session, transaction
from segreform.store.models.programme import (
    Application,
    Call,
    ConflictDeclaration,
    DevelopmentArea,
    Organisation,
    Reform,
    ReviewAssignment,
    Score,
    SelectionRun,
    User,
)
from segreform.web.auth import csrf_token, current_user, require_role, verify_csrf
from segreform.web.messages import detail as error_detail
from segreform.web.params import MAX_ROW_ID, MAX_YEAR, MIN_YEAR, RowId
from segreform.web.programme_year_base import (
    api_act,
    error_text,
    field_errors,
    page,
    parse_local_deadline,
    redirect,
    status_for,
)

router = APIRouter()
CSRF = [Depends(verify_csrf)]
MAX_SEK_TEXT = 40


# --- parsing form text into values, collecting every error -----------------------------------------

def _int(values: dict, errors: dict, name: str, low: int, high: int) -> int | None:
    raw = str(values.get(name, "") or "").strip()
    if not raw:
        errors[name] = M("is required")
        return None
    if not raw.lstrip("-").isdigit() or len(raw) > 12:
        errors[name] = M("write a whole number")
        return None
    value = int(raw)
    if not low <= value <= high:
        errors[name] = M("must be between %(low)s and %(high)s", low=low, high=high)
        return None
    return value


def _sek(values: dict, errors: dict, name: str, required: bool = True) -> int | None:
    raw = str(values.get(name, "") or "").strip()
    if not raw:
        if required:
            errors[name] = M("is required")
        return None
    try:
        if len(raw) > MAX_SEK_TEXT:
            raise InvalidInput(name, "too long")
        ore = parse_sek(raw, name)
    except InvalidInput:
        errors[name] = M("write an amount in kronor, e.g. 1 250 000 or 1 250 000,50")
        return None
    if ore > 10**15:
        errors[name] = M("is larger than any programme budget")
        return None
    return ore


async def _form(request: Request) -> dict:
    form = await request.form()
    values = {key: form.get(key) for key in form.keys()}
    values["development_areas"] = form.getlist("development_areas")
    return values


# --- calls --------------------------------------------------------------------------------------------

def _call_rows(db) -> list[dict]:
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
        return page(request, "programme/calls.html", status_code=status_code, calls=_call_rows(db),
                    areas=list(db.scalars(select(DevelopmentArea).order_by(DevelopmentArea.code))),
                    reforms=list(db.scalars(select(Reform).order_by(Reform.number))),
                    errors=errors or {}, values=values or {}, message=message)


@router.get("/programme/calls")
def calls_page(request: Request):
    return _calls_page(request)


@router.get("/api/programme/calls")
def calls_api(request: Request):
    with db_session(request.app.state.engine) as db:
        return _call_rows(db)


def _create_call(db, values: dict, actor: str):
    errors: dict = {}
    year = _int(values, errors, "year", MIN_YEAR, MAX_YEAR)
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
    min_ore = _sek(values, errors, "min_amount", required=False)
    max_ore = _sek(values, errors, "max_amount", required=False)
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
    values = await _form(request)
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


# --- applications: drafts and submission ---------------------------------------------------------------

def _application_values(values: dict, errors: dict) -> dict:
    fields = {"title": str(values.get("title") or "").strip(), "plan": str(values.get("plan") or ""),
              "goals": str(values.get("goals") or ""), "time_plan": str(values.get("time_plan") or "")}
    if not fields["title"]:
        errors["title"] = M("is required")
    fields["start_year"] = _int(values, errors, "start_year", 0, 9999)  # the call says which years it funds
    fields["years"] = _int(values, errors, "years", 1, 3)
    fields["total_budget_ore"] = _sek(values, errors, "total_budget_sek")
    fields["requested_ore"] = _sek(values, errors, "requested_sek")
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
    return next(row for row in _call_rows(db) if row["id"] == call_id)


@router.get("/programme/calls/{call_id}/apply")
def apply_page(request: Request, call_id: RowId, user: User = require_role("application.create")):
    with db_session(request.app.state.engine) as db:
        if db.get(Call, call_id) is None:
            raise HTTPException(status_code=404, detail=f"call {call_id} does not exist")
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
        raise NotFound(f"application {application_id} does not exist")
    return application


async def _save_from_form(request: Request, user: User, call_id: int, application_id: int | None):
    values = await _form(request)
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
            raise HTTPException(status_code=404, detail=f"call {call_id} does not exist")
    return await _save_from_form(request, user, call_id, None)


@router.get("/programme/applications/{application_id}/edit")
def edit_page(request: Request, application_id: RowId, user: User = require_role("application.view")):
    with db_session(request.app.state.engine) as db:
        application = db.get(Application, application_id)
        if application is None or not access.allowed(db, user, "application.view", application):
            raise HTTPException(status_code=404, detail=f"application {application_id} does not exist")
        call_id = application.call_id
    return _editor(request, call_id=call_id, application_id=application_id, user=user)


@router.post("/programme/applications/{application_id}/edit", dependencies=CSRF)
async def edit_save(request: Request, application_id: RowId, user: User = require_role("application.edit")):
    with db_session(request.app.state.engine) as db:
        application = db.get(Application, application_id)
        if application is None or not access.allowed(db, user, "application.edit", application):
            raise HTTPException(status_code=404, detail=f"application {application_id} does not exist")
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
    from segreform.web.auth import remember_login_csrf
    from fastapi.responses import JSONResponse

    response = JSONResponse({"csrf_token": csrf_token(request), "user": user.email if user else None,
                             "role": user.role if user else None})
    remember_login_csrf(request, response)
    return response


# --- review ---------------------------------------------------------------------------------------------

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
        raise NotFound(f"application {application_id} does not exist")
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
        raise NotFound(f"application {application_id} does not exist")
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
