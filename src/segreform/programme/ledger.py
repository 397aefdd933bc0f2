"""The grant ledger: commitments and payments per year and reform that can never exceed the frames.

Every write locks the year's row first (``UPDATE prog_year ...``: a row lock on PostgreSQL, the write lock
on SQLite), then sums what is already there, so two officers committing at once are serialised and the
second one sees the first one's money. A refused write raises :class:`BudgetExceeded` with the numbers;
the caller's transaction then rolls back and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from segreform.programme.audit import record
from segreform.programme.clock import utcnow
from segreform.programme.errors import BudgetExceeded, InvalidInput, NotFound
from segreform.programme.money import format_sek
from segreform.programme.validation import Message as M
from segreform.store.models.programme import Grant, LedgerEntry, ProgrammeYear, Reform, ReformBudgetLine

# Commitments and adjustments bind the frame; payments draw on commitments; reclaims return payments.
BINDING_KINDS = ("commitment", "adjustment")


def lock_year(db: Session, year: int) -> ProgrammeYear:
    """Serialise all money movements of ``year`` until the caller's transaction ends."""
    result = db.execute(
        update(ProgrammeYear).where(ProgrammeYear.year == year)
        .values(lock_counter=ProgrammeYear.lock_counter + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 0:
        raise NotFound(M("year %(year)s is not in the programme; seed it first (segreform programme seed)", year=year))
    programme_year = db.get(ProgrammeYear, year, populate_existing=True)
    return programme_year


def _sum(db: Session, *conditions) -> int:
    return int(db.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_ore), 0)).where(*conditions)))


def committed(db: Session, year: int, *, reform_code: str | None = None, grant_id: int | None = None) -> int:
    """Money bound in ``year`` (commitments plus adjustments), optionally for one reform or grant."""
    conditions = [LedgerEntry.year == year, LedgerEntry.kind.in_(BINDING_KINDS)]
    if reform_code is not None:
        conditions.append(LedgerEntry.reform_code == reform_code)
    if grant_id is not None:
        conditions.append(LedgerEntry.grant_id == grant_id)
    return _sum(db, *conditions)


def paid(db: Session, year: int, *, reform_code: str | None = None, grant_id: int | None = None) -> int:
    """Net money paid out in ``year`` (payments less reclaims)."""
    conditions = [LedgerEntry.year == year]
    if grant_id is not None:
        conditions.append(LedgerEntry.grant_id == grant_id)
    if reform_code is not None:
        conditions.append(LedgerEntry.reform_code == reform_code)
    signed = case((LedgerEntry.kind == "reclaim", -LedgerEntry.amount_ore), else_=LedgerEntry.amount_ore)
    return int(db.scalar(
        select(func.coalesce(func.sum(signed), 0)).where(*conditions, LedgerEntry.kind.in_(("payment", "reclaim")))
    ))


def commit(db: Session, *, year: int, reform_code: str, amount_ore: int, actor: str,
           grant_id: int | None = None, note: str = "") -> LedgerEntry:
    """Bind ``amount_ore`` of ``year``'s frame (and the reform's budget line, where one is set).

    Raises
    ------
    BudgetExceeded
        With the frame, what is already committed and what was asked for.
    """
    _check_amount(amount_ore, allow_negative=False)
    frame = lock_year(db, year)
    if db.get(Reform, reform_code) is None:
        raise NotFound(M("reform %(code)r does not exist; see `segreform programme reforms`", code=reform_code))
    _check_room(db, frame, reform_code, amount_ore)
    return _append(db, year, reform_code, grant_id, "commitment", amount_ore, actor, note)


def adjust(db: Session, *, year: int, reform_code: str, grant_id: int, delta_ore: int, actor: str,
           note: str) -> LedgerEntry:
    """Change a grant's commitment in ``year`` by ``delta_ore`` (negative releases money back to the frame)."""
    _check_amount(delta_ore, allow_negative=True)
    frame = lock_year(db, year)
    if delta_ore > 0:
        _check_room(db, frame, reform_code, delta_ore)
    else:
        after = committed(db, year, grant_id=grant_id) + delta_ore
        already_paid = paid(db, year, grant_id=grant_id)
        if after < already_paid:
            raise BudgetExceeded(
                M("cannot lower grant %(id)s's %(year)s commitment to %(after)s: %(paid)s is already paid "
                  "(reclaim instead)", id=grant_id, year=year, after=format_sek(after), paid=format_sek(already_paid)),
                limit_ore=after, used_ore=already_paid, requested_ore=-delta_ore,
            )
    return _append(db, year, reform_code, grant_id, "adjustment", delta_ore, actor, note)


def pay(db: Session, *, year: int, reform_code: str, grant_id: int, amount_ore: int, actor: str,
        tranche: int, note: str = "") -> LedgerEntry:
    """Pay a tranche; a grant's payments in a year can never exceed its commitment in that year."""
    _check_amount(amount_ore, allow_negative=False)
    lock_year(db, year)
    bound, already = committed(db, year, grant_id=grant_id), paid(db, year, grant_id=grant_id)
    if already + amount_ore > bound:
        raise BudgetExceeded(
            M("payment of %(amount)s refused: grant %(id)s has %(bound)s committed in %(year)s and %(paid)s already "
              "paid (%(left)s left)", amount=format_sek(amount_ore), id=grant_id, bound=format_sek(bound), year=year,
              paid=format_sek(already), left=format_sek(bound - already)),
            limit_ore=bound, used_ore=already, requested_ore=amount_ore,
        )
    entry = _append(db, year, reform_code, grant_id, "payment", amount_ore, actor, note)
    entry.tranche = tranche
    return entry


