"""Running registered plans: the exact analysis data set, the estimate, and a permanent record of each run.

Every run is appended (never replaced) with its result, or the reason it was refused, the SHA-256 of
its analysis data set and the data releases (dataset, vintage) it read. :func:`rerun_after_import`
is the continuous-evaluation step: called after a data import, it re-runs every registered plan whose
outcome data changed since its last run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from segreform.data.queries import observations
from segreform.evaluate.did import callaway_santanna
from segreform.evaluate.panel import DesignError
from segreform.evaluate.results import EvaluationResult
from segreform.evaluate.sdid import synthetic_did
from segreform.evaluate.synth import synthetic_control
from segreform.research.plans import PlanView, get_plan, list_plans
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

    def sha256(self) -> str:
        return hashlib.sha256(self.frame.to_csv(index=False, lineterminator="\n").encode()).hexdigest()


def analysis_dataset(engine: Engine, plan: PlanView | int) -> AnalysisDataset:
    """The plan's outcome for its treated and comparison units, one row per unit and year, with provenance."""
    plan = get_plan(engine, plan) if isinstance(plan, int) else plan
    codes = sorted(plan.treated) + plan.comparison_units
    obs = observations(engine, plan.outcome_variable, level=plan.level, area_codes=codes)
    obs = obs[obs["value"].notna()]
    frame = obs.rename(columns={"value": "outcome"})
    frame["first_year"] = frame["area_code"].map(plan.treated).fillna(0).astype(int)
    frame["role"] = np.where(frame["area_code"].isin(plan.treated), "treated", "comparison")
    frame = frame[DATASET_COLUMNS].sort_values(["area_code", "year"]).reset_index(drop=True)
    first = obs.iloc[0] if not obs.empty else None
    codebook = pd.DataFrame([
        ("area_code", "municipality (kommunkod) or area code", "text", ""),
        ("year", "calendar year of the observation", "integer", ""),
        ("outcome", f"{plan.outcome_variable}: the plan's outcome indicator", "number",
         "" if first is None else f"{first['unit'] or ''}; source {first['source']} ({first['source_table']})"),
        ("first_year", "first programme year of a treated unit; 0 for the comparison pool", "integer",
         "segreform.programme.participation (network membership)"),
        ("role", "treated or comparison (the plan's pre-registered pool: " + plan.comparison + ")", "text", ""),
        ("unit", "unit of the outcome", "text", ""),
        ("dataset", "segreform dataset the value was read from", "text", ""),
        ("source", "publisher of the value", "text", ""),
        ("source_table", "publisher's table", "text", ""),
        ("reference_year", "year the value refers to, as published", "integer", ""),
        ("vintage", "release (vintage) of the dataset", "text", ""),
    ], columns=["column", "description", "type", "source"])
    releases = sorted({(str(d), str(v)) for d, v in zip(obs["dataset"], obs["vintage"])})
    return AnalysisDataset(frame, codebook, releases)


def estimate_plan(plan: PlanView, data: AnalysisDataset) -> EvaluationResult:
    """Run the plan's estimator on its analysis data set (raises :class:`DesignError` when it cannot)."""
    frame = data.frame
    if frame.empty:
        raise DesignError(f"no {plan.outcome_variable!r} data for the plan's municipalities yet")
    missing = sorted(set(plan.treated) - set(frame["area_code"]))
    if missing:
        raise DesignError(f"no {plan.outcome_variable!r} data for treated municipality {missing[0]}")
    settings = plan.settings
    if plan.estimator == "did":
        return callaway_santanna(frame, "area_code", "year", "first_year", "outcome",
                                 control=settings.get("control", "never"), method=settings.get("method", "dr"),
                                 bootstrap=int(settings.get("bootstrap", 999)), seed=settings.get("seed", 1))
    starts = sorted(set(plan.treated.values()))
    if len(starts) > 1:
        raise DesignError(f"the {plan.estimator} design needs one start year; the treated start in {starts}; use did")
    if plan.estimator == "synth":
        if len(plan.treated) != 1:
            raise DesignError(f"a synthetic control is for one treated unit; this plan has {len(plan.treated)}; use sdid or did")
        return synthetic_control(frame, "area_code", "year", "outcome", next(iter(plan.treated)), starts[0],
                                 predictors=settings.get("predictors"), placebos=bool(settings.get("placebos", True)))
    return synthetic_did(frame, "area_code", "year", "outcome", sorted(plan.treated), starts[0],
                         replications=int(settings.get("replications", 200)), seed=settings.get("seed", 0))


def run_plan(engine: Engine, plan_id: int, trigger: str = "manual", now=None) -> int:
    """Estimate a plan and append the run (result or refusal, data hash, releases); returns the run id."""
    plan = get_plan(engine, plan_id)
    started = now or datetime.now(timezone.utc)
    data = analysis_dataset(engine, plan)
    try:
        result = estimate_plan(plan, data)
        status, message, payload = "ok", "; ".join(result.notes), result.to_dict()
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
