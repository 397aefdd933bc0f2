"""PDF reports as queued jobs: a request (POST) queues one, a worker prints it with chromium, a GET serves it.

Printing starts a browser, so it is never done inside a GET and never more than once at a time per server
process; each user may have one PDF being made and ask for at most :data:`MAX_PER_HOUR` an hour. The job is
a row, so whichever worker process claims it first makes it and every worker can serve the finished file.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Callable

from sqlalchemy import Engine, func, select, update

from segreform.programme import clock
from segreform.programme.clock import as_utc
from segreform.store.db import session, transaction
from segreform.store.models.security import ReportJob

MAX_OPEN_PER_USER = 1
MAX_PER_HOUR = 6
HOUR = timedelta(hours=1)
_one_printer = threading.Lock()  # one chromium at a time per process


class ReportLimit(Exception):
    """The user may not ask for another PDF now; ``retry_after`` seconds until they may (None: when the
    PDF being made is ready)."""

    def __init__(self, reason: str, retry_after: int | None):
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


@dataclass(frozen=True)
class JobState:
    id: int
    status: str
    message: str
    pdf: bytes | None


def latest(engine: Engine, run_id: int) -> JobState | None:
    """The newest job for the run that is finished, else the newest one at all (None: never asked for)."""
    with session(engine) as db:
        done = db.scalar(select(ReportJob).where(ReportJob.run_id == run_id, ReportJob.status == "done")
                         .order_by(ReportJob.id.desc()).limit(1))
        job = done or db.scalar(select(ReportJob).where(ReportJob.run_id == run_id).order_by(ReportJob.id.desc()).limit(1))
        return None if job is None else JobState(job.id, job.status, job.message, job.pdf)


def request_pdf(engine: Engine, run_id: int, user_id: int) -> int:
    """Queue a PDF of the run for the user; the job id. A finished or pending PDF of the run is reused.

    Raises :class:`ReportLimit` when the user has a PDF being made or has asked for too many this hour.
    """
    now = clock.utcnow()
    with transaction(engine) as db:
        existing = db.scalar(select(ReportJob.id).where(ReportJob.run_id == run_id,
                                                        ReportJob.status.in_(("queued", "running", "done")))
                             .order_by(ReportJob.id.desc()).limit(1))
        if existing is not None:
            return existing
        open_jobs = db.scalar(select(func.count()).select_from(ReportJob).where(
            ReportJob.user_id == user_id, ReportJob.status.in_(("queued", "running"))))
        if open_jobs >= MAX_OPEN_PER_USER:
            raise ReportLimit("a PDF you asked for is still being made; ask for the next one when it is ready", None)
        recent = list(db.scalars(select(ReportJob.requested_at).where(
            ReportJob.user_id == user_id, ReportJob.requested_at > now - HOUR).order_by(ReportJob.requested_at)))
        if len(recent) >= MAX_PER_HOUR:
            wait = (as_utc(recent[0]) + HOUR - now).total_seconds()
            raise ReportLimit(f"at most {MAX_PER_HOUR} PDF reports an hour", max(1, math.ceil(wait)))
        job = ReportJob(run_id=run_id, user_id=user_id, status="queued", requested_at=now, message="")
        db.add(job)
        db.flush()
        return job.id


def make_queued(engine: Engine, render_html: Callable[[int], str], print_pdf: Callable[[str, Path], Path]) -> int:
    """Make every queued PDF, one at a time; returns how many this call made. ``render_html(run_id)`` gives the
    report's HTML, ``print_pdf(html, path)`` prints it (chromium in production)."""
    made = 0
    with _one_printer:
        while True:
            with session(engine) as db:
                job = db.execute(select(ReportJob.id, ReportJob.run_id).where(ReportJob.status == "queued")
                                 .order_by(ReportJob.id).limit(1)).first()
            if not job:
                return made
            job_id, run_id = job
            with transaction(engine) as db:  # claim it: only one worker's update matches the queued row
                claimed = db.execute(update(ReportJob).where(ReportJob.id == job_id, ReportJob.status == "queued")
                                     .values(status="running")).rowcount
            if claimed != 1:
                continue
            status, message, pdf = "done", "", None
            try:
                html = render_html(run_id)
                with TemporaryDirectory() as tmp:
                    pdf = print_pdf(html, Path(tmp) / "report.pdf").read_bytes()
            except Exception as exc:  # the job records why; the server carries on
                status, message = "failed", str(exc) or type(exc).__name__
            with transaction(engine) as db:
                db.execute(update(ReportJob).where(ReportJob.id == job_id).values(
                    status=status, message=message, pdf=pdf, finished_at=clock.utcnow()))
            made += 1


def start_worker(engine: Engine, render_html: Callable[[int], str],
                 print_pdf: Callable[[str, Path], Path]) -> threading.Thread:
    """Make the queued PDFs in a background thread (the request that queued one returns at once)."""
    thread = threading.Thread(target=make_queued, args=(engine, render_html, print_pdf),
                              name="segreform-pdf-reports", daemon=True)
    thread.start()
    return thread

