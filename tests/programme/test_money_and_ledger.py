"""Exact money, and a ledger that never lets commitments or payments exceed a frame."""

import pytest
from hypothesis import given, strategies as st
from sqlalchemy import func, select

from segreform.programme import grants, ledger
from segreform.programme.audit import history
from segreform.programme.errors import BudgetExceeded, InvalidInput
from segreform.programme.money import format_sek, parse_sek, split_evenly
from segreform.store import session, transaction
from segreform.store.models.programme import Application, AuditEntry, Grant, LedgerEntry

from programme_builders import MSEK, municipality, submitted


@pytest.mark.parametrize("text, ore", [("1 234 567,50", 123456750), ("1234567.5", 123456750), (1200, 120000),
                                       ("0,01", 1), ("250000000", 25_000_000_000)])
def test_parse_sek_is_exact(text, ore):
    assert parse_sek(text) == ore


@pytest.mark.parametrize("text", ["12,345", "-5", "tolv", 1.5, "NaN"])
def test_parse_sek_refuses_inexact_or_bad_amounts(text):
    with pytest.raises(InvalidInput, match="amount"):
        parse_sek(text)


def test_format_sek():
    assert format_sek(123456789) == "1 234 567,89 kr"
    assert format_sek(-5) == "-0,05 kr"


@given(st.integers(min_value=0, max_value=10**14), st.integers(min_value=1, max_value=3))
def test_split_evenly_sums_exactly(total, parts):
    amounts = split_evenly(total, parts)
    assert sum(amounts) == total and max(amounts) - min(amounts) <= 1


def test_commitment_beyond_the_frame_is_refused_with_numbers_and_writes_nothing(seeded):
    with transaction(seeded) as db:
        ledger.commit(db, year=2017, reform_code="r01", amount_ore=11 * MSEK, actor="t")
        for code in ("r02", "r03", "r04", "r05", "r06", "r07", "r08", "r09"):
            ledger.commit(db, year=2017, reform_code=code, amount_ore=11 * MSEK, actor="t")
    # 99 of 110 MSEK committed; r10's line (11 MSEK) would still allow 11, the frame allows 11: 11.01 is refused.
    with pytest.raises(BudgetExceeded) as refused:
        with transaction(seeded) as db:
            ledger.commit(db, year=2017, reform_code="r10", amount_ore=11 * MSEK + 1, actor="t")
    message = str(refused.value)
    assert "110 000 000,00 kr" in message or "11 000 000,00 kr" in message
    assert refused.value.requested_ore == 11 * MSEK + 1
    with session(seeded) as db:
        assert ledger.committed(db, 2017) == 99 * MSEK
        assert db.scalar(select(func.count()).select_from(LedgerEntry)) == 9
        assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "ledger.commitment")) == 9


def test_the_year_frame_binds_even_when_reform_lines_allow_more(seeded, tmp_path):
    with transaction(seeded) as db:
        for code in ("r01", "r02", "r03", "r04", "r05", "r06", "r07", "r08", "r09", "r10"):
            ledger.commit(db, year=2017, reform_code=code, amount_ore=11 * MSEK, actor="t")
        with pytest.raises(BudgetExceeded, match="frame is 110 000 000,00 kr"):
            ledger.commit(db, year=2017, reform_code="r01", amount_ore=1, actor="t")


def test_reform_budget_line_binds(seeded):
    with pytest.raises(BudgetExceeded, match="reform r03's budget line for 2018"):
        with transaction(seeded) as db:
            ledger.commit(db, year=2018, reform_code="r03", amount_ore=15_700_001_00, actor="t")


def test_money_must_be_integer_ore(seeded):
    with transaction(seeded) as db:
        with pytest.raises(InvalidInput, match="integer number of öre"):
            ledger.commit(db, year=2019, reform_code="r01", amount_ore=1.5, actor="t")


