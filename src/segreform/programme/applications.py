"""Applications: drafts, submission before the deadline, withdrawal and checked attachments."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from segreform.programme.audit import record
from segreform.programme.calls import get_call
from segreform.programme.clock import as_utc, utcnow
from segreform.programme.errors import InvalidInput, WrongState, require
from segreform.programme.money import format_sek, split_evenly
from segreform.programme.validation import Message as M
from segreform.store.models.programme import (
    Application,
    ApplicationArea,
    Attachment,
    DevelopmentArea,
    Organisation,
)

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# Declared type -> the bytes a real file of that type starts with (None: must be UTF-8 text).
ATTACHMENT_TYPES: dict[str, bytes | None] = {
    "application/pdf": b"%PDF-",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": b"PK\x03\x04",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": b"PK\x03\x04",
    "application/vnd.oasis.opendocument.text": b"PK\x03\x04",
    "text/plain": None,
    "text/csv": None,
}
EDITABLE_FIELDS = ("title", "plan", "goals", "time_plan", "start_year", "years", "total_budget_ore", "requested_ore")
REQUIRED_TO_SUBMIT = ("title", "plan", "goals", "time_plan")


def create_draft(db: Session, *, call_id: int, organisation_id: int, development_areas: list[str], actor: str,
                 title: str, start_year: int, years: int, total_budget_ore: int, requested_ore: int,
                 plan: str = "", goals: str = "", time_plan: str = "") -> Application:
    """Start an application (a draft: it can be edited until it is submitted)."""
    call = get_call(db, call_id)
    organisation = require(db, Organisation, organisation_id, "organisation")
    if organisation.kind not in call.applicant_kinds:
        raise InvalidInput("organisation", M("a %(kind)s may not apply to this call (open to: %(kinds)s)",
                                             kind=organisation.kind, kinds=", ".join(call.applicant_kinds)))
    application = Application(call_id=call_id, organisation_id=organisation_id, status="draft", title=title,
                              plan=plan, goals=goals, time_plan=time_plan, start_year=start_year, years=years,
                              total_budget_ore=total_budget_ore, requested_ore=requested_ore, created_at=utcnow())
    _check_money_and_years(application, call)
    db.add(application)
    db.flush()
    set_areas(db, application, development_areas)
    record(db, actor, "application.create", "application", application.id, call=call_id)
    return application


def update_draft(db: Session, application_id: int, actor: str, development_areas: list[str] | None = None,
                 **fields) -> Application:
    """Change a draft's fields (names in ``EDITABLE_FIELDS``)."""
    application = get_application(db, application_id)
    if application.status != "draft":
        raise WrongState(M("application %(id)s is %(status)s; only drafts can be edited", id=application_id,
                           status=M(application.status)))
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(sorted(unknown)[0], M("cannot be edited; editable fields: %(fields)s",
                                                   fields=", ".join(EDITABLE_FIELDS)))
    for name, value in fields.items():
        setattr(application, name, value)
    _check_money_and_years(application, get_call(db, application.call_id))
    if development_areas is not None:
        set_areas(db, application, development_areas)
    record(db, actor, "application.update", "application", application_id, fields=sorted(fields))
    return application


def submit(db: Session, application_id: int, actor: str, now: datetime | None = None) -> Application:
    """Submit a draft; refused after the call's deadline or while required parts are missing."""
    application = get_application(db, application_id)
    call = get_call(db, application.call_id)
    now = now or utcnow()
    if application.status != "draft":
        raise WrongState(M("application %(id)s is %(status)s; only a draft can be submitted", id=application_id,
                           status=M(application.status)))
    deadline = as_utc(call.deadline)
    if now > deadline:
        raise WrongState(M("the deadline for '%(title)s' was %(deadline)s UTC; submission is closed. Contact the "
                           "delegation if you believe this is wrong.", title=call.title,
                           deadline=f"{deadline:%Y-%m-%d %H:%M}"))
    for name in REQUIRED_TO_SUBMIT:
        if not str(getattr(application, name) or "").strip():
            raise InvalidInput(name, M("is required before the application can be submitted"))
    if not area_codes(db, application_id):
        raise InvalidInput("development_areas", M("choose at least one development area"))
    _check_money_and_years(application, call)
    application.status, application.submitted_at = "submitted", now
    record(db, actor, "application.submit", "application", application_id)
    return application


