"""Web pages and JSON API for the programme: sign-in, the public overview, ledger, eligibility and participation,
and the helpers every programme page shares (:func:`page`, :func:`act`, :func:`application_for`).

Pages live under ``/programme/...`` and the API under ``/api/programme/...``. Every state-changing request
is a POST that must carry the session's CSRF token; every request is checked against the role and the
organisation by :mod:`segreform.programme.access`. The routes only translate HTTP to service calls. Applications,
review, selection and grants: :mod:`segreform.web.programme_applications`; calls and drafts:
:mod:`segreform.web.programme_calls`; reforms: :mod:`segreform.web.programme_reforms`; networks:
:mod:`segreform.web.programme_networks`.
"""

from __future__ import annotations

from typing import Callable

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import select

from segreform.programme import access, applications, ledger, networks
from segreform.programme.accounts import ROLES
from segreform.programme.eligibility import assess_municipalities
from segreform.programme.errors import BudgetExceeded, NotAllowed, NotFound, ProgrammeError, WrongState, missing_message
from segreform.programme.money import format_sek
from segreform.store import session as db_session, transaction
from segreform.store.models.programme import DevelopmentArea, FocusArea, ProgrammeYear, User
from segreform.web.auth import csrf_token, current_user, end_session, remember_login_csrf, start_session, verify_csrf
from segreform.web.i18n import N_, add_nav_link, language, pgettext_noop, render, templates
from segreform.web.login_guard import authenticate_throttled
from segreform.web.messages import detail as error_detail, user_message

add_nav_link("/programme", pgettext_noop("menu", "Programme"))
# A reform's or milestone's progress status, with the msgid its pages show (translated in the template).
PROGRESS_STATUS_NAMES = {"planned": N_("Planned"), "in_progress": N_("In progress"), "done": N_("Done")}
templates.env.globals["PROGRESS_STATUS_NAMES"] = PROGRESS_STATUS_NAMES
router = APIRouter()
CSRF = [Depends(verify_csrf)]


def page(request: Request, template: str, status_code: int = 200, **context) -> Response:
    response = render(request, template, status_code=status_code, user=current_user(request),
                      csrf=csrf_token(request), sek=format_sek, roles=ROLES, **context)
    remember_login_csrf(request, response)
    return response


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def act(request: Request, work: Callable, redirect: str) -> Response:
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
        return page(request, "programme/error.html", status_code=status,
                     message=user_message(language(request), exc))
    if _wants_json(request):
        return JSONResponse({"ok": True, "result": result if isinstance(result, (int, str, dict, list)) else None})
    lang = request.query_params.get("lang")
    return RedirectResponse(redirect + (f"?lang={lang}" if lang else ""), status_code=303)


def application_for(db, user: User, application_id: int, action: str):
    application = applications.get_application(db, application_id)
    if not access.allowed(db, user, action, application):
        # Someone else's application looks the same as a missing one, so ids cannot be probed.
        raise NotFound(missing_message("application", application_id)) if action == "application.view" else NotAllowed(
            f"your role ({user.role}) may not do this to application {application_id}")
    return application


# --- sign-in ----------------------------------------------------------------------------------------

@router.get("/programme/login")
def login_page(request: Request):
    return page(request, "programme/login.html")


@router.post("/programme/login", dependencies=CSRF)
def login(request: Request, email: str = Form(...), password: str = Form(...)):
    user = authenticate_throttled(request, email, password)  # 429 while blocked after repeated failures
    if user is None:
        return page(request, "programme/login.html", status_code=401, error=True)
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

    def html(request: Request):
        with db_session(request.app.state.engine) as db:
            return page(request, template, **{key: rows(db)})

    def api(request: Request):
        with db_session(request.app.state.engine) as db:
            return rows(db)

    router.add_api_route(f"/programme/{name}", html, methods=["GET"], name=f"{name}_page")
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
        return page(request, "programme/index.html", **_overview(db))


@router.get("/api/programme")
def overview_api(request: Request):
    with db_session(request.app.state.engine) as db:
        return _overview(db)


def _ledger_rows(db) -> list[dict]:
    return [{"year": p.year, "reform": p.reform_code, "frame_ore": p.frame_ore, "committed_ore": p.committed_ore,
             "paid_ore": p.paid_ore, "available_ore": p.available_ore} for p in ledger.report(db)]


_public_view("ledger", "programme/ledger.html", "rows", _ledger_rows)


def _eligibility_rows(request: Request, lang: str) -> list[dict]:
    try:
        return assess_municipalities(request.app.state.engine, lang).to_dict(orient="records")
    except ProgrammeError as exc:
        raise HTTPException(status_code=503, detail=error_detail(exc)) from None


@router.get("/programme/eligibility")
def eligibility_page(request: Request):
    return page(request, "programme/eligibility.html", rows=_eligibility_rows(request, language(request)))


@router.get("/api/programme/eligibility")
def eligibility_api(request: Request, lang: str = "en"):
    return _eligibility_rows(request, lang if lang in ("sv", "en") else "en")


@router.get("/api/programme/participation")
def participation_api(request: Request):
    return networks.participation(request.app.state.engine).to_dict(orient="records")