def test_grant_cycle_payments_reports_and_settlement(seeded, call_id):
    with transaction(seeded) as db:
        application_id = submitted(db, call_id, municipality(db), requested_msek=6, total_msek=8, years=2)
        grant = grants.decide(db, application_id=application_id, amounts={2019: 3 * MSEK, 2020: 3 * MSEK},
                              actor="officer")
        grant_id = grant.id
        grants.pay_tranche(db, grant_id=grant_id, year=2019, amount_ore=2 * MSEK, actor="officer")
        grants.pay_tranche(db, grant_id=grant_id, year=2019, amount_ore=1 * MSEK, actor="officer")
    with pytest.raises(BudgetExceeded, match="3 000 000,00 kr already paid"):
        with transaction(seeded) as db:
            grants.pay_tranche(db, grant_id=grant_id, year=2019, amount_ore=1, actor="officer")
    with transaction(seeded) as db:
        grants.pay_tranche(db, grant_id=grant_id, year=2020, amount_ore=1 * MSEK, actor="officer")
        grants.submit_report(db, grant_id=grant_id, kind="status", year=2019, text="autumn", spent_ore=2 * MSEK,
                             actor="municipality")
        grants.submit_report(db, grant_id=grant_id, kind="final", year=2020, text="final", spent_ore=35 * MSEK // 10,
                             actor="municipality")
        settlement = grants.settle(db, grant_id=grant_id, actor="officer")
    # 6 MSEK committed, 4 paid, 3.5 spent: 2 MSEK unpaid released, 0.5 MSEK reclaimed.
    assert settlement.released_ore == 2 * MSEK and settlement.reclaimed_ore == MSEK // 2
    with session(seeded) as db:
        assert ledger.committed(db, 2019, grant_id=grant_id) == 3 * MSEK
        assert ledger.committed(db, 2020, grant_id=grant_id) == 1 * MSEK
        assert ledger.paid(db, 2020, grant_id=grant_id) == MSEK // 2
        assert db.get(Grant, grant_id).status == "closed"
        tranches = [e.tranche for e in db.scalars(select(LedgerEntry).where(LedgerEntry.kind == "payment")
                                                  .order_by(LedgerEntry.id))]
        assert tranches == [1, 2, 3]


def test_decision_is_all_or_nothing_when_a_later_year_is_over_the_frame(seeded, call_id):
    with transaction(seeded) as db:
        application_id = submitted(db, call_id, municipality(db), requested_msek=18, total_msek=20, years=2)
        ledger.commit(db, year=2020, reform_code="r09", amount_ore=20 * MSEK, actor="t")  # r09 2020 line is 25 MSEK
    with pytest.raises(BudgetExceeded, match="2020"):
        with transaction(seeded) as db:
            grants.decide(db, application_id=application_id, amounts={2019: 9 * MSEK, 2020: 9 * MSEK}, actor="o")
    with session(seeded) as db:
        assert ledger.committed(db, 2019) == 0
        assert db.scalar(select(func.count()).select_from(Grant)) == 0
        assert db.get(Application, application_id).status == "submitted"


def test_decisions_run_at_most_three_consecutive_years_within_the_request(seeded, call_id):
    with transaction(seeded) as db:
        application_id = submitted(db, call_id, municipality(db), requested_msek=4, total_msek=5, years=3)
        with pytest.raises(InvalidInput, match="consecutive"):
            grants.decide(db, application_id=application_id, amounts={2019: MSEK, 2021: MSEK}, actor="o")
        with pytest.raises(InvalidInput, match="more than"):
            grants.decide(db, application_id=application_id, amounts={2019: 5 * MSEK}, actor="o")


def test_audit_log_is_append_only(seeded):
    with transaction(seeded) as db:
        ledger.commit(db, year=2019, reform_code="r01", amount_ore=100, actor="t")
    with pytest.raises(PermissionError, match="append-only"):
        with transaction(seeded) as db:
            entry = history(db, "ledger_entry")[0]
            entry.actor = "someone else"
    with pytest.raises(PermissionError, match="append-only"):
        with transaction(seeded) as db:
            db.delete(history(db, "ledger_entry")[0])
    with session(seeded) as db:
        assert history(db, "ledger_entry")[0].actor == "t"
