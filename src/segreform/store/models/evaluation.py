"""Tables for the evaluation job: pre-registered evaluation plans, their units, and every run kept.

A plan is frozen once registered (its text is hashed); a change is a new plan that supersedes it.
Runs are append-only: each keeps its result, the hash of its exact analysis data set and the data
vintages it read, so any past conclusion can be traced to the data it rested on.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from segreform.store.base import Base


class EvaluationPlan(Base):
    """What will be estimated for one development area, fixed before the outcome data arrive."""

    __tablename__ = "eval_plan"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    development_area: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(Text)
    outcome_variable: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(20))
    estimator: Mapped[str] = mapped_column(String(20))
    comparison: Mapped[str] = mapped_column(String(30))
    first_year: Mapped[int] = mapped_column(Integer)
    settings: Mapped[dict] = mapped_column(JSON)
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    registered_by: Mapped[str] = mapped_column(String(120))
    # The latest outcome year in the store when the plan was registered: what the authors could have seen.
    outcome_data_through: Mapped[int | None] = mapped_column(Integer, nullable=True)
    plan_hash: Mapped[str] = mapped_column(String(64))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("eval_plan.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="registered")
    # 0009_research: the package version the hash covers (None: registered before 0009, hashed without it),
    # the minimum detectable effect computed at registration, and how the comparison pool was drawn.
    package_version: Mapped[str | None] = mapped_column(String(40), nullable=True)
    power: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    pool_evidence: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    __table_args__ = (
        CheckConstraint("estimator in ('did','synth','sdid')", name="estimator_known"),
        CheckConstraint("comparison in ('never_eligible','eligible_not_selected','all_untreated')", name="comparison_known"),
        CheckConstraint("status in ('registered','superseded','withdrawn')", name="status_known"),
    )


class EvaluationPlanUnit(Base):
    """A municipality (or area) in a plan: treated with its start year, or in the comparison pool."""

    __tablename__ = "eval_plan_unit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("eval_plan.id", ondelete="CASCADE"), index=True)
    area_code: Mapped[str] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(20))
    first_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    __table_args__ = (
        UniqueConstraint("plan_id", "area_code", name="uq_eval_plan_unit_plan_area"),
        CheckConstraint("role in ('treated','comparison')", name="role_known"),
    )


class EvaluationRun(Base):
    """One estimation of a plan, kept forever: result (or the reason it was refused) and its inputs' fingerprint."""

    __tablename__ = "eval_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("eval_plan.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    trigger: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text, default="")
    data_hash: Mapped[str] = mapped_column(String(64))
    n_rows: Mapped[int] = mapped_column(Integer)
    result: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    __table_args__ = (
        CheckConstraint("trigger in ('manual','import','scheduled')", name="trigger_known"),
        CheckConstraint("status in ('ok','refused')", name="status_known"),
    )


class EvaluationRunVintage(Base):
    """A data release (dataset and vintage) that a run read."""

    __tablename__ = "eval_run_vintage"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("eval_run.id", ondelete="CASCADE"), index=True)
    dataset: Mapped[str] = mapped_column(String(120))
    vintage: Mapped[str] = mapped_column(String(60))
    __table_args__ = (UniqueConstraint("run_id", "dataset", "vintage", name="uq_eval_run_vintage_release"),)


class ResearcherArea(Base):
    """A researcher attached to a development area: they see its plans, runs and data in the workspace."""

    __tablename__ = "eval_researcher_area"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("prog_user.id", ondelete="CASCADE"), index=True)
    development_area: Mapped[str] = mapped_column(String(40))
    __table_args__ = (UniqueConstraint("user_id", "development_area", name="uq_eval_researcher_area_user_area"),)
