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
import json
from dataclasses import asdict

import plotly.graph_objects as go
from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from segreform.barometer.indicators import all_indicators
from segreform.evaluate.panel import DesignError
from segreform.programme.validation import Message as M
from segreform.research.plans import (
    COMPARISONS,
    ESTIMATORS,
    draft_plan,
    get_plan,
    list_plans,
    register_plan,
    researcher_areas,
    stored_hash,
)
from segreform.research.report import event_study_figure, headline, placebo_figure, render_html, synth_paths_figure
from segreform.research.runs import analysis_dataset, list_runs, run_plan
from segreform.store import session
from segreform.store.models.evaluation import EvaluationRun
from segreform.store.models.programme import DevelopmentArea
from segreform.web.auth import csrf_token, current_user, verify_csrf
from segreform.web.i18n import add_nav_link, language, pgettext_noop, render
from segreform.web.params import RowId
from segreform.web.security import add_nonce, nonce_of

router = APIRouter()
STAFF = ("admin", "officer")

add_nav_link("/research", pgettext_noop("menu", "Research"))


def _user(request: Request):
    user = current_user(request)
    if user is None:
        raise HTTPException(status_code=401,
                            detail=M("sign in first (the research workspace is for researchers and programme staff)"))
    if user.role not in (*STAFF, "researcher"):
        raise HTTPException(status_code=403,
                            detail=M("your role (%(role)s) may not see the research workspace", role=user.role))
    return user


def _visible_areas(request: Request, user) -> set[str] | None:
    """None means every area (staff)."""
    if user.role in STAFF:
        return None

    return researcher_areas(request.app.state.engine, user.id)


def _plan_for(request: Request, plan_id: int):
    user = _user(request)
    try:
        plan = get_plan(request.app.state.engine, plan_id)
    except DesignError:
        raise HTTPException(status_code=404, detail=M("there is no evaluation plan %(plan)s", plan=plan_id)) from None
    areas = _visible_areas(request, user)
    if areas is not None and plan.development_area not in areas:
        raise HTTPException(status_code=403, detail=M("you are not attached to development area %(area)s",
                                                       area=plan.development_area))
    return plan


def _plans(request: Request):
    areas = _visible_areas(request, _user(request))
    plans = list_plans(request.app.state.engine, status=None)
    return [p for p in plans if areas is None or p.development_area in areas]


def _plan_json(plan) -> dict:
    data = asdict(plan)
    data["registered_at"] = plan.registered_at.isoformat()
    data["registered_before_outcomes"] = plan.registered_before_outcomes
    return data


def _run_summary(run) -> dict:
    head = headline(run.result) if run.result else None
    return {"id": run.id, "started_at": run.started_at.isoformat(), "trigger": run.trigger, "status": run.status,
            "message": run.message, "data_hash": run.data_hash, "n_rows": run.n_rows,
            "releases": [{"dataset": d, "vintage": v} for d, v in run.releases],
            "headline": asdict(head) if head else None}


@router.get("/research", response_class=HTMLResponse)
def research_page(request: Request):
    plans = _plans(request)
    latest = {}
    for plan in plans:
        run = next((r for r in list_runs(request.app.state.engine, plan.id) if r.result is not None), None)
        if run is not None:
            latest[plan.id] = headline(run.result)
    return render(request, "research/index.html", plans=plans, latest=latest)


@router.get("/api/research/plans")
def research_plans(request: Request) -> list[dict]:
    return [_plan_json(p) for p in _plans(request)]


