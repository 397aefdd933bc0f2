"""The researcher workspace: evaluation plans and runs per development area, data exports and reports.

Researchers see the development areas they are attached to (``eval_researcher_area``); programme
staff (admin, officer) see all. Everyone else gets 401 (not signed in) or 403. Pages and JSON:

- ``/research`` and ``/api/research/plans``: the plans the user may see;
- ``/research/plans/{id}`` and ``/api/research/plans/{id}``: a plan, its units and every run;
- ``/research/plans/{id}/data.csv|data.parquet|codebook.csv``: the exact analysis data set;
- ``/research/runs/{id}/report.html`` and ``/api/research/runs/{id}``: one run's report/result;
- ``/research/runs/{id}/report.pdf``: the PDF, made by a queued job (see :mod:`segreform.web.research_reports`).
"""

from __future__ import annotations

import io
from dataclasses import asdict

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from segreform.web.i18n import add_nav_link, register, render
from segreform.web.params import RowId
from segreform.web.security import add_nonce, nonce_of

router = APIRouter()
STAFF = ("admin", "officer")

register({
    "research.title": {"sv": "Utvärdering och forskning", "en": "Evaluation and research"},
    "research.intro": {
        "sv": "Förregistrerade utvärderingsplaner per utvecklingsområde, varje körning med sina dataårgångar.",
        "en": "Pre-registered evaluation plans per development area, every run with its data vintages.",
    },
    "research.none": {"sv": "Inga planer att visa.", "en": "No plans to show."},
    "research.plan": {"sv": "Plan", "en": "Plan"},
    "research.area": {"sv": "Utvecklingsområde", "en": "Development area"},
    "research.outcome": {"sv": "Utfallsmått", "en": "Outcome"},
    "research.estimator": {"sv": "Metod", "en": "Estimator"},
    "research.comparison": {"sv": "Jämförelsegrupp", "en": "Comparison pool"},
    "research.registered": {"sv": "Registrerad", "en": "Registered"},
    "research.prereg_yes": {"sv": "Registrerad innan utfallsdata fanns", "en": "Registered before outcome data existed"},
    "research.prereg_no": {"sv": "Registrerad när utfallsdata redan fanns", "en": "Registered when outcome data already existed"},
    "research.treated": {"sv": "Deltagande kommuner (startår)", "en": "Participating municipalities (start year)"},
    "research.runs": {"sv": "Körningar", "en": "Runs"},
    "research.run": {"sv": "Körning", "en": "Run"},
    "research.status": {"sv": "Status", "en": "Status"},
    "research.estimate": {"sv": "Skattning", "en": "Estimate"},
    "research.interval": {"sv": "95 % intervall", "en": "95% interval"},
    "research.vintages": {"sv": "Dataårgångar", "en": "Data vintages"},
    "research.report": {"sv": "Rapport", "en": "Report"},
    "research.download": {"sv": "Analysdata", "en": "Analysis data"},
    "research.codebook": {"sv": "Kodbok", "en": "Codebook"},
})
add_nav_link("/research", "nav.research")


def _user(request: Request):
    from segreform.web.auth import current_user

    user = current_user(request)
    if user is None:
        raise HTTPException(status_code=401, detail="sign in first (the research workspace is for researchers and programme staff)")
    if user.role not in (*STAFF, "researcher"):
        raise HTTPException(status_code=403, detail=f"your role ({user.role}) may not see the research workspace")
    return user


def _visible_areas(request: Request, user) -> set[str] | None:
    """None means every area (staff)."""
    if user.role in STAFF:
        return None
    from segreform.research.plans import researcher_areas

    return researcher_areas(request.app.state.engine, user.id)


def _plan_for(request: Request, plan_id: int):
    from segreform.evaluate.panel import DesignError
    from segreform.research.plans import get_plan

    user = _user(request)
    try:
        plan = get_plan(request.app.state.engine, plan_id)
    except DesignError:
        raise HTTPException(status_code=404, detail=f"there is no evaluation plan {plan_id}") from None
    areas = _visible_areas(request, user)
    if areas is not None and plan.development_area not in areas:
        raise HTTPException(status_code=403, detail=f"you are not attached to development area {plan.development_area}")
    return plan


def _plans(request: Request):
    from segreform.research.plans import list_plans

    areas = _visible_areas(request, _user(request))
    plans = list_plans(request.app.state.engine, status=None)
    return [p for p in plans if areas is None or p.development_area in areas]


def _plan_json(plan) -> dict:
    data = asdict(plan)
    data["registered_at"] = plan.registered_at.isoformat()
    data["registered_before_outcomes"] = plan.registered_before_outcomes
    return data


