"""Sign-in throttling: growing delays after repeated failures, per account and per client address.

After :data:`FREE_FAILURES` failures for an account (or :data:`FREE_FAILURES_PER_ADDRESS` from one address,
which may be a whole office behind one router) each further failure blocks the key for twice as long as the
one before: 1 s, 2 s, 4 s … never more than :data:`MAX_DELAY`. Attempts during a block are refused before the
password is checked and do not count, so an attacker cannot lengthen a block beyond the cap and no account is
ever locked for good; a successful sign-in clears the account's failures, and failures are forgotten after
:data:`FORGET_AFTER` without one. The state is in the database, so every server worker sees the same count.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError

from segreform.programme import clock
from segreform.programme.clock import as_utc
from segreform.store.db import session, transaction
from segreform.store.models.security import LoginThrottle

FREE_FAILURES = 5
FREE_FAILURES_PER_ADDRESS = 20
BASE_DELAY = timedelta(seconds=1)
MAX_DELAY = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=24)


def account_key(email: str) -> str:
    return "account:" + email.strip().lower()[:300]


def address_key(address: str | None) -> str:
    return "address:" + (address or "unknown")[:300]


def _free(key: str) -> int:
    return FREE_FAILURES_PER_ADDRESS if key.startswith("address:") else FREE_FAILURES


def delay_after(failures: int, free: int = FREE_FAILURES) -> timedelta:
    """How long a key is blocked after its ``failures``-th failure (zero while failures are free)."""
    if failures < free:
        return timedelta(0)
    doublings = failures - free
    if doublings >= 20:  # 2**20 s is far beyond the cap
        return MAX_DELAY
    return min(BASE_DELAY * 2**doublings, MAX_DELAY)


def seconds_to_wait(engine: Engine, keys: list[str], now: datetime | None = None) -> int:
    """0 when a sign-in may be tried now, else the whole seconds until the longest block of ``keys`` ends."""
    now = now or clock.utcnow()
    with session(engine) as db:
        blocks = db.scalars(select(LoginThrottle.blocked_until).where(LoginThrottle.key.in_(keys))).all()
    ends = [as_utc(b) for b in blocks if b is not None and as_utc(b) > now]
    return math.ceil((max(ends) - now).total_seconds()) if ends else 0


def record_failure(engine: Engine, keys: list[str], now: datetime | None = None) -> None:
    now = now or clock.utcnow()
    for key in keys:
        for _ in range(3):  # another worker may insert the same key first: then update its row
            try:
                with transaction(engine) as db:
                    row = db.scalar(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update())
                    if row is None:
                        row = LoginThrottle(key=key, failures=0, last_failure_at=now)
                        db.add(row)
                    elif now - as_utc(row.last_failure_at) > FORGET_AFTER:
                        row.failures = 0
                    row.failures += 1
                    row.last_failure_at = now
                    delay = delay_after(row.failures, _free(key))
                    row.blocked_until = now + delay if delay else None
                break
            except IntegrityError:
                continue


def record_success(engine: Engine, email: str) -> None:
    """Clear the account's failures (not the address's: one good password must not reset an attacker's count)."""
    with transaction(engine) as db:
        db.execute(delete(LoginThrottle).where(LoginThrottle.key == account_key(email)))
