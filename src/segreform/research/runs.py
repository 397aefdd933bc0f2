"""Running registered plans: the exact analysis data set, the estimate, and a permanent record of each run.

Every run is appended (never replaced) with its result, or the reason it was refused, the SHA-256 of
its analysis data set and the data releases (dataset, vintage) it read. :func:`rerun_after_import`
is the continuous-evaluation step: called after a data import, it re-runs every registered plan whose
outcome data changed since its last run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from segreform.data.queries import observations
from segreform.evaluate.panel import DesignError
from segreform.evaluate.results import EvaluationResult
from segreform.research.estimators import estimate
from segreform.research.plans import PlanView, get_plan, list_plans, stored_hash
from segreform.store.db import session, transaction
from segreform.store.models.evaluation import EvaluationRun, EvaluationRunVintage

DATASET_COLUMNS = ["area_code", "year", "outcome", "first_year", "role", "unit", "dataset", "source", "source_table",
                   "reference_year", "vintage"]


@dataclass
class AnalysisDataset:
    """The exact long panel an evaluation uses, its codebook and the releases it came from."""

    frame: pd.DataFrame
    codebook: pd.DataFrame
    releases: list[tuple[str, str]]
    dropped: list[str] = field(default_factory=list)  # comparison units left out for gaps in their series

    def sha256(self) -> str:
        return hashlib.sha256(self.frame.to_csv(index=False, lineterminator="\n").encode()).hexdigest()


def _balanced(frame: pd.DataFrame, treated: dict[str, int]) -> tuple[pd.DataFrame, list[str]]:
    """Keep the years every treated unit has, and the comparison units observed in all of them.

    Estimators need a balanced panel; published series have gaps (Skolverket suppresses small schools), so a
    comparison unit with a gap is dropped (and listed) rather than the plan refused.
    """
    treated_rows = frame[frame["area_code"].isin(treated)]
    if treated_rows.empty:
        return frame, []
    years = set.intersection(*[set(g["year"]) for _, g in treated_rows.groupby("area_code")])
    frame = frame[frame["year"].isin(years)]
    counts = frame.groupby("area_code")["year"].nunique()
    incomplete = sorted(set(counts[counts < len(years)].index) - set(treated))
    return frame[~frame["area_code"].isin(incomplete)], incomplete


def build_dataset(engine: Engine, outcome_variable: str, level: str, treated: dict[str, int],
                  comparison_units: list[str], comparison: str) -> AnalysisDataset:
    """The outcome for the treated and comparison units, one row per unit and year, with provenance."""
    codes = sorted(treated) + list(comparison_units)
    obs = observations(engine, outcome_variable, level=level, area_codes=codes)
    obs = obs[obs["value"].notna()]
    # Two current releases of the same variable: the later one is what the barometer shows, so the plan reads it.
    obs = obs.sort_values(["area_code", "year", "vintage"]).drop_duplicates(["area_code", "year"], keep="last")
    frame = obs.rename(columns={"value": "outcome"})
    frame["first_year"] = frame["area_code"].map(treated).fillna(0).astype(int)
    frame["role"] = np.where(frame["area_code"].isin(treated), "treated", "comparison")
    frame = frame[DATASET_COLUMNS].sort_values(["area_code", "year"]).reset_index(drop=True)
    frame, dropped = _balanced(frame, treated)
    frame = frame.reset_index(drop=True)
    first = obs.iloc[0] if not obs.empty else None
    codebook = pd.DataFrame([
        ("area_code", "municipality (kommunkod) or area code", "text", ""),
        ("year", "calendar year of the observation", "integer", ""),
        ("outcome", f"{outcome_variable}: the plan's outcome indicator", "number",
         "" if first is None else f"{first['unit'] or ''}; source {first['source']} ({first['source_table']})"),
        ("first_year", "first programme year of a treated unit (its grant's start year); 0 for the comparison pool",
         "integer", "segreform.research.decisions (grants)"),
        ("role", "treated or comparison (the plan's pre-registered pool: " + comparison + ")", "text", ""),
        ("unit", "unit of the outcome", "text", ""),
        ("dataset", "segreform dataset the value was read from", "text", ""),
        ("source", "publisher of the value", "text", ""),
        ("source_table", "publisher's table", "text", ""),
        ("reference_year", "year the value refers to, as published", "integer", ""),
        ("vintage", "release (vintage) of the dataset", "text", ""),
    ], columns=["column", "description", "type", "source"])
    releases = sorted({(str(d), str(v)) for d, v in zip(frame["dataset"], frame["vintage"])})
    return AnalysisDataset(frame, codebook, releases, dropped)


def analysis_dataset(engine: Engine, plan: PlanView | int) -> AnalysisDataset:
    """The plan's outcome for its treated and comparison units, one row per unit and year, with provenance."""
    plan = get_plan(engine, plan) if isinstance(plan, int) else plan
    return build_dataset(engine, plan.outcome_variable, plan.level, plan.treated, plan.comparison_units,
                         plan.comparison)


