"""Evaluation plans: what will be estimated for a development area, registered before the outcomes arrive.

A plan names the barometer outcome, the estimator, the treated municipalities with their start years
(from the programme's decisions, :func:`segreform.programme.participation`) and the comparison pool
(never eligible, eligible but not selected, or all untreated municipalities, from the programme's
eligibility assessment). Registration freezes it: the plan and its units are hashed, and the latest
outcome year already in the store is recorded, so a reader can see whether it was truly registered
before the outcome data. A change is a new plan that supersedes the old one; nothing is overwritten.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone

import pandas as pd
from sqlalchemy import Engine, func, select

from segreform.data.queries import observations
from segreform.evaluate.panel import DesignError
from segreform.programme import participation as programme_participation
from segreform.programme.eligibility import assess_municipalities
from segreform.store.db import session, transaction
from segreform.store.models.evaluation import EvaluationPlan, EvaluationPlanUnit, ResearcherArea

ESTIMATORS = ("did", "synth", "sdid")
COMPARISONS = ("never_eligible", "eligible_not_selected", "all_untreated")


@dataclass(frozen=True)
class PlanView:
    """A registered plan with its units, detached from the database session."""

    id: int
    development_area: str
    title: str
    outcome_variable: str
    level: str
    estimator: str
    comparison: str
    first_year: int
    settings: dict
    registered_at: datetime
    registered_by: str
    outcome_data_through: int | None
    plan_hash: str
    status: str
    supersedes_id: int | None
    treated: dict[str, int]  # area code -> first treated year
    comparison_units: list[str]

    @property
    def registered_before_outcomes(self) -> bool:
        """True when no outcome for a treated year was in the store at registration."""
        return self.outcome_data_through is None or self.outcome_data_through < min(self.treated.values(), default=self.first_year)


def _treated_units(engine: Engine, development_area: str, participation: pd.DataFrame | None) -> dict[str, int]:
    if participation is None:
        participation = programme_participation(engine)
    rows = participation[participation["development_area"] == development_area]
    return {str(k): int(y) for k, y in zip(rows["kommunkod"], rows["first_year"])}


def _comparison_units(engine: Engine, comparison: str, treated: dict[str, int], participation: pd.DataFrame | None,
                      eligibility: pd.DataFrame | None) -> list[str]:
    if participation is None:
        participation = programme_participation(engine)
    # A municipality in any development area is treated by the programme: never a comparison.
    in_programme = set(participation["kommunkod"].astype(str)) | set(treated)
    if eligibility is None:
        try:
            eligibility = assess_municipalities(engine)
        except Exception as exc:  # the barometer inputs are not loaded yet
            raise DesignError(f"the comparison pool needs the programme's eligibility assessment, which failed: {exc}") from exc
    codes = eligibility["kommunkod"].astype(str)
    eligible = eligibility["eligible"].astype(bool)
    if comparison == "never_eligible":
        pool = codes[~eligible]
    elif comparison == "eligible_not_selected":
        pool = codes[eligible]
    else:
        pool = codes
    return sorted(set(pool) - in_programme)


def _latest_outcome_year(engine: Engine, variable: str, level: str) -> int | None:
    frame = observations(engine, variable, level=level)
    frame = frame[frame["value"].notna()]
    return int(frame["year"].max()) if not frame.empty else None


def plan_hash(content: dict) -> str:
    """SHA-256 of the plan's canonical JSON: what was registered, byte for byte."""
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def register_plan(
    engine: Engine,
    *,
    development_area: str,
    outcome_variable: str,
    registered_by: str,
    estimator: str = "did",
    comparison: str = "never_eligible",
    level: str = "kommun",
    title: str | None = None,
    first_year: int | None = None,
    settings: dict | None = None,
    supersedes: int | None = None,
    participation: pd.DataFrame | None = None,
    eligibility: pd.DataFrame | None = None,
    now: datetime | None = None,
) -> int:
    """Register (freeze) an evaluation plan for ``development_area``; returns its id.

    Treated municipalities and start years come from the programme (``participation`` may be given
    to override, e.g. in a re-analysis), the comparison pool from the eligibility assessment. Raises
    :class:`DesignError` when the design cannot work: no treated municipality, an empty comparison pool.
    """
    if estimator not in ESTIMATORS:
        raise DesignError(f"estimator must be one of {', '.join(ESTIMATORS)}, not {estimator!r}")
    if comparison not in COMPARISONS:
        raise DesignError(f"comparison must be one of {', '.join(COMPARISONS)}, not {comparison!r}")
    treated = _treated_units(engine, development_area, participation)
    if not treated:
        raise DesignError(f"development area {development_area!r} has no participating municipality yet; "
                          "register the plan once the programme has decided who takes part")
    pool = _comparison_units(engine, comparison, treated, participation, eligibility)
    if not pool:
        raise DesignError(f"the comparison pool {comparison!r} is empty for {development_area!r}: there is no valid comparison group")
    settings = dict(settings or {})
    first_year = int(first_year if first_year is not None else min(treated.values()))
    content = {
        "development_area": development_area, "outcome_variable": outcome_variable, "level": level,
        "estimator": estimator, "comparison": comparison, "first_year": first_year, "settings": settings,
        "treated": treated, "comparison_units": pool,
    }
    registered_at = now or datetime.now(timezone.utc)
    through = _latest_outcome_year(engine, outcome_variable, level)
    with transaction(engine) as db:
        if supersedes is not None:
            old = db.get(EvaluationPlan, supersedes)
            if old is None:
                raise DesignError(f"plan {supersedes} to supersede does not exist")
            old.status = "superseded"
        plan = EvaluationPlan(
            development_area=development_area, title=title or f"{outcome_variable} in {development_area}",
            outcome_variable=outcome_variable, level=level, estimator=estimator, comparison=comparison,
            first_year=first_year, settings=settings, registered_at=registered_at, registered_by=registered_by,
            outcome_data_through=through, plan_hash=plan_hash(content), supersedes_id=supersedes, status="registered",
        )
        db.add(plan)
        db.flush()
        db.add_all([EvaluationPlanUnit(plan_id=plan.id, area_code=code, role="treated", first_year=year)
                    for code, year in sorted(treated.items())])
        db.add_all([EvaluationPlanUnit(plan_id=plan.id, area_code=code, role="comparison") for code in pool])
        return plan.id


