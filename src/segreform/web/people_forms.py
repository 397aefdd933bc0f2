"""Shared plumbing for the people, network and reform pages: a page with the programme's context, forms whose
errors are shown in the form (translated, with what was typed kept), and JSON twins for the API.

A refusal never becomes raw JSON on an HTML form: :class:`FieldErrors` re-render the form with each message
beside its field; other refusals render the programme's error page in the user's language.
"""

from __future__ import annotations

from typing import Any, Callable

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from segreform.programme.accounts import ROLES
from segreform.programme.errors import BudgetExceeded, InvalidInput, NotAllowed, NotFound, ProgrammeError, WrongState
from segreform.programme.field_errors import FieldError, FieldErrors
from segreform.programme.money import format_sek
from segreform.store import transaction
from segreform.web.auth import csrf_token, current_user, remember_login_csrf
from segreform.web.i18n import gettext, language, render
from segreform.web.messages import detail as error_detail, field_message, user_message


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    response = render(request, template, status_code=status_code, user=current_user(request),
                      csrf=csrf_token(request), sek=format_sek, roles=ROLES, **context)
    remember_login_csrf(request, response)
    return response


def field_errors(lang: str, exc: InvalidInput) -> dict[str, str]:
    """``{field: message}`` in ``lang`` for a refusal (several fields for :class:`FieldErrors`)."""
    errors = exc.errors if isinstance(exc, FieldErrors) else [exc]
    found: dict[str, str] = {}
    for error in errors:
        if isinstance(error, FieldError):
            text = gettext(lang, error.msgid, **error.fields)
        else:
            text = field_message(lang, error)
        found[error.field] = f"{found[error.field]} {text}" if error.field in found else text
    return found


def message(lang: str, exc: ProgrammeError) -> str:
    if isinstance(exc, InvalidInput):
        return " ".join(f"{gettext(lang, field_label(field))}: {text}"
                        for field, text in field_errors(lang, exc).items())
    return user_message(lang, exc)


# Field names as people read them (msgids; translated with gettext).
FIELD_LABELS = {
    "email": "E-mail", "name": "Name", "role": "Role", "organisation": "Organisation", "password": "Password",
    "old_password": "Current password", "new_password": "New password", "repeat": "New password again",
    "level": "Level", "title": "Title", "held_on": "Date", "description": "Description", "owner": "Owner",
    "due_on": "Due date", "status": "Status", "progress_pct": "Progress (%)", "evidence": "Evidence",
    "due_year": "Due year", "reform": "Reform", "user": "User", "meeting": "Meeting", "first_year": "First year",
    "development_area": "Development area", "code": "Code", "name_sv": "Name in Swedish",
    "name_en": "Name in English", "contact_email": "Contact e-mail", "active": "Active", "kind": "Kind", "kommunkod": "Kommunkod",
}


def field_label(field: str) -> str:
    return FIELD_LABELS.get(field, field)


def status_of(exc: ProgrammeError) -> int:
    if isinstance(exc, NotAllowed):
        return 403
    if isinstance(exc, NotFound):
        return 404
    return 409 if isinstance(exc, (BudgetExceeded, WrongState)) else 400


def act(request: Request, work: Callable, *, redirect: str | Callable[[Any], str],
        on_invalid: Callable[[dict[str, str]], Response] | None = None) -> Response:
    """Run ``work(db)`` in one transaction and redirect (303) on success.

    On :class:`InvalidInput` with ``on_invalid`` the form is shown again with its errors (status 400);
    other refusals show the error page. Nothing is written on any refusal.
    """
    lang = language(request)
    try:
        with transaction(request.app.state.engine) as db:
            result = work(db)
            target = redirect(result) if callable(redirect) else redirect
    except InvalidInput as exc:
        if on_invalid is not None:
            response = on_invalid(field_errors(lang, exc))
            response.status_code = 400
            return response
        return page(request, "programme/error.html", status_code=400, message=message(lang, exc))
    except ProgrammeError as exc:
        if isinstance(exc, (NotAllowed, NotFound)):
            raise HTTPException(status_code=status_of(exc), detail=error_detail(exc)) from None
        return page(request, "programme/error.html", status_code=status_of(exc), message=message(lang, exc))
    separator = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{separator}lang={lang}", status_code=303)


def api(request: Request, work: Callable, status_code: int = 200) -> Response:
    """Run ``work(db)`` in one transaction for the JSON API: the result, or ``{"error", "fields"}`` with 4xx."""
    lang = request.query_params.get("lang", "en")
    lang = lang if lang in ("sv", "en") else "en"
    try:
        with transaction(request.app.state.engine) as db:
            result = work(db)
    except ProgrammeError as exc:
        body: dict[str, Any] = {"error": message(lang, exc)}
        if isinstance(exc, InvalidInput):
            body["fields"] = field_errors(lang, exc)
        return JSONResponse(body, status_code=status_of(exc))
    return JSONResponse(result, status_code=status_code)
