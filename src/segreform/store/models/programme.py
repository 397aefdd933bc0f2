"""Tables for the programme: structure, applications, review, selection, grants and ledger, networks,
reforms, accounts and the append-only audit log.

Money is always ``BigInteger`` öre (1 SEK = 100 öre): exact, and large enough for any state budget.
Municipalities are referenced by their kommunkod string (the data job owns the area tables).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from segreform.store.base import Base


# --- structure --------------------------------------------------------------------------------------

class ProgrammeYear(Base):
    """One year of the programme and its budget frame; the row every commitment locks."""

    __tablename__ = "prog_year"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    frame_ore: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(Text)
    lock_counter: Mapped[int] = mapped_column(Integer, default=0)
    programme_code: Mapped[str | None] = mapped_column(String(60), nullable=True)  # 0004: which programme
    __table_args__ = (CheckConstraint("frame_ore >= 0", name="frame_not_negative"),)


class FocusArea(Base):
    __tablename__ = "prog_focus_area"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    number: Mapped[int] = mapped_column(Integer)
    name_sv: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)


class DevelopmentArea(Base):
    __tablename__ = "prog_development_area"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    focus_area_code: Mapped[str] = mapped_column(ForeignKey("prog_focus_area.code"))
    name_sv: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)


class Organisation(Base):
    """A municipality, region, civil-society organisation, state agency or the delegation itself."""

    __tablename__ = "prog_organisation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(Text)
    kommunkod: Mapped[str | None] = mapped_column(String(4), nullable=True)
    lanskod: Mapped[str | None] = mapped_column(String(2), nullable=True)
    __table_args__ = (
        CheckConstraint(
            "kind in ('municipality','region','civil_society','agency','delegation','research')", name="kind_known"
        ),
    )


class Reform(Base):
    __tablename__ = "prog_reform"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    number: Mapped[int] = mapped_column(Integer)
    title_sv: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text)
    focus_area_code: Mapped[str] = mapped_column(ForeignKey("prog_focus_area.code"))
    agency_code: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="planned")
    source: Mapped[str] = mapped_column(Text)


class ReformBudgetLine(Base):
    """How much of a year's frame a reform may commit."""

    __tablename__ = "prog_reform_budget_line"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reform_code: Mapped[str] = mapped_column(ForeignKey("prog_reform.code"))
    year: Mapped[int] = mapped_column(ForeignKey("prog_year.year"))
    amount_ore: Mapped[int] = mapped_column(BigInteger)
    __table_args__ = (UniqueConstraint("reform_code", "year", name="uq_prog_reform_budget_line_reform_year"),)


class Milestone(Base):
    __tablename__ = "prog_milestone"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reform_code: Mapped[str] = mapped_column(ForeignKey("prog_reform.code"))
    title: Mapped[str] = mapped_column(Text)
    due_year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="planned")
    progress_pct: Mapped[int] = mapped_column(Integer, default=0)
    evidence: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (
        CheckConstraint("status in ('planned','in_progress','done')", name="status_known"),
        CheckConstraint("progress_pct between 0 and 100", name="progress_range"),
    )


# --- calls, applications, review --------------------------------------------------------------------

class Call(Base):
    """A call for applications: its year, deadline, who may apply, the co-funding cap and the rubric."""

    __tablename__ = "prog_call"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("prog_year.year"))
    title: Mapped[str] = mapped_column(Text)
    deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    applicant_kinds: Mapped[list] = mapped_column(JSON)
    reform_code: Mapped[str] = mapped_column(ForeignKey("prog_reform.code"))
    max_grant_share_pct: Mapped[int] = mapped_column(Integer, default=90)
    max_years: Mapped[int] = mapped_column(Integer, default=3)
    # 0004_programme_year: the call's life cycle and limits (segreform.programme.call_cycle)
    status: Mapped[str] = mapped_column(String(10), default="open", server_default="open")
    development_area_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    budget_years: Mapped[list | None] = mapped_column(JSON, nullable=True)
    min_amount_ore: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    max_amount_ore: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    required_attachments: Mapped[list | None] = mapped_column(JSON, nullable=True)


class Criterion(Base):
    __tablename__ = "prog_criterion"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("prog_call.id"))
    code: Mapped[str] = mapped_column(String(40))
    name_sv: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    weight: Mapped[int] = mapped_column(Integer)
    scale_min: Mapped[int] = mapped_column(Integer, default=1)
    scale_max: Mapped[int] = mapped_column(Integer, default=5)
    __table_args__ = (UniqueConstraint("call_id", "code", name="uq_prog_criterion_call_code"),)


class Application(Base):
    __tablename__ = "prog_application"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("prog_call.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("prog_organisation.id"))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    title: Mapped[str] = mapped_column(Text)
    plan: Mapped[str] = mapped_column(Text, default="")
    goals: Mapped[str] = mapped_column(Text, default="")
    time_plan: Mapped[str] = mapped_column(Text, default="")
    start_year: Mapped[int] = mapped_column(Integer)
    years: Mapped[int] = mapped_column(Integer, default=1)
    total_budget_ore: Mapped[int] = mapped_column(BigInteger)
    requested_ore: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # 0004_programme_year: eligibility evaluated at submission, with its evidence, and the measured need
    eligible: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    eligibility: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    need_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    __table_args__ = (
        CheckConstraint("status in ('draft','submitted','withdrawn','granted','rejected')", name="status_known"),
        CheckConstraint("requested_ore >= 0 and total_budget_ore >= 0", name="money_not_negative"),
    )


class ApplicationArea(Base):
    __tablename__ = "prog_application_area"
    application_id: Mapped[int] = mapped_column(ForeignKey("prog_application.id"), primary_key=True)
    development_area_code: Mapped[str] = mapped_column(ForeignKey("prog_development_area.code"), primary_key=True)


class Attachment(Base):
    __tablename__ = "prog_attachment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("prog_application.id"))
    filename: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class ConflictDeclaration(Base):
    """Jäv: a reviewer who declares a conflict may never see or score that application."""

    __tablename__ = "prog_conflict"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("prog_application.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("prog_user.id"))
    reason: Mapped[str] = mapped_column(Text)
    declared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("application_id", "user_id", name="uq_prog_conflict_application_user"),)


class ReviewAssignment(Base):
    __tablename__ = "prog_review_assignment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("prog_application.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("prog_user.id"))
    __table_args__ = (UniqueConstraint("application_id", "user_id", name="uq_prog_review_assignment_app_user"),)