def estimate_plan(plan: PlanView, data: AnalysisDataset) -> EvaluationResult:
    """Run the plan's estimator on its analysis data set (raises :class:`DesignError` when it cannot)."""
    frame = data.frame
    if frame.empty:
        raise DesignError(f"no {plan.outcome_variable!r} data for the plan's municipalities yet")
    missing = sorted(set(plan.treated) - set(frame["area_code"]))
    if missing:
        raise DesignError(f"no {plan.outcome_variable!r} data for treated municipality {missing[0]}")
    result = estimate(plan.estimator, frame, plan.treated, plan.settings)
    return with_placebo_interval(result, float(plan.settings.get("ci", 0.95))) if plan.estimator == "synth" else result


def with_placebo_interval(result: EvaluationResult, ci: float = 0.95) -> EvaluationResult:
    """A synthetic control's average post-period gap with an interval by test inversion over the in-space placebos.

    Under a constant effect τ the treated gap minus τ is exchangeable with the placebos' gaps, so the interval is
    [gap − q_{1−a/2}, gap − q_{a/2}] of the placebos' average post-period gaps (a = 1 − ci).
    """
    start = float(result.settings.get("start", 0))
    gaps = [np.mean([v for t, v in path.items() if float(t) >= start])
            for key, path in result.paths.items() if key.startswith("placebo:")]
    gaps = [g for g in gaps if np.isfinite(g)]
    if len(gaps) < 3:
        return result
    a = 1 - ci
    low_q, high_q = np.quantile(gaps, [a / 2, 1 - a / 2])
    estimates = [replace(e, ci_low=float(e.estimate - high_q), ci_high=float(e.estimate - low_q), band="placebo")
                 if (e.kind, e.label) == ("att", "average_post") else e for e in result.estimates]
    result.estimates = estimates
    result.notes = [*result.notes, f"interval by inverting the placebo test over {len(gaps)} in-space placebos"]
    return result


def changed_plan_reason(plan: PlanView) -> str | None:
    """Why the stored plan no longer matches its registration, or None when it does."""
    now = stored_hash(plan)
    if now == plan.plan_hash:
        return None
    return (f"refused: the stored plan was changed after registration (registered hash {plan.plan_hash[:12]}, "
            f"the stored plan now hashes to {now[:12]}); a change must be registered as a new plan that "
            "supersedes this one")


def run_plan(engine: Engine, plan_id: int, trigger: str = "manual", now=None) -> int:
    """Estimate a plan and append the run (result or refusal, data hash, releases); returns the run id."""
    plan = get_plan(engine, plan_id)
    started = now or datetime.now(timezone.utc)
    data = analysis_dataset(engine, plan)
    refusal = changed_plan_reason(plan)
    if refusal is not None:
        status, message, payload = "refused", refusal, None
    else:
        try:
            result = estimate_plan(plan, data)
            notes = list(result.notes)
            if data.dropped:
                notes.append(f"{len(data.dropped)} comparison unit(s) left out for gaps in their series: "
                             + ", ".join(data.dropped[:20]) + ("…" if len(data.dropped) > 20 else ""))
            status, message, payload = "ok", "; ".join(notes), result.to_dict()
        except DesignError as exc:
            status, message, payload = "refused", str(exc), None
    with transaction(engine) as db:
        run = EvaluationRun(plan_id=plan.id, started_at=started, finished_at=datetime.now(timezone.utc),
                            trigger=trigger, status=status, message=message, data_hash=data.sha256(),
                            n_rows=len(data.frame), result=payload)
        db.add(run)
        db.flush()
        db.add_all([EvaluationRunVintage(run_id=run.id, dataset=d, vintage=v) for d, v in data.releases])
        return run.id


@dataclass(frozen=True)
class RunView:
    id: int
    plan_id: int
    started_at: datetime
    trigger: str
    status: str
    message: str
    data_hash: str
    n_rows: int
    releases: list[tuple[str, str]]
    result: EvaluationResult | None


def list_runs(engine: Engine, plan_id: int) -> list[RunView]:
    """Every run of a plan, newest first, with the releases each read."""
    with session(engine) as db:
        runs = list(db.scalars(select(EvaluationRun).where(EvaluationRun.plan_id == plan_id).order_by(EvaluationRun.id.desc())))
        ids = [r.id for r in runs]
        vintages = list(db.scalars(select(EvaluationRunVintage).where(EvaluationRunVintage.run_id.in_(ids)))) if ids else []
    releases: dict[int, list] = {}
    for v in vintages:
        releases.setdefault(v.run_id, []).append((v.dataset, v.vintage))
    return [RunView(r.id, r.plan_id, r.started_at, r.trigger, r.status, r.message, r.data_hash, r.n_rows,
                    sorted(releases.get(r.id, [])), EvaluationResult.from_dict(r.result) if r.result else None)
            for r in runs]


def rerun_after_import(engine: Engine, trigger: str = "import") -> list[int]:
    """Continuous evaluation: re-run each registered plan whose analysis data changed since its last run.

    Call after importing data (``segreform evaluate rerun`` does). A plan is re-run when its data set's
    hash differs from its latest run's, so a new vintage that changes nothing costs no new run.
    Returns the ids of the new runs.
    """
    new_runs = []
    for plan in list_plans(engine):
        data = analysis_dataset(engine, plan)
        latest = list_runs(engine, plan.id)[:1]
        if latest and latest[0].data_hash == data.sha256():
            continue
        new_runs.append(run_plan(engine, plan.id, trigger=trigger))
    return new_runs