def reclaim(db: Session, *, year: int, reform_code: str, grant_id: int, amount_ore: int, actor: str,
            note: str) -> LedgerEntry:
    """Record money the grantee must pay back (återkrav); never more than was paid."""
    _check_amount(amount_ore, allow_negative=False)
    lock_year(db, year)
    already = paid(db, year, grant_id=grant_id)
    if amount_ore > already:
        raise BudgetExceeded(
            M("reclaim of %(amount)s refused: only %(paid)s was paid in %(year)s", amount=format_sek(amount_ore),
              paid=format_sek(already), year=year),
            limit_ore=already, used_ore=already, requested_ore=amount_ore,
        )
    return _append(db, year, reform_code, grant_id, "reclaim", amount_ore, actor, note)


@dataclass(frozen=True)
class Position:
    year: int
    reform_code: str | None
    frame_ore: int
    committed_ore: int
    paid_ore: int

    @property
    def available_ore(self) -> int:
        return self.frame_ore - self.committed_ore


def position(db: Session, year: int) -> Position:
    """The year's frame, commitments and payments."""
    frame = db.get(ProgrammeYear, year)
    if frame is None:
        raise NotFound(M("year %(year)s is not in the programme", year=year))
    return Position(year, None, frame.frame_ore, committed(db, year), paid(db, year))


def report(db: Session, years: list[int] | None = None) -> list[Position]:
    """The ledger per year and per reform (rows with reform_code None are the year totals)."""
    all_years = [y.year for y in db.scalars(select(ProgrammeYear).order_by(ProgrammeYear.year))]
    rows: list[Position] = []
    for year in years or all_years:
        rows.append(position(db, year))
        for reform in db.scalars(select(Reform).order_by(Reform.number)):
            rows.append(Position(year, reform.code, reform_limit(db, year, reform.code),
                                 committed(db, year, reform_code=reform.code), paid(db, year, reform_code=reform.code)))
    return rows


def grants_outside_selection(db: Session, years: list[int] | None = None) -> dict[tuple[int, str], list[tuple[int, str]]]:
    """``{(year, reform): [(grant id, written reason), ...]}`` for grants that bind money in that year and reform
    but were decided outside a selection run (an override), so that every report can flag them."""
    query = (select(LedgerEntry.year, LedgerEntry.reform_code, Grant.id, Grant.override_reason)
             .join(Grant, Grant.id == LedgerEntry.grant_id)
             .where(LedgerEntry.kind.in_(BINDING_KINDS), Grant.selection_run_id.is_(None))
             .distinct().order_by(LedgerEntry.year, LedgerEntry.reform_code, Grant.id))
    if years:
        query = query.where(LedgerEntry.year.in_(years))
    found: dict[tuple[int, str], list[tuple[int, str]]] = {}
    for year, reform_code, grant_id, reason in db.execute(query):
        found.setdefault((year, reform_code), []).append((grant_id, reason or ""))
    return found


def reform_limit(db: Session, year: int, reform_code: str) -> int:
    """The reform's budget line for the year, or the whole frame where no line is set."""
    line = db.scalar(select(ReformBudgetLine.amount_ore).where(
        ReformBudgetLine.year == year, ReformBudgetLine.reform_code == reform_code))
    if line is not None:
        return int(line)
    return db.get(ProgrammeYear, year).frame_ore


def _check_room(db: Session, frame: ProgrammeYear, reform_code: str, amount_ore: int) -> None:
    used = committed(db, frame.year)
    if used + amount_ore > frame.frame_ore:
        raise BudgetExceeded(
            M("commitment of %(amount)s refused: %(year)s's frame is %(frame)s, %(used)s is already committed, "
              "%(left)s is left", amount=format_sek(amount_ore), year=frame.year, frame=format_sek(frame.frame_ore),
              used=format_sek(used), left=format_sek(frame.frame_ore - used)),
            limit_ore=frame.frame_ore, used_ore=used, requested_ore=amount_ore,
        )
    limit = reform_limit(db, frame.year, reform_code)
    used_reform = committed(db, frame.year, reform_code=reform_code)
    if used_reform + amount_ore > limit:
        raise BudgetExceeded(
            M("commitment of %(amount)s refused: reform %(reform)s's budget line for %(year)s is %(limit)s, "
              "%(used)s is already committed, %(left)s is left", amount=format_sek(amount_ore), reform=reform_code,
              year=frame.year, limit=format_sek(limit), used=format_sek(used_reform), left=format_sek(limit - used_reform)),
            limit_ore=limit, used_ore=used_reform, requested_ore=amount_ore,
        )


def _check_amount(amount_ore: int, *, allow_negative: bool) -> None:
    if isinstance(amount_ore, bool) or not isinstance(amount_ore, int):
        raise InvalidInput("amount_ore", M("must be an integer number of öre, got %(kind)s", kind=type(amount_ore).__name__))
    if amount_ore == 0 or (amount_ore < 0 and not allow_negative):
        raise InvalidInput("amount_ore", M("must be a positive number of öre"))


def _append(db, year, reform_code, grant_id, kind, amount_ore, actor, note) -> LedgerEntry:
    entry = LedgerEntry(year=year, reform_code=reform_code, grant_id=grant_id, kind=kind,
                        amount_ore=amount_ore, created_at=utcnow(), note=note)
    db.add(entry)
    db.flush()
    record(db, actor, f"ledger.{kind}", "ledger_entry", entry.id, year=year, reform=reform_code,
           grant=grant_id, amount_ore=amount_ore, note=note)
    return entry
