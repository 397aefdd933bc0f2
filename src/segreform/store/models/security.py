"""Tables for web hardening: sign-in throttling, queued PDF report jobs and per-install settings.

Throttling state lives in the database (not in a process) so that every server worker sees the same
failures; PDF jobs are rows so that any worker may make them and any worker may serve the finished file.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from segreform.store.base import Base


class LoginThrottle(Base):
    """Failed sign-ins for one key: ``account:<e-mail>`` or ``address:<client address>``."""

    __tablename__ = "sec_login_throttle"
    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ReportJob(Base):
    """One request for a run's PDF report: queued by a POST, made in the background, served by a GET."""

    __tablename__ = "sec_report_job"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("eval_run.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("prog_user.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    message: Mapped[str] = mapped_column(Text, default="")
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    __table_args__ = (
        CheckConstraint("status in ('queued','running','done','failed')", name="status_known"),
    )


class InstallSetting(Base):
    """A value that belongs to this installation (e.g. the demo accounts' random password)."""

    __tablename__ = "sec_install_setting"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
