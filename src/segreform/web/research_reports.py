"""PDF reports of evaluation runs, made by a queued job: a POST asks for one, a GET serves it when it is ready.

No GET ever starts chromium (printing is a denial-of-service lever); see :mod:`segreform.research.report_jobs`
for the per-user limits and the worker.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from segreform.research import report_jobs
from segreform.research.plans import get_plan
from segreform.research.runs import list_runs
from segreform.store import session
from segreform.store.models.evaluation import EvaluationRun
from segreform.web.auth import csrf_token, current_user, remember_login_csrf, verify_csrf
from segreform.web.i18n import gettext, language, render
from segreform.web.params import RowId
from segreform.web.research import report_html, run_for

router = APIRouter()
CSRF = [Depends(verify_csrf)]
RELOAD_SECONDS = 5


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _printer(request: Request):
    # Tests swap in their own printer; production prints with headless chromium.
    from segreform.research.report import html_to_pdf  # loads the PDF printer only when a report is printed

    return getattr(request.app.state, "print_pdf", html_to_pdf)


def _standalone_html(engine, run_id: int) -> str:
    """A queued run's report with plotly inlined, for printing (access was checked when the job was queued)."""
    with session(engine) as db:
        plan_id = db.get(EvaluationRun, run_id).plan_id
    run = next(r for r in list_runs(engine, plan_id) if r.id == run_id)
    return report_html(engine, get_plan(engine, plan_id), run, inline_plotly=True)


def _status_page(request: Request, run_id: int, state, status_code: int) -> Response:
    lang = language(request)
    messages = {
        None: gettext(lang, "No PDF of this report has been made yet."),
        "queued": gettext(lang, "The PDF is being made. This page reloads in a few seconds."),
        "running": gettext(lang, "The PDF is being made. This page reloads in a few seconds."),
        "failed": gettext(lang, "The PDF could not be made: %(reason)s", reason=state.message if state else ""),
    }
    status = state.status if state else None
    headers = {"Retry-After": str(RELOAD_SECONDS)} if status in ("queued", "running") else {}
    if _wants_json(request):
        return JSONResponse({"run": run_id, "status": status or "none", "detail": messages[status]},
                            status_code=status_code, headers=headers)
    response = render(request, "research/report_pdf.html", status_code=status_code, run_id=run_id,
                      message=messages[status], pending=status in ("queued", "running"), reload_seconds=RELOAD_SECONDS,
                      csrf=csrf_token(request))
    remember_login_csrf(request, response)
    response.headers.update(headers)
    return response


@router.get("/research/runs/{run_id}/report.pdf")
def run_report_pdf(request: Request, run_id: RowId):
    """The finished PDF, or a page saying it is being made (202) or has not been asked for (404)."""
    run_for(request, run_id)
    state = report_jobs.latest(request.app.state.engine, run_id)
    if state is not None and state.status == "done":
        return Response(state.pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="evaluation-run-{run_id}.pdf"'})
    pending = state is not None and state.status in ("queued", "running")
    return _status_page(request, run_id, state, 202 if pending else 404)


@router.post("/research/runs/{run_id}/report.pdf", dependencies=CSRF)
def request_report_pdf(request: Request, run_id: RowId):
    """Queue the PDF (at most one being made per user, a few an hour); 303 to the GET, or 202 for JSON."""
    run_for(request, run_id)
    user = current_user(request)
    engine = request.app.state.engine
    lang = language(request)
    try:
        job_id = report_jobs.request_pdf(engine, run_id, user.id)
    except report_jobs.ReportLimit as exc:
        if exc.retry_after is None:
            detail = gettext(lang, "A PDF you asked for is still being made; ask for the next one when it is ready.")
        else:
            detail = gettext(lang, "You may ask for at most %(n)s PDF reports an hour; try again in %(seconds)s seconds.",
                             n=report_jobs.MAX_PER_HOUR, seconds=exc.retry_after)
        raise HTTPException(status_code=429, detail=detail,
                            headers={"Retry-After": str(exc.retry_after or RELOAD_SECONDS)}) from None

    report_jobs.start_worker(engine, lambda queued: _standalone_html(engine, queued), _printer(request))
    url = f"/research/runs/{run_id}/report.pdf"
    if _wants_json(request):
        return JSONResponse({"job": job_id, "url": url}, status_code=202)
    return RedirectResponse(url + (f"?lang={request.query_params['lang']}" if "lang" in request.query_params else ""),
                            status_code=303)
