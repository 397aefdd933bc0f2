"""Grant decisions (one to three years), tranches, status and final reports, and settlement after the final
report (unpaid commitments released, overpayments reclaimed). Each step is one transaction of the caller."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from segreform.programme import ledger
from segreform.programme.applications import area_codes, get_application
from segreform.programme.audit import record
from segreform.programme.calls import get_call
from segreform.programme.clock import utcnow
from segreform.programme.errors import InvalidInput, NotAllowed, WrongState, require
from segreform.programme.money import format_sek
from segreform.programme.networks import add_member, ensure_network
from segreform.programme.validation import Message as M
from segreform.store.models.programme import Grant, GrantReport, LedgerEntry, Organisation


def decide(db: Session, *, application_id: int, amounts: dict[int, int], actor: str) -> Grant:
    """Grant ``amounts`` (year -> öre) to a submitted application and commit them in the ledger.

    The years must be consecutive, at most three, and within what was applied for; the grant may not exceed
    the amount applied for. The applicant joins the network of each development area it applied to.
    Everything happens in the caller's transaction: if any year's frame is exceeded, nothing is written.
    """
    application = get_application(db, application_id)
    if application.status != "submitted":
        raise WrongState(M("application %(id)s is %(status)s; only submitted ones can be granted", id=application_id,
                           status=M(application.status)))
    if application.eligible is False:  # evaluated at submission; no reason can override it
        raise NotAllowed(M("application %(id)s failed the eligibility rule and can never be granted", id=application_id))
    if not amounts:
        raise InvalidInput("amounts", M("give at least one year's amount"))
    years = sorted(amounts)
    if years != list(range(years[0], years[0] + len(years))) or len(years) > 3:
        raise InvalidInput("amounts", M("years %(years)s must be consecutive and at most three",
                                        years=", ".join(map(str, years))))
    applied = range(application.start_year, application.start_year + application.years)
    if years[0] not in applied or years[-1] not in applied:
        raise InvalidInput("amounts", M("years %(years)s are outside the years applied for (%(first)s–%(last)s)",
                                        years=", ".join(map(str, years)), first=applied.start, last=applied.stop - 1))
    total = sum(amounts.values())
    if total > application.requested_ore:
        raise InvalidInput("amounts", M("%(total)s is more than the %(requested)s applied for", total=format_sek(total),
                                        requested=format_sek(application.requested_ore)))
    call = get_call(db, application.call_id)
    grant = Grant(application_id=application_id, reform_code=call.reform_code, start_year=years[0],
                  end_year=years[-1], status="active", decided_by=actor, decided_at=utcnow())
    db.add(grant)
    db.flush()
    for year in years:  # ascending order: two decisions lock years in the same order and cannot deadlock
        ledger.commit(db, year=year, reform_code=call.reform_code, amount_ore=amounts[year], actor=actor,
                      grant_id=grant.id, note=f"decision on application {application_id}")
    application.status = "granted"
    for code in area_codes(db, application_id):
        network = ensure_network(db, code)
        add_member(db, network.id, application.organisation_id, years[0], actor)
    record(db, actor, "grant.decide", "grant", grant.id, application=application_id,
           amounts={str(y): a for y, a in amounts.items()})
    return grant


def reject(db: Session, *, application_id: int, reason: str, actor: str) -> None:
    application = get_application(db, application_id)
    if application.status != "submitted":
        raise WrongState(M("application %(id)s is %(status)s; only submitted ones can be rejected", id=application_id,
                           status=M(application.status)))
    application.status = "rejected"
    record(db, actor, "application.reject", "application", application_id, reason=reason)


def pay_tranche(db: Session, *, grant_id: int, year: int, amount_ore: int, actor: str) -> LedgerEntry:
    """Pay the next tranche of a grant's money for ``year``."""
    grant = get_grant(db, grant_id)
    if grant.status != "active":
        raise WrongState(M("grant %(id)s is %(status)s; payments stop after the final report", id=grant_id,
                           status=M(grant.status)))
    count = db.scalar(select(func.count(LedgerEntry.id)).where(
        LedgerEntry.grant_id == grant_id, LedgerEntry.kind == "payment"))
    return ledger.pay(db, year=year, reform_code=grant.reform_code, grant_id=grant_id, amount_ore=amount_ore,
                      actor=actor, tranche=int(count) + 1, note=f"tranche {int(count) + 1}")


def submit_report(db: Session, *, grant_id: int, kind: str, year: int, text: str, spent_ore: int,
                  actor: str) -> GrantReport:
    """A status report (autumn) or the final report; the final one is settled with :func:`settle`."""
    grant = get_grant(db, grant_id)
    if kind not in ("status", "final"):
        raise InvalidInput("kind", M("a report is 'status' or 'final'"))
    if not text.strip():
        raise InvalidInput("text", M("the report needs a text"))
    if spent_ore < 0:
        raise InvalidInput("spent_ore", M("cannot be negative"))
    if kind == "final" and grant.status != "active":
        raise WrongState(M("grant %(id)s already has a final report", id=grant_id))
    report = GrantReport(grant_id=grant_id, kind=kind, year=year, text=text, spent_ore=spent_ore,
                         submitted_at=utcnow())
    db.add(report)
    record(db, actor, f"grant.report.{kind}", "grant", grant_id, year=year, spent_ore=spent_ore)
    return report


@dataclass(frozen=True)
class Settlement:
    released_ore: int
    reclaimed_ore: int


def settle(db: Session, *, grant_id: int, actor: str) -> Settlement:
    """Close a grant after its final report: release unpaid commitments and reclaim what was paid but not spent."""
    grant = get_grant(db, grant_id)
    final = db.scalar(select(GrantReport).where(GrantReport.grant_id == grant_id, GrantReport.kind == "final")
                      .order_by(GrantReport.id.desc()))
    if final is None:
        raise WrongState(M("grant %(id)s has no final report yet", id=grant_id))
    if grant.status != "active":
        raise WrongState(M("grant %(id)s is already %(status)s", id=grant_id, status=M(grant.status)))
    released = 0
    years = range(grant.start_year, grant.end_year + 1)
    paid_by_year = {y: ledger.paid(db, y, grant_id=grant_id) for y in years}
    for year in years:
        unpaid = ledger.committed(db, year, grant_id=grant_id) - paid_by_year[year]
        if unpaid > 0:
            ledger.adjust(db, year=year, reform_code=grant.reform_code, grant_id=grant_id, delta_ore=-unpaid,
                          actor=actor, note="released after the final report")
            released += unpaid
    overpaid = sum(paid_by_year.values()) - final.spent_ore
    reclaimed = 0
    for year in reversed(years):  # reclaim from the latest payments first
        if overpaid <= 0:
            break
        amount = min(overpaid, paid_by_year[year])
        if amount > 0:
            ledger.reclaim(db, year=year, reform_code=grant.reform_code, grant_id=grant_id, amount_ore=amount,
                           actor=actor, note="reclaimed after the final report (återkrav)")
            reclaimed += amount
            overpaid -= amount
    grant.status = "closed"
    record(db, actor, "grant.settle", "grant", grant_id, released_ore=released, reclaimed_ore=reclaimed)
    return Settlement(released, reclaimed)


def get_grant(db: Session, grant_id: int) -> Grant:
    return require(db, Grant, grant_id, "grant")


def organisation_of(db: Session, grant: Grant) -> Organisation:
    return db.get(Organisation, get_application(db, grant.application_id).organisation_id)