def withdraw(db: Session, application_id: int, actor: str) -> Application:
    """Withdraw a draft or submitted application (granted ones are ended through the grant instead)."""
    application = get_application(db, application_id)
    if application.status not in ("draft", "submitted"):
        raise WrongState(M("application %(id)s is %(status)s; it can no longer be withdrawn", id=application_id,
                           status=M(application.status)))
    application.status = "withdrawn"
    record(db, actor, "application.withdraw", "application", application_id)
    return application


def add_attachment(db: Session, application_id: int, *, filename: str, content_type: str, content: bytes,
                   actor: str) -> Attachment:
    """Attach a file after checking its size, declared type and that its bytes match the type."""
    application = get_application(db, application_id)
    if application.status != "draft":
        raise WrongState(M("application %(id)s is %(status)s; attach files to drafts only", id=application_id,
                           status=M(application.status)))
    if content_type not in ATTACHMENT_TYPES:
        raise InvalidInput("attachment", M("%(file)s: type %(type)r is not accepted; use PDF, Word/ODF text, "
                                           "Excel, PNG, JPEG, plain text or CSV", file=filename, type=content_type))
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise InvalidInput("attachment", M("%(file)s is %(size)s bytes; the limit is %(limit)s bytes", file=filename,
                                           size=f"{len(content):,}", limit=f"{MAX_ATTACHMENT_BYTES:,}"))
    if not content:
        raise InvalidInput("attachment", M("%(file)s is empty", file=filename))
    signature = ATTACHMENT_TYPES[content_type]
    if signature is None:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("attachment", M("%(file)s is declared as text but is not UTF-8 text",
                                               file=filename)) from None
    elif not content.startswith(signature):
        raise InvalidInput("attachment", M("%(file)s does not look like %(type)s; its content is another type",
                                           file=filename, type=content_type))
    attachment = Attachment(application_id=application_id, filename=filename, content_type=content_type,
                            size_bytes=len(content), sha256=hashlib.sha256(content).hexdigest(), content=content)
    db.add(attachment)
    db.flush()
    record(db, actor, "application.attach", "application", application_id, filename=filename, size=len(content))
    return attachment


def get_application(db: Session, application_id: int) -> Application:
    return require(db, Application, application_id, "application")


def area_codes(db: Session, application_id: int) -> list[str]:
    return list(db.scalars(select(ApplicationArea.development_area_code)
                           .where(ApplicationArea.application_id == application_id)
                           .order_by(ApplicationArea.development_area_code)))


def set_areas(db: Session, application: Application, codes: list[str]) -> None:
    known = set(db.scalars(select(DevelopmentArea.code)))
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise InvalidInput("development_areas", M("unknown %(unknown)s; choose from %(known)s", unknown=unknown,
                                                   known=sorted(known)))
    db.execute(delete(ApplicationArea).where(ApplicationArea.application_id == application.id))
    for code in dict.fromkeys(codes):
        db.add(ApplicationArea(application_id=application.id, development_area_code=code))
    db.flush()


def yearly_amounts(application: Application) -> dict[int, int]:
    """The requested money per year: an even, exact split over the application's years."""
    amounts = split_evenly(application.requested_ore, application.years)
    return {application.start_year + offset: amount for offset, amount in enumerate(amounts)}


def grant_share_pct(application: Application) -> float:
    """The state's share of the total budget, in percent (for display; checks use integers)."""
    return 100.0 * application.requested_ore / application.total_budget_ore if application.total_budget_ore else 100.0


def _check_money_and_years(application: Application, call) -> None:
    for name in ("total_budget_ore", "requested_ore", "years", "start_year"):
        value = getattr(application, name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput(name, M("must be an integer, got %(value)r", value=value))
    if application.requested_ore <= 0:
        raise InvalidInput("requested_ore", M("must be positive"))
    if not 1 <= application.years <= call.max_years:
        raise InvalidInput("years", M("decisions run for 1 to %(max)s years, got %(years)s", max=call.max_years,
                                      years=application.years))
    if application.start_year < call.year:
        raise InvalidInput("start_year", M("cannot start before the call's year %(year)s", year=call.year))
    # The state's share may be at most max_grant_share_pct; compared in integers so that it is exact.
    if application.requested_ore * 100 > call.max_grant_share_pct * application.total_budget_ore:
        raise InvalidInput(
            "requested_ore",
            M("%(requested)s of a total budget of %(total)s is more than %(share)s %%; co-funding must cover at least "
              "%(cofunding)s %%", requested=format_sek(application.requested_ore),
              total=format_sek(application.total_budget_ore), share=call.max_grant_share_pct,
              cofunding=100 - call.max_grant_share_pct),
        )
