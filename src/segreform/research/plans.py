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

from segreform import __version__
from segreform.data.queries import observations
from segreform.evaluate.panel import DesignError
from segreform.programme import participation as programme_participation
from segreform.research.decisions import comparison_pool, granted_units, treated_units
from segreform.research.estimators import resolve_settings
from segreform.research.power import minimum_detectable_effect
from segreform.store.db import session, transaction
from segreform.store.models.evaluation import EvaluationPlan, EvaluationPlanUnit, ResearcherArea

ESTIMATORS = ("did", "synth", "sdid")  # segreform.research.estimators.FUNCTIONS
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
    package_version: str | None = None
    power: dict | None = None
    pool_evidence: dict | None = None

    @property
    def mde(self) -> float | None:
        return None if not self.power else self.power.get("mde")

    @property
    def registered_before_outcomes(self) -> bool:
        """True when no outcome for a treated year was in the store at registration."""
        return self.outcome_data_through is None or self.outcome_data_through < min(self.treated.values(), default=self.first_year)


def _treated_units(engine: Engine, development_area: str, participation: pd.DataFrame | None) -> dict[str, int]:
    if participation is None:
        return treated_units(engine, development_area)
    rows = participation[participation["development_area"] == development_area]
    return {str(k): int(y) for k, y in zip(rows["kommunkod"], rows["first_year"])}


def _in_programme(engine: Engine, participation: pd.DataFrame | None) -> set[str]:
    """Municipalities treated by the programme in any development area (by grant or network membership)."""
    codes = set(granted_units(engine)["kommunkod"].astype(str))
    frame = programme_participation(engine) if participation is None else participation
    return codes | set(frame["kommunkod"].astype(str))


def _comparison_units(engine: Engine, comparison: str, development_area: str, treated: dict[str, int],
                      participation: pd.DataFrame | None, eligibility: pd.DataFrame | None) -> tuple[list[str], dict]:
    # A municipality in any development area is treated by the programme: never a comparison.
    in_programme = _in_programme(engine, participation) | set(treated)
    if eligibility is None:
        try:
            pool = comparison_pool(engine, comparison, development_area, treated, in_programme)
        except DesignError:
            raise
        except Exception as exc:  # the barometer inputs are not loaded yet
            raise DesignError(f"the comparison pool needs the programme's eligibility assessment, which failed: {exc}") from exc
        return pool.units, pool.evidence
    # A given eligibility table (a re-analysis, or a test) replaces the assessment from the stored data.
    codes = eligibility["kommunkod"].astype(str)
    eligible = eligibility["eligible"].astype(bool)
    if comparison == "never_eligible":
        pool = codes[~eligible]
    elif comparison == "eligible_not_selected":
        pool = codes[eligible]
    else:
        pool = codes
    return sorted(set(pool) - in_programme), {"rule": f"{comparison} from the given eligibility table"}


def _latest_outcome_year(engine: Engine, variable: str, level: str) -> int | None:
    frame = observations(engine, variable, level=level)
    frame = frame[frame["value"].notna()]
    return int(frame["year"].max()) if not frame.empty else None


def plan_hash(content: dict) -> str:
    """SHA-256 of the plan's canonical JSON: what was registered, byte for byte."""
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def plan_content(*, development_area: str, outcome_variable: str, level: str, estimator: str, comparison: str,
                 first_year: int, settings: dict, treated: dict[str, int], comparison_units: list[str],
                 package_version: str | None) -> dict:
    """What the hash covers: the plan, its units, the estimator with every setting, the package version."""
    content = {
        "development_area": development_area, "outcome_variable": outcome_variable, "level": level,
        "estimator": estimator, "comparison": comparison, "first_year": int(first_year), "settings": settings,
        "treated": {str(k): int(v) for k, v in treated.items()}, "comparison_units": sorted(comparison_units),
    }
    if package_version is not None:  # plans registered before 0009_research were hashed without it
        content["package_version"] = package_version
    return content