def _run_summary(run) -> dict:
    from segreform.research.report import headline

    head = headline(run.result) if run.result else None
    return {"id": run.id, "started_at": run.started_at.isoformat(), "trigger": run.trigger, "status": run.status,
            "message": run.message, "data_hash": run.data_hash, "n_rows": run.n_rows,
            "releases": [{"dataset": d, "vintage": v} for d, v in run.releases],
            "headline": asdict(head) if head else None}


@router.get("/research", response_class=HTMLResponse)
def research_page(request: Request):
    return render(request, "research/index.html", plans=_plans(request))


@router.get("/api/research/plans")
def research_plans(request: Request) -> list[dict]:
    return [_plan_json(p) for p in _plans(request)]


@router.get("/research/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(request: Request, plan_id: RowId):
    from segreform.research.runs import list_runs

    plan = _plan_for(request, plan_id)
    runs = [_run_summary(r) for r in list_runs(request.app.state.engine, plan_id)]
    return render(request, "research/plan.html", plan=plan, runs=runs)


@router.get("/api/research/plans/{plan_id}")
def plan_json(request: Request, plan_id: RowId) -> dict:
    from segreform.research.runs import list_runs

    plan = _plan_for(request, plan_id)
    return {**_plan_json(plan), "runs": [_run_summary(r) for r in list_runs(request.app.state.engine, plan_id)]}


@router.get("/research/plans/{plan_id}/data.{fmt}")
def plan_data(request: Request, plan_id: RowId, fmt: str):
    from segreform.research.runs import analysis_dataset

    plan = _plan_for(request, plan_id)
    data = analysis_dataset(request.app.state.engine, plan)
    name = f"evaluation-plan-{plan_id}"
    if fmt == "csv":
        body = data.frame.to_csv(index=False).encode("utf-8")
        return Response(body, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    if fmt == "parquet":
        buffer = io.BytesIO()
        data.frame.to_parquet(buffer, index=False)
        return Response(buffer.getvalue(), media_type="application/vnd.apache.parquet",
                        headers={"Content-Disposition": f'attachment; filename="{name}.parquet"'})
    raise HTTPException(status_code=404, detail="the analysis data set is offered as data.csv or data.parquet")


@router.get("/research/plans/{plan_id}/codebook.csv")
def plan_codebook(request: Request, plan_id: RowId):
    from segreform.research.runs import analysis_dataset

    data = analysis_dataset(request.app.state.engine, _plan_for(request, plan_id))
    return Response(data.codebook.to_csv(index=False).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="evaluation-plan-{plan_id}-codebook.csv"'})


def _run_for(request: Request, run_id: int):
    from segreform.research.runs import list_runs
    from segreform.store import session
    from segreform.store.models.evaluation import EvaluationRun

    _user(request)  # anonymous users get 401 whether or not the run exists, so ids cannot be probed
    with session(request.app.state.engine) as db:
        run = db.get(EvaluationRun, run_id)
        plan_id = run.plan_id if run else None
    if plan_id is None:
        raise HTTPException(status_code=404, detail=f"there is no evaluation run {run_id}")
    plan = _plan_for(request, plan_id)
    found = next(r for r in list_runs(request.app.state.engine, plan_id) if r.id == run_id)
    return plan, found


@router.get("/api/research/runs/{run_id}")
def run_json(request: Request, run_id: RowId) -> dict:
    _, run = _run_for(request, run_id)
    return {**_run_summary(run), "result": run.result.to_dict() if run.result else None}


def report_html(engine, plan, run, inline_plotly: bool) -> str:
    """The run's report as HTML (``inline_plotly`` for a file that must work on its own, e.g. for the PDF)."""
    from segreform.research.report import render_html

    return render_html(run.result, title=f"{plan.title} — run {run.id} ({run.started_at:%Y-%m-%d})",
                       plan=_plan_json(plan), releases=run.releases, inline_plotly=inline_plotly)


def run_for(request: Request, run_id: int):
    """The run's plan and the run, when the signed-in user may see it (401/403/404 otherwise)."""
    plan, run = _run_for(request, run_id)
    if run.result is None:
        raise HTTPException(status_code=409, detail=f"run {run_id} was refused: {run.message}")
    return plan, run


@router.get("/research/runs/{run_id}/report.html", response_class=HTMLResponse)
def run_report(request: Request, run_id: RowId):
    plan, run = run_for(request, run_id)
    # plotly's figures come as inline scripts: they get this response's CSP nonce
    return HTMLResponse(add_nonce(report_html(request.app.state.engine, plan, run, inline_plotly=False),
                                  nonce_of(request)))
