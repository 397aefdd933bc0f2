"""Pages and API for selection with measured need, its stability, the decisions that follow it, the grants
report (overrides flagged) and loading a programme definition."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy import select

from segreform.programme import decisions, definition, explanations, selection
from segreform.programme.errors import ProgrammeError, missing_message
from segreform.programme.validation import FormErrors, Message as M
from segreform.store import session as db_session, transaction
from segreform.store.models.programme import (
    Application, Call, Grant, Organisation, ProgrammeYear, Reform, SelectionItem, SelectionRun, User,
)
from segreform.web.auth import require_role, verify_csrf
from segreform.web.i18n import formats_for, language
from segreform.web.params import MAX_YEAR, MIN_YEAR, RowId
from segreform.web.programme_year_base import (
    api_act,
    error_text,
    field_errors,
    formats,
    page,
    redirect,
    status_for,
    translator,
)

router = APIRouter()
CSRF = [Depends(verify_csrf)]
MAX_DEFINITION_BYTES = 1_000_000


def _reform_namer(db, lang: str):
    titles = {r.code: (r.title_sv if lang == "sv" else r.title_en) for r in db.scalars(select(Reform))}
    return lambda code: titles.get(code, code)


def _renderer(db, lang: str):
    fmt = formats_for(lang)
    tr = translator(lang)
    namer = _reform_namer(db, lang)
    def render(reason: dict) -> str:
        if lang == "sv" and "evidence_sv" in reason:
            reason = {**reason, "evidence": reason["evidence_sv"]}
        return explanations.render(reason, tr, lambda ore: fmt.money_ore(ore),
                                   lambda value, digits=1: fmt.number(value, digits), namer)

    return render


def _run_view(db, run: SelectionRun, lang: str) -> dict:
    render = _renderer(db, lang)
    namer = _reform_namer(db, lang)
    items = []
    for item in db.scalars(select(SelectionItem).where(SelectionItem.run_id == run.id)
                           .order_by(SelectionItem.selected.desc(), SelectionItem.application_id)):
        application = db.get(Application, item.application_id)
        grant = db.scalar(select(Grant).where(Grant.application_id == item.application_id))
        reason = item.reason or {}
        items.append({"application_id": item.application_id,
                      "organisation": db.get(Organisation, application.organisation_id).name,
                      "title": application.title, "selected": item.selected, "overridden": item.overridden,
                      "probability": item.probability, "objective": reason.get("score"),
                      "quality": reason.get("quality"), "need": reason.get("need"),
                      "eligible": application.eligible, "status": application.status,
                      "explanation": render(reason) if reason else item.explanation,
                      "explanation_en": item.explanation,
                      "grant_id": grant.id if grant else None,
                      "grant_outside_selection": bool(grant and grant.selection_run_id is None),
                      "override_reason": grant.override_reason if grant else None})
    tr = translator(lang)
    limits = [{**row, "name": explanations.limit_name(row, tr, namer)} for row in (run.limits or [])]
    return {"id": run.id, "year": run.year, "created_at": run.created_at.isoformat(),
            "decided_at": run.decided_at.isoformat() if run.decided_at else None, "decided_by": run.decided_by,
            "objective": run.objective, "limits": limits, "binding": [row for row in limits if row["binding"]],
            "items": items}


def _latest_runs(db, year: int | None) -> list[SelectionRun]:
    query = select(SelectionRun).order_by(SelectionRun.id.desc())
    if year is not None:
        query = query.where(SelectionRun.year == year)
    return list(db.scalars(query.limit(5)))


def _select_page(request: Request, year: int | None = None, run_id: int | None = None, status_code: int = 200,
                 errors: dict | None = None):
    lang = language(request)
    with db_session(request.app.state.engine) as db:
        years = sorted({c.year for c in db.scalars(select(Call))}, reverse=True)
        run = db.get(SelectionRun, run_id) if run_id else None
        if run is None:
            runs = _latest_runs(db, year or (years[0] if years else None))
            run = runs[0] if runs else None
        view = _run_view(db, run, lang) if run else None
        rules = definition.rules_for_year(db, run.year if run else (year or (years[0] if years else 2017)))
        return page(request, "programme/select.html", status_code=status_code, run=view, years=years,
                    year=year or (run.year if run else (years[0] if years else None)), errors=errors or {},
                    weights=rules["selection"], others=[r.id for r in _latest_runs(db, None)])


@router.get("/programme/select")
def select_page(request: Request, user: User = require_role("selection.run")):
    raw = request.query_params.get("year", "")
    year = int(raw) if raw.isdigit() and MIN_YEAR <= int(raw) <= MAX_YEAR else None
    return _select_page(request, year=year)


@router.get("/programme/selection/runs/{run_id}")
def run_page(request: Request, run_id: RowId, user: User = require_role("selection.run")):
    with db_session(request.app.state.engine) as db:
        if db.get(SelectionRun, run_id) is None:
            raise HTTPException(status_code=404, detail=missing_message("selection run", run_id))
    return _select_page(request, run_id=run_id)


@router.get("/api/programme/selection/runs/{run_id}")
def run_api(request: Request, run_id: RowId, user: User = require_role("selection.run")):
    with db_session(request.app.state.engine) as db:
        run = db.get(SelectionRun, run_id)
        if run is None:
            raise HTTPException(status_code=404, detail=missing_message("selection run", run_id))
        return _run_view(db, run, request.query_params.get("lang") if request.query_params.get("lang") in (
            "sv", "en") else "en")


def _run(db, user: User, year: int, draws: int | None) -> int:
    if db.get(ProgrammeYear, year) is None:
        raise FormErrors({"year": M("%(year)s is not a programme year", year=year)})
    return selection.run_selection(db, year=year, actor=user.email, stability_draws=draws)[1]


@router.post("/programme/select", dependencies=CSRF)
async def select_run(request: Request, user: User = require_role("selection.run")):
    raw = str((await request.form()).get("year") or "")
    if not raw.isdigit() or not MIN_YEAR <= int(raw) <= MAX_YEAR:
        return _select_page(request, status_code=400, errors={"year": translator(request)("write a year")})
    try:
        with transaction(request.app.state.engine) as db:
            run_id = _run(db, user, int(raw), None)
    except FormErrors as exc:
        return _select_page(request, year=int(raw), status_code=400, errors=field_errors(request, exc))
    except ProgrammeError as exc:
        return _select_page(request, year=int(raw), status_code=status_for(exc), errors={"year": error_text(request, exc)})
    return redirect(request, f"/programme/selection/runs/{run_id}")


class RunIn(BaseModel):
    year: int = Field(ge=MIN_YEAR, le=MAX_YEAR)
    stability_draws: int | None = Field(default=None, ge=0, le=10_000)


@router.post("/api/programme/selection/runs", dependencies=CSRF)
def select_run_api(request: Request, body: RunIn, user: User = require_role("selection.run")):
    def work(db):
        run_id = _run(db, user, body.year, body.stability_draws)
        return _run_view(db, db.get(SelectionRun, run_id), "en")

    return api_act(request, work)


def _page_action(request: Request, run_id: int, work):
    try:
        with transaction(request.app.state.engine) as db:
            work(db)
    except FormErrors as exc:
        return _select_page(request, run_id=run_id, status_code=400,
                            errors={"form": "; ".join(field_errors(request, exc).values())})
    except ProgrammeError as exc:
        return _select_page(request, run_id=run_id, status_code=status_for(exc),
                            errors={"form": error_text(request, exc)})
    return redirect(request, f"/programme/selection/runs/{run_id}")


@router.post("/programme/selection/runs/{run_id}/decide", dependencies=CSRF)
def decide_run(request: Request, run_id: RowId, user: User = require_role("grant.decide")):
    return _page_action(request, run_id, lambda db: decisions.decide_run(db, run_id, user.email))


@router.post("/api/programme/selection/runs/{run_id}/decide", dependencies=CSRF)
def decide_run_api(request: Request, run_id: RowId, user: User = require_role("grant.decide")):
    return api_act(request, lambda db: {"grants": decisions.decide_run(db, run_id, user.email)})


def _override(db, user, run_id: int, application_id: int, include: bool, reason: str):
    if not reason.strip():
        raise FormErrors({"reason": M("an override must say why")})
    selection.override(db, run_id=run_id, application_id=application_id, include=include, reason=reason,
                       actor=user.email)
    return {"run": run_id, "application_id": application_id, "selected": include}


@router.post("/programme/selection/runs/{run_id}/override", dependencies=CSRF)
async def override(request: Request, run_id: RowId, user: User = require_role("selection.override")):
    form = await request.form()
    raw_id = str(form.get("application_id") or "")
    if not raw_id.isdigit() or len(raw_id) > 10:
        return _select_page(request, run_id=run_id, status_code=400,
                            errors={"form": translator(request)("choose an application")})
    include = str(form.get("include") or "") == "true"
    reason = str(form.get("reason") or "")[:2000]
    return _page_action(request, run_id, lambda db: _override(db, user, run_id, int(raw_id), include, reason))


class OverrideIn(BaseModel):
    application_id: int = Field(ge=1, le=2**31 - 1)
    include: bool
    reason: str = Field(default="", max_length=2000)


@router.post("/api/programme/selection/runs/{run_id}/override", dependencies=CSRF)
def override_api(request: Request, run_id: RowId, body: OverrideIn, user: User = require_role("selection.override")):
    return api_act(request, lambda db: _override(db, user, run_id, body.application_id, body.include, body.reason))


def _grant(db, user, application_id: int, reason: str) -> dict:
    grant = decisions.grant_one(db, application_id, user.email, reason)
    return {"grant_id": grant.id, "selection_run_id": grant.selection_run_id, "override_reason": grant.override_reason,
            "outside_selection": grant.selection_run_id is None}


@router.post("/programme/selection/runs/{run_id}/grant", dependencies=CSRF)
async def grant_outside(request: Request, run_id: RowId, user: User = require_role("grant.decide")):
    form = await request.form()
    raw_id = str(form.get("application_id") or "")
    if not raw_id.isdigit() or len(raw_id) > 10:
        return _select_page(request, run_id=run_id, status_code=400,
                            errors={"form": translator(request)("choose an application")})
    reason = str(form.get("reason") or "")[:2000]
    return _page_action(request, run_id, lambda db: _grant(db, user, int(raw_id), reason))


class GrantIn(BaseModel):
    reason: str = Field(default="", max_length=2000)


@router.post("/api/programme/applications/{application_id}/grant", dependencies=CSRF)
def grant_api(request: Request, application_id: RowId, body: GrantIn, user: User = require_role("grant.decide")):
    return api_act(request, lambda db: _grant(db, user, application_id, body.reason))


# --- grants report ---------------------------------------------------------------------------------------

@router.get("/programme/grants")
def grants_page(request: Request):
    with db_session(request.app.state.engine) as db:
        return page(request, "programme/grants.html", grants=decisions.grant_rows(db),
                    reform_name=_reform_namer(db, language(request)))


@router.get("/api/programme/grants")
def grants_api(request: Request):
    """Every grant, with ``outside_selection`` and the written ``override_reason`` for grants decided outside a run."""
    with db_session(request.app.state.engine) as db:
        return [row.as_json() for row in decisions.grant_rows(db)]


# --- programme definitions -------------------------------------------------------------------------------

def _definition_rows(db) -> list[dict]:
    return [{"code": d.code, "name": d.name, "schema_version": d.schema_version, "first_year": d.first_year,
             "last_year": d.last_year, "invented": d.invented, "source_file": d.source_file,
             "loaded_at": d.loaded_at.isoformat(), "loaded_by": d.loaded_by,
             "on_ineligible": d.rules.get("eligibility", {}).get("on_ineligible"),
             "selection": d.rules.get("selection")} for d in definition.definitions(db)]


def _definitions_page(request: Request, status_code: int = 200, error: str | None = None, loaded: str | None = None):
    with db_session(request.app.state.engine) as db:
        return page(request, "programme/definitions.html", status_code=status_code, rows=_definition_rows(db),
                    error=error, loaded=loaded)


@router.get("/programme/definitions")
def definitions_page(request: Request):
    return _definitions_page(request)


@router.get("/api/programme/definitions")
def definitions_api(request: Request):
    with db_session(request.app.state.engine) as db:
        return _definition_rows(db)


def _load_text(db, text: str, filename: str, user: User) -> dict:
    data = definition.parse_definition(text, filename)
    summary = definition.write_definition(db, data, source_file=filename, actor=user.email)
    return summary.__dict__


@router.post("/programme/definitions", dependencies=CSRF)
async def definitions_upload(request: Request, user: User = require_role("programme.load")):
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) and not hasattr(upload, "read"):
        return _definitions_page(request, 400, translator(request)("choose a programme file (YAML) to upload"))
    content = await upload.read(MAX_DEFINITION_BYTES + 1)
    name = (upload.filename or "programme.yaml")[:200]
    if not content:
        return _definitions_page(request, 400, translator(request)("the file is empty"))
    if len(content) > MAX_DEFINITION_BYTES:
        return _definitions_page(request, 400, translator(request)("the file is larger than 1 MB"))
    try:
        text = content.decode("utf-8")
        with transaction(request.app.state.engine) as db:
            summary = _load_text(db, text, name, user)
    except UnicodeDecodeError:
        return _definitions_page(request, 400, translator(request)("the file is not UTF-8 text"))
    except ProgrammeError as exc:
        return _definitions_page(request, 400, str(exc))
    return _definitions_page(request, loaded=summary["code"])


class DefinitionIn(BaseModel):
    filename: str = Field(default="programme.yaml", max_length=200)
    yaml: str = Field(max_length=MAX_DEFINITION_BYTES)


@router.post("/api/programme/definitions", dependencies=CSRF)
def definitions_api_load(request: Request, body: DefinitionIn, user: User = require_role("programme.load")):
    return api_act(request, lambda db: _load_text(db, body.yaml, body.filename, user))
