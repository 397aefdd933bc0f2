"""Shared plumbing for the programme-year pages (calls, applications, review, selection, decisions, definitions):
rendering with the programme's layout, errors in the reader's language, one transaction per action."""

from __future__ import annotations

from datetime import datetime
from typing import Callable
from zoneinfo import ZoneInfo

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from segreform.programme.errors import BudgetExceeded, NotAllowed, NotFound, ProgrammeError, WrongState
from segreform.programme.validation import FormErrors, translated
from segreform.store import transaction
from segreform.web.i18n import formats_for, gettext, language
from segreform.web.messages import detail as error_detail, user_message
from segreform.web.programme import page as programme_page

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def page(request: Request, template: str, status_code: int = 200, **context) -> Response:
    return programme_page(request, template, status_code=status_code, **context)


def translator(request_or_lang) -> Callable[..., str]:
    lang = request_or_lang if isinstance(request_or_lang, str) else language(request_or_lang)
    return lambda msgid, **fields: gettext(lang, msgid, **fields)


def error_text(request: Request, exc: Exception) -> str:
    """An error in the reader's language: messages built with ``Message`` are translated, others shown as they are."""
    return user_message(language(request), exc) if not isinstance(
        exc, FormErrors) else "; ".join(field_errors(request, exc).values())


def field_errors(request: Request, exc: FormErrors) -> dict[str, str]:
    tr = translator(request)
    return {field: translated(message, tr) for field, message in exc.errors.items()}


def status_for(exc: ProgrammeError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, NotAllowed):
        return 403
    return 409 if isinstance(exc, (BudgetExceeded, WrongState)) else 400


def api_act(request: Request, work: Callable):
    """Run ``work(db)`` in one transaction for the JSON API: refusals answer 4xx with the reason (and every field)."""
    try:
        with transaction(request.app.state.engine) as db:
            return work(db)
    except FormErrors as exc:
        return JSONResponse({"error": str(exc), "errors": field_errors(request, exc)}, status_code=400)
    except ProgrammeError as exc:
        return JSONResponse({"error": error_text(request, exc)}, status_code=status_for(exc))


def redirect(request: Request, path: str) -> RedirectResponse:
    lang = request.query_params.get("lang")
    sep = "&" if "?" in path else "?"
    return RedirectResponse(path + (f"{sep}lang={lang}" if lang else ""), status_code=303)


def not_found(exc: NotFound):
    raise HTTPException(status_code=404, detail=error_detail(exc)) from None


def parse_local_deadline(text: str) -> datetime | None:
    """A deadline from a form: ISO with a zone, or a local (Stockholm) date and time such as 2026-10-31T23:59."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=STOCKHOLM)


def formats(request: Request):
    return formats_for(language(request))