def _view(plan: EvaluationPlan, units: list[EvaluationPlanUnit]) -> PlanView:
    return PlanView(
        id=plan.id, development_area=plan.development_area, title=plan.title, outcome_variable=plan.outcome_variable,
        level=plan.level, estimator=plan.estimator, comparison=plan.comparison, first_year=plan.first_year,
        settings=dict(plan.settings or {}), registered_at=plan.registered_at, registered_by=plan.registered_by,
        outcome_data_through=plan.outcome_data_through, plan_hash=plan.plan_hash, status=plan.status,
        supersedes_id=plan.supersedes_id,
        treated={u.area_code: u.first_year for u in units if u.role == "treated"},
        comparison_units=sorted(u.area_code for u in units if u.role == "comparison"),
    )


def get_plan(engine: Engine, plan_id: int) -> PlanView:
    """The plan with its units; :class:`DesignError` if there is none with that id."""
    with session(engine) as db:
        plan = db.get(EvaluationPlan, plan_id)
        if plan is None:
            raise DesignError(f"there is no evaluation plan {plan_id}")
        units = list(db.scalars(select(EvaluationPlanUnit).where(EvaluationPlanUnit.plan_id == plan_id)))
        return _view(plan, units)


def list_plans(engine: Engine, development_area: str | None = None, status: str | None = "registered") -> list[PlanView]:
    """Plans (of one development area, if given), newest first."""
    with session(engine) as db:
        query = select(EvaluationPlan).order_by(EvaluationPlan.id.desc())
        if development_area is not None:
            query = query.where(EvaluationPlan.development_area == development_area)
        if status is not None:
            query = query.where(EvaluationPlan.status == status)
        plans = list(db.scalars(query))
        ids = [p.id for p in plans]
        units = list(db.scalars(select(EvaluationPlanUnit).where(EvaluationPlanUnit.plan_id.in_(ids)))) if ids else []
    by_plan: dict[int, list] = {}
    for u in units:
        by_plan.setdefault(u.plan_id, []).append(u)
    return [_view(p, by_plan.get(p.id, [])) for p in plans]


def attach_researcher(engine: Engine, user_id: int, development_area: str) -> None:
    """Attach a researcher (a user) to a development area: they then see its plans, runs and data."""
    with transaction(engine) as db:
        exists = db.scalar(select(func.count()).select_from(ResearcherArea).where(
            ResearcherArea.user_id == user_id, ResearcherArea.development_area == development_area))
        if not exists:
            db.add(ResearcherArea(user_id=user_id, development_area=development_area))


def researcher_areas(engine: Engine, user_id: int) -> set[str]:
    """The development areas a researcher is attached to."""
    with session(engine) as db:
        return set(db.scalars(select(ResearcherArea.development_area).where(ResearcherArea.user_id == user_id)))