@router.get("/research/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(request: Request, plan_id: RowId):
    plan = _plan_for(request, plan_id)
    full_runs = list_runs(request.app.state.engine, plan_id)
    runs = [_run_summary(r) for r in full_runs]
    return render(request, "research/plan.html", plan=plan, runs=runs, figures=plan_figures(plan, full_runs),
                  plan_intact=stored_hash(plan) == plan.plan_hash, csrf=csrf_token(request))


@router.get("/api/research/plans/{plan_id}")
def plan_json(request: Request, plan_id: RowId) -> dict:
    plan = _plan_for(request, plan_id)
    return {**_plan_json(plan), "runs": [_run_summary(r) for r in list_runs(request.app.state.engine, plan_id)]}


@router.get("/research/plans/{plan_id}/data.{fmt}")
def plan_data(request: Request, plan_id: RowId, fmt: str):
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
    raise HTTPException(status_code=404, detail=M("the analysis data set is offered as data.csv or data.parquet"))


@router.get("/research/plans/{plan_id}/codebook.csv")
def plan_codebook(request: Request, plan_id: RowId):
    data = analysis_dataset(request.app.state.engine, _plan_for(request, plan_id))
    return Response(data.codebook.to_csv(index=False).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="evaluation-plan-{plan_id}-codebook.csv"'})


def _run_for(request: Request, run_id: int):
    _user(request)  # anonymous users get 401 whether or not the run exists, so ids cannot be probed
    with session(request.app.state.engine) as db:
        run = db.get(EvaluationRun, run_id)
        plan_id = run.plan_id if run else None
    if plan_id is None:
        raise HTTPException(status_code=404, detail=M("there is no evaluation run %(run)s", run=run_id))
    plan = _plan_for(request, plan_id)
    found = next(r for r in list_runs(request.app.state.engine, plan_id) if r.id == run_id)
    return plan, found


@router.get("/api/research/runs/{run_id}")
def run_json(request: Request, run_id: RowId) -> dict:
    _, run = _run_for(request, run_id)
    return {**_run_summary(run), "result": run.result.to_dict() if run.result else None}


def report_html(engine, plan, run, inline_plotly: bool) -> str:
    """The run's report as HTML (``inline_plotly`` for a file that must work on its own, e.g. for the PDF)."""
    return render_html(run.result, title=f"{plan.title} — run {run.id} ({run.started_at:%Y-%m-%d})",
                       plan=_plan_json(plan), releases=run.releases, inline_plotly=inline_plotly)


def run_for(request: Request, run_id: int):
    """The run's plan and the run, when the signed-in user may see it (401/403/404 otherwise)."""
    plan, run = _run_for(request, run_id)
    if run.result is None:
        raise HTTPException(status_code=409,
                            detail=M("run %(run)s was refused: %(reason)s", run=run_id, reason=run.message))
    return plan, run


@router.get("/research/runs/{run_id}/report.html", response_class=HTMLResponse)
def run_report(request: Request, run_id: RowId):
    plan, run = run_for(request, run_id)
    # plotly's figures come as inline scripts: they get this response's CSP nonce
    return HTMLResponse(add_nonce(report_html(request.app.state.engine, plan, run, inline_plotly=False),
                                  nonce_of(request)))


# --- Registering and running plans in the browser (issue 13) -------------------------------------------------


CSRF = [Depends(verify_csrf)]


def _outcome_choices(lang: str) -> list[tuple[str, str]]:
    """Outcomes a plan may name: the registry's indicators stored as one kommun variable."""
    seen, out = set(), []
    for indicator in all_indicators().values():
        if indicator.variable and "kommun" in indicator.levels and indicator.variable not in seen:
            seen.add(indicator.variable)
            out.append((indicator.variable, f"{indicator.label(lang)} ({indicator.variable})"))
    for variable in ("segregation_d_utrikes_inrikes", "segregation_h_utrikes_inrikes"):
        if variable not in seen:
            out.append((variable, variable))
    return out


def _form_areas(request: Request, user) -> list[str]:
    areas = _visible_areas(request, user)
    with session(request.app.state.engine) as db:
        codes = sorted(db.scalars(select_codes(DevelopmentArea)))
    return [c for c in codes if areas is None or c in areas]


def select_codes(model):
    return select(model.code)


def _new_form(request: Request, user, values: dict, error: str = "", draft=None, status_code: int = 200):
    return render(request, "research/new.html", status_code=status_code, values=values, error=error, draft=draft,
                  areas=_form_areas(request, user), outcomes=_outcome_choices(language(request)),
                  estimators=ESTIMATORS, comparisons=COMPARISONS, csrf=csrf_token(request))


@router.get("/research/plans/new", response_class=HTMLResponse)
def new_plan_page(request: Request):
    user = _user(request)
    return _new_form(request, user, {"estimator": "did", "comparison": "never_eligible"})


def _form_values(development_area: str, outcome_variable: str, estimator: str, comparison: str, first_year: str,
                 title: str) -> dict:
    return {"development_area": development_area.strip(), "outcome_variable": outcome_variable.strip(),
            "estimator": estimator.strip(), "comparison": comparison.strip(), "first_year": first_year.strip(),
            "title": title.strip()}


def _check_form(request: Request, user, values: dict) -> tuple[dict | None, str]:
    if values["development_area"] not in _form_areas(request, user):
        return None, "development_area: choose a development area you are attached to"
    if values["outcome_variable"] not in {v for v, _ in _outcome_choices("en")}:
        return None, "outcome_variable: choose an outcome from the indicator registry"
    if values["estimator"] not in ESTIMATORS:
        return None, f"estimator: one of {', '.join(ESTIMATORS)}"
    if values["comparison"] not in COMPARISONS:
        return None, f"comparison: one of {', '.join(COMPARISONS)}"
    first_year = None
    if values["first_year"]:
        if not values["first_year"].isdigit() or not 1900 <= int(values["first_year"]) <= 2100:
            return None, "first_year: a year between 1900 and 2100, or empty (the first grant's start year)"
        first_year = int(values["first_year"])
    return {"development_area": values["development_area"], "outcome_variable": values["outcome_variable"],
            "estimator": values["estimator"], "comparison": values["comparison"], "first_year": first_year}, ""


@router.post("/research/plans/preview", response_class=HTMLResponse, dependencies=CSRF)
def preview_plan(request: Request, development_area: str = Form(""), outcome_variable: str = Form(""),
                 estimator: str = Form("did"), comparison: str = Form("never_eligible"), first_year: str = Form(""),
                 title: str = Form("")):
    """The draft with its minimum detectable effect, before anything is frozen."""
    user = _user(request)
    values = _form_values(development_area, outcome_variable, estimator, comparison, first_year, title)
    fields, error = _check_form(request, user, values)
    if fields is None:
        return _new_form(request, user, values, error=error, status_code=422)
    try:
        draft = draft_plan(request.app.state.engine, **fields)
    except DesignError as exc:
        return _new_form(request, user, values, error=str(exc), status_code=422)
    return _new_form(request, user, values, draft=draft)


@router.post("/research/plans", dependencies=CSRF)
def register_plan_form(request: Request, development_area: str = Form(""), outcome_variable: str = Form(""),
                       estimator: str = Form("did"), comparison: str = Form("never_eligible"),
                       first_year: str = Form(""), title: str = Form("")):
    user = _user(request)
    values = _form_values(development_area, outcome_variable, estimator, comparison, first_year, title)
    fields, error = _check_form(request, user, values)
    if fields is None:
        return _new_form(request, user, values, error=error, status_code=422)
    try:
        plan_id = register_plan(request.app.state.engine, registered_by=user.email, title=values["title"] or None,
                                **fields)
    except DesignError as exc:
        return _new_form(request, user, values, error=str(exc), status_code=422)
    return RedirectResponse(f"/research/plans/{plan_id}", status_code=303)


@router.post("/research/plans/{plan_id}/runs", dependencies=CSRF)
def run_plan_form(request: Request, plan_id: RowId):
    plan = _plan_for(request, plan_id)
    run_id = run_plan(request.app.state.engine, plan.id, trigger="manual")
    return RedirectResponse(f"/research/plans/{plan.id}#run-{run_id}", status_code=303)


def plan_figures(plan, runs) -> list[dict]:
    """Plotly figures (as JSON) for the plan page: the latest successful run's event study or gap plot and its
    placebo distribution, and the MDE's placebo estimates."""
    figures = []
    latest = next((r for r in runs if r.result is not None), None)
    if latest is not None:
        for make in (event_study_figure, synth_paths_figure, placebo_figure):
            fig = make(latest.result)
            if fig is not None:
                figures.append({"id": f"fig-{make.__name__}", "figure": json.loads(fig.to_json())})
    if plan.power and plan.power.get("placebo_estimates"):
        values = [p["estimate"] for p in plan.power["placebo_estimates"]]
        fig = go.Figure(go.Histogram(x=values, name="placebo estimates", nbinsx=20))
        if plan.mde is not None:
            for x in (-plan.mde, plan.mde):
                fig.add_vline(x=x, line_dash="dash", line_color="firebrick")
        if latest is not None:
            head = headline(latest.result)
            if head is not None:
                fig.add_vline(x=head.estimate, line_color="black")
        fig.update_layout(title="Placebo distribution (pre-period placebo starts) with ± MDE and the estimate",
                          xaxis_title="placebo estimate", yaxis_title="count")
        figures.append({"id": "fig-placebo-distribution", "figure": json.loads(fig.to_json())})
    return figures


# "/research/plans/new" must be tried before "/research/plans/{plan_id}" (a RowId, which "new" is not).
router.routes.sort(key=lambda route: getattr(route, "path", "") != "/research/plans/new")
