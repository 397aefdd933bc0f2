"""Concurrency and faults: officers committing money at once, reviewers scoring at once, a crash mid-decision.

The concurrent tests run on PostgreSQL (always there in CI), with real concurrent sessions in threads.
"""

import subprocess
import sys
import textwrap
import threading
import time

import pytest
from sqlalchemy import func, select

from segreform.programme import grants, ledger, review
from segreform.programme.errors import BudgetExceeded
from segreform.store import session, transaction
from segreform.store.models.programme import Application, AuditEntry, Grant, LedgerEntry

from programme_builders import MSEK, municipality, reviewer, submitted


def _postgres_only(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers are tested on PostgreSQL; SQLite serialises all writers by design")


def _run_in_threads(work, count):
    barrier, outcomes = threading.Barrier(count), []

    def run(n):
        barrier.wait()
        try:
            outcomes.append(("ok", work(n)))
        except BudgetExceeded as exc:
            outcomes.append(("refused", str(exc)))

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def test_two_officers_committing_at_once_never_exceed_the_frame(seeded):
    _postgres_only(seeded)

    def commit(n):
        with transaction(seeded) as db:
            entry = ledger.commit(db, year=2017, reform_code="r01", amount_ore=7 * MSEK, actor=f"officer{n}")
            time.sleep(0.3)  # hold the transaction open so that the other officer's commit overlaps it
            return entry.id

    outcomes = _run_in_threads(commit, 2)  # r01's 2017 line is 11 MSEK: only one 7 MSEK commitment fits
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"]
    assert "7 000 000,00 kr is already committed" in next(msg for kind, msg in outcomes if kind == "refused")
    with session(seeded) as db:
        assert ledger.committed(db, 2017, reform_code="r01") == 7 * MSEK


def test_many_concurrent_commitments_fill_the_line_exactly(seeded):
    _postgres_only(seeded)

    def commit(n):
        with transaction(seeded) as db:
            return ledger.commit(db, year=2018, reform_code="r02", amount_ore=3 * MSEK, actor=f"officer{n}").id

    outcomes = _run_in_threads(commit, 8)  # line 15.7 MSEK: five of eight fit
    assert sum(kind == "ok" for kind, _ in outcomes) == 5
    with session(seeded) as db:
        assert ledger.committed(db, 2018, reform_code="r02") == 15 * MSEK
        assert db.scalar(select(func.count()).select_from(LedgerEntry)) == 5


def test_two_reviewers_scoring_at_once_lose_nothing(seeded, call_id):
    _postgres_only(seeded)
    with transaction(seeded) as db:
        application_id = submitted(db, call_id, municipality(db))
        reviewers = [reviewer(db, 1), reviewer(db, 2)]
        for user_id in reviewers:
            review.assign(db, application_id=application_id, user_id=user_id, actor="officer")

    def score(n):
        with transaction(seeded) as db:
            review.score(db, application_id=application_id, user_id=reviewers[n], actor=f"r{n}",
                         scores={"relevance": 5 - n, "efficiency": 4, "sustainability": 4, "reporting": 4})
            time.sleep(0.2)

    assert [kind for kind, _ in _run_in_threads(score, 2)] == ["ok", "ok"]
    with session(seeded) as db:
        assert sorted(review.summarise(db, application_id).reviewer_scores) == sorted(reviewers)


def test_an_error_in_the_middle_of_a_decision_leaves_nothing_behind(seeded, call_id, monkeypatch):
    with transaction(seeded) as db:
        application_id = submitted(db, call_id, municipality(db), years=2, requested_msek=4, total_msek=5)
    real_commit, calls = ledger.commit, []

    def failing_commit(db, **kwargs):
        calls.append(kwargs["year"])
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_commit(db, **kwargs)

    monkeypatch.setattr(ledger, "commit", failing_commit)
    with pytest.raises(RuntimeError, match="disk full"):
        with transaction(seeded) as db:
            grants.decide(db, application_id=application_id, amounts={2019: 2 * MSEK, 2020: 2 * MSEK}, actor="o")
    assert calls == [2019, 2020]
    _assert_untouched(seeded, application_id)


def test_a_process_killed_in_the_middle_of_a_decision_leaves_nothing_behind(seeded, call_id):
    with transaction(seeded) as db:
        application_id = submitted(db, call_id, municipality(db), years=2, requested_msek=4, total_msek=5)
    script = textwrap.dedent(f"""
        import os
        from segreform.programme import grants, ledger
        from segreform.store import make_engine, transaction
        real = ledger.commit
        def commit_then_die(db, **kwargs):
            real(db, **kwargs)
            db.flush()
            os._exit(9)  # the process dies with the first year's commitment written but not committed
        ledger.commit = commit_then_die
        with transaction(make_engine({seeded.url.render_as_string(hide_password=False)!r})) as db:
            grants.decide(db, application_id={application_id}, amounts={{2019: 200000000, 2020: 200000000}}, actor="o")
    """)
    assert subprocess.run([sys.executable, "-c", script], timeout=120).returncode == 9
    _assert_untouched(seeded, application_id)


def _assert_untouched(engine, application_id):
    with session(engine) as db:
        assert db.scalar(select(func.count()).select_from(LedgerEntry)) == 0
        assert db.scalar(select(func.count()).select_from(Grant)) == 0
        assert db.get(Application, application_id).status == "submitted"
        assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action.like("grant%"))) == 0
