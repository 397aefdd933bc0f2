"""Fixtures for the programme's tests: a seeded programme and an open call."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from segreform.programme import calls
from segreform.programme.seeding import seed_programme
from segreform.store import transaction


@pytest.fixture
def seeded(engine):
    seed_programme(engine)
    return engine


@pytest.fixture
def call_id(seeded):
    with transaction(seeded) as db:
        return calls.create_call(db, year=2019, title="Test call 2019", reform_code="r09", actor="test",
                                 deadline=datetime(2019, 3, 31, 22, 0, tzinfo=timezone.utc),
                                 applicant_kinds=("municipality", "civil_society")).id


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """argon2id with minimal cost: the tests check the logic of accounts, not the hash's strength."""
    from argon2 import PasswordHasher

    from segreform.programme import accounts

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