class Score(Base):
    __tablename__ = "prog_score"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("prog_review_assignment.id"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("prog_criterion.id"))
    value: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (UniqueConstraint("assignment_id", "criterion_id", name="uq_prog_score_assignment_criterion"),)


# --- selection, grants, ledger ----------------------------------------------------------------------

class SelectionRun(Base):
    __tablename__ = "prog_selection_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("prog_year.year"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    constraints: Mapped[dict] = mapped_column(JSON)
    budget_ore: Mapped[int] = mapped_column(BigInteger)
    objective: Mapped[str] = mapped_column(String(40))
    limits: Mapped[list | None] = mapped_column(JSON, nullable=True)  # 0004: each limit, spent, binding
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(Text, nullable=True)


class SelectionItem(Base):
    __tablename__ = "prog_selection_item"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("prog_selection_run.id"))
    application_id: Mapped[int] = mapped_column(ForeignKey("prog_application.id"))
    selected: Mapped[bool] = mapped_column(Boolean)
    overridden: Mapped[bool] = mapped_column(Boolean, default=False)
    explanation: Mapped[str] = mapped_column(Text)
    reason: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # 0004: facts rendered per language
    probability: Mapped[float | None] = mapped_column(Float, nullable=True)  # 0004: stability bootstrap


class Grant(Base):
    """A decision to fund an application for one to three years, paid in tranches."""

    __tablename__ = "prog_grant"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("prog_application.id"), unique=True)
    reform_code: Mapped[str] = mapped_column(ForeignKey("prog_reform.code"))
    start_year: Mapped[int] = mapped_column(Integer)
    end_year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="active")
    decided_by: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # 0004: the selection run the grant follows, or the written reason for deciding outside it
    selection_run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    override_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    __table_args__ = (CheckConstraint("end_year - start_year between 0 and 2", name="at_most_three_years"),)


class LedgerEntry(Base):
    """One movement of money. Commitments and adjustments bind the frame; payments draw on commitments."""

    __tablename__ = "prog_ledger_entry"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("prog_year.year"))
    reform_code: Mapped[str] = mapped_column(ForeignKey("prog_reform.code"))
    grant_id: Mapped[int | None] = mapped_column(ForeignKey("prog_grant.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(20))
    amount_ore: Mapped[int] = mapped_column(BigInteger)
    tranche: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (
        CheckConstraint("kind in ('commitment','payment','adjustment','reclaim')", name="kind_known"),
    )


class GrantReport(Base):
    __tablename__ = "prog_grant_report"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("prog_grant.id"))
    kind: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    spent_ore: Mapped[int] = mapped_column(BigInteger)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (CheckConstraint("kind in ('status','final')", name="kind_known"),)


# --- networks, meetings, models of work -------------------------------------------------------------

class Network(Base):
    __tablename__ = "prog_network"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    development_area_code: Mapped[str] = mapped_column(ForeignKey("prog_development_area.code"), unique=True)
    name: Mapped[str] = mapped_column(Text)


class NetworkMember(Base):
    __tablename__ = "prog_network_member"
    network_id: Mapped[int] = mapped_column(ForeignKey("prog_network.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("prog_organisation.id"), primary_key=True)
    first_year: Mapped[int] = mapped_column(Integer)


class Meeting(Base):
    __tablename__ = "prog_meeting"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("prog_network.id"))
    level: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(Text)
    held_on: Mapped[date] = mapped_column(Date)
    agenda: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[str] = mapped_column(Text, default="")
    decisions: Mapped[str] = mapped_column(Text, default="")
    participants: Mapped[list] = mapped_column(JSON)
    # Minutes are for the network's members until an officer publishes them (0005_programme_people).
    published: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    __table_args__ = (
        CheckConstraint("level in ('political','management','practitioners')", name="level_known"),
    )


class ActionItem(Base):
    __tablename__ = "prog_action_item"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("prog_meeting.id"))
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class WorkModel(Base):
    """A model of work a network developed, with the evidence for it."""

    __tablename__ = "prog_work_model"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("prog_network.id"))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text, default="")
    evaluation_ref: Mapped[str | None] = mapped_column(Text, nullable=True)


# --- people, sessions, audit ------------------------------------------------------------------------

class User(Base):
    __tablename__ = "prog_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("prog_organisation.id"), nullable=True)
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set by an admin's reset or invitation: the one-time password must be replaced at the next sign-in.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    __table_args__ = (
        CheckConstraint(
            "role in ('admin','officer','reviewer','applicant','agency','researcher','public')", name="role_known"
        ),
    )


class WebSession(Base):
    """Server-side session: the cookie carries a random token; only its hash is stored."""

    __tablename__ = "prog_web_session"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("prog_user.id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """Append-only: the service layer only inserts, and the ORM refuses updates and deletes."""

    __tablename__ = "prog_audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str] = mapped_column(String(60))
    detail: Mapped[dict] = mapped_column(JSON)