def stored_hash(plan: "PlanView") -> str:
    """The hash of the plan as it is stored now (compare with ``plan.plan_hash``, the registered one)."""
    return plan_hash(plan_content(
        development_area=plan.development_area, outcome_variable=plan.outcome_variable, level=plan.level,
        estimator=plan.estimator, comparison=plan.comparison, first_year=plan.first_year, settings=plan.settings,
        treated=plan.treated, comparison_units=plan.comparison_units, package_version=plan.package_version))


@dataclass
class Draft:
    """A plan before it is frozen: its hashed content, the comparison pool's evidence and its power."""

    content: dict
    pool_evidence: dict
    power: dict | None

    @property
    def mde(self) -> float | None:
        return None if self.power is None else self.power.get("mde")


def draft_plan(
    engine: Engine,
    *,
    development_area: str,
    outcome_variable: str,
    estimator: str = "did",
    comparison: str = "never_eligible",
    level: str = "kommun",
    first_year: int | None = None,
    settings: dict | None = None,
    participation: pd.DataFrame | None = None,
    eligibility: pd.DataFrame | None = None,
    power: bool = True,
) -> Draft:
    """Everything registration freezes, computed without storing: shown to the researcher before freezing.

    Raises :class:`DesignError` when the design cannot work (unknown estimator or setting, no treated
    municipality, an empty comparison pool).
    """
    if comparison not in COMPARISONS:
        raise DesignError(f"comparison must be one of {', '.join(COMPARISONS)}, not {comparison!r}")
    settings = resolve_settings(estimator, settings)
    treated = _treated_units(engine, development_area, participation)
    if not treated:
        raise DesignError(f"development area {development_area!r} has no participating municipality yet; "
                          "register the plan once the programme has decided who takes part")
    pool, evidence = _comparison_units(engine, comparison, development_area, treated, participation, eligibility)
    if not pool:
        raise DesignError(f"the comparison pool {comparison!r} is empty for {development_area!r}: there is no valid comparison group")
    content = plan_content(
        development_area=development_area, outcome_variable=outcome_variable, level=level, estimator=estimator,
        comparison=comparison, first_year=int(first_year if first_year is not None else min(treated.values())),
        settings=settings, treated=treated, comparison_units=pool, package_version=__version__)
    mde = None
    if power:
        from segreform.research.runs import build_dataset  # import cycle: runs imports plans

        data = build_dataset(engine, outcome_variable, level, treated, pool, comparison)
        mde = minimum_detectable_effect(data.frame, estimator=estimator, treated=treated, settings=settings,
                                        alpha=1 - float(settings.get("ci", 0.95)))
    return Draft(content, evidence, mde)


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
    power: bool = True,
    now: datetime | None = None,
) -> int:
    """Register (freeze) an evaluation plan for ``development_area``; returns its id.

    Treated municipalities and start years come from the programme's grants (``participation`` may be given
    to override, e.g. in a re-analysis), the comparison pool from the selection run and eligibility before
    treatment (:mod:`segreform.research.decisions`). Every estimator setting is resolved and hashed with the
    plan and the package version; with ``power`` the minimum detectable effect is computed and stored.
    Raises :class:`DesignError` when the design cannot work.
    """
    draft = draft_plan(engine, development_area=development_area, outcome_variable=outcome_variable,
                       estimator=estimator, comparison=comparison, level=level, first_year=first_year,
                       settings=settings, participation=participation, eligibility=eligibility, power=power)
    content = draft.content
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
            first_year=content["first_year"], settings=content["settings"], registered_at=registered_at,
            registered_by=registered_by, outcome_data_through=through, plan_hash=plan_hash(content),
            supersedes_id=supersedes, status="registered", package_version=content["package_version"],
            power=draft.power, pool_evidence=draft.pool_evidence,
        )
        db.add(plan)
        db.flush()
        db.add_all([EvaluationPlanUnit(plan_id=plan.id, area_code=code, role="treated", first_year=year)
                    for code, year in sorted(content["treated"].items())])
        db.add_all([EvaluationPlanUnit(plan_id=plan.id, area_code=code, role="comparison")
                    for code in content["comparison_units"]])
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
        package_version=plan.package_version, power=plan.power, pool_evidence=plan.pool_evidence,
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
