"""Tables for the programme's people: the registry of state agencies with their contacts, researchers in
networks, models of work linked to meetings, and the history of milestone progress reports.

Created by migration ``0005_programme_people``; the columns it adds to existing tables (``prog_user``,
``prog_meeting``, ``prog_action_item``) are declared in :mod:`segreform.store.models.programme`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from segreform.store.base import Base


class AgencyRegistryEntry(Base):
    """A state agency the networks work with: names in both languages and whom to contact."""

    __tablename__ = "prog_agency_registry"
    organisation_id: Mapped[int] = mapped_column(ForeignKey("prog_organisation.id"), primary_key=True,
                                                 autoincrement=False)
    name_sv: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    contact_name: Mapped[str] = mapped_column(Text, default="")
    contact_email: Mapped[str] = mapped_column(String(200), default="")


class NetworkResearcher(Base):
    """A researcher (a user) who takes part in a network."""

    __tablename__ = "prog_network_researcher"
    network_id: Mapped[int] = mapped_column(ForeignKey("prog_network.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("prog_user.id"), primary_key=True)


class WorkModelMeeting(Base):
    """A model of work discussed or decided at a meeting."""

    __tablename__ = "prog_work_model_meeting"
    work_model_id: Mapped[int] = mapped_column(ForeignKey("prog_work_model.id"), primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("prog_meeting.id"), primary_key=True)


class MilestoneReport(Base):
    """One progress report on a milestone (by the agency or the delegation), kept as history."""

    __tablename__ = "prog_milestone_report"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("prog_milestone.id"), index=True)
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reported_by: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    progress_pct: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (
        CheckConstraint("status in ('planned','in_progress','done')", name="status_known"),
        CheckConstraint("progress_pct between 0 and 100", name="progress_range"),
    )
