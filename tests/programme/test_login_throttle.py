"""Sign-in throttling: growing delays per account and per address, a clear 429, never a permanent lockout."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from segreform.programme import accounts, clock, login_throttle
from segreform.store import transaction
from segreform.web.app import create_app

PASSWORD = "the-right-password"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


class FakeClock:
    def __init__(self):
        self.now = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def fake_clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(clock, "utcnow", fake)
    return fake


@pytest.fixture
def app(engine):
    with transaction(engine) as db:
        for name in ("victim", "other"):
            accounts.create_user(db, email=f"{name}@test.se", name=name, role="officer", password=PASSWORD, actor="t")
    return create_app(engine)


def sign_in(client: TestClient, email: str, password: str, lang: str = "en"):
    token = CSRF_INPUT.search(client.get("/programme/login").text).group(1)
    return client.post(f"/programme/login?lang={lang}", data={"email": email, "password": password, "csrf_token": token},
                       follow_redirects=False)


def test_fifty_wrong_passwords_then_the_right_one_waits_for_the_delay(app, fake_clock):
    client = TestClient(app)
    statuses = [sign_in(client, "victim@test.se", f"wrong-{n}").status_code for n in range(50)]
    assert statuses[:login_throttle.FREE_FAILURES] == [401] * login_throttle.FREE_FAILURES
    assert set(statuses[login_throttle.FREE_FAILURES:]) == {429}  # refused unchecked while blocked
    refused = sign_in(client, "victim@test.se", PASSWORD)
    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert wait >= 1 and f"Try again in {wait} seconds" in refused.text
    swedish = sign_in(client, "victim@test.se", PASSWORD, lang="sv")
    assert swedish.status_code == 429 and "Försök igen om" in swedish.text
    fake_clock.advance(wait - 0.5)
    assert sign_in(client, "victim@test.se", PASSWORD).status_code == 429
    fake_clock.advance(1)
    assert sign_in(client, "victim@test.se", PASSWORD).status_code == 303


def test_delays_grow_and_are_capped_so_no_lockout_is_permanent(app, fake_clock):
    client = TestClient(app)
    waits = []
    for _ in range(login_throttle.FREE_FAILURES):
        assert sign_in(client, "victim@test.se", "wrong").status_code == 401
    for _ in range(14):
        blocked = sign_in(client, "victim@test.se", "wrong")
        assert blocked.status_code == 429
        waits.append(int(blocked.headers["Retry-After"]))
        fake_clock.advance(waits[-1])
        assert sign_in(client, "victim@test.se", "wrong").status_code == 401  # counted, and blocks for longer
    assert waits[:5] == [1, 2, 4, 8, 16]
    assert max(waits) == login_throttle.MAX_DELAY.total_seconds()  # never longer than the cap
    fake_clock.advance(login_throttle.MAX_DELAY.total_seconds())
    assert sign_in(client, "victim@test.se", PASSWORD).status_code == 303  # the owner gets in after the cap
    assert sign_in(TestClient(app), "victim@test.se", "wrong").status_code == 401  # and the count starts over


def test_one_address_trying_many_accounts_is_throttled(app, fake_clock):
    client = TestClient(app)
    statuses = [sign_in(client, f"nobody{n}@test.se", "wrong").status_code
                for n in range(login_throttle.FREE_FAILURES_PER_ADDRESS + 1)]
    assert statuses[:-1] == [401] * login_throttle.FREE_FAILURES_PER_ADDRESS and statuses[-1] == 429
    assert sign_in(client, "other@test.se", PASSWORD).status_code == 429  # the address, not the account
    fake_clock.advance(2)
    assert sign_in(client, "other@test.se", PASSWORD).status_code == 303


def test_the_state_is_shared_by_every_worker(engine, app, fake_clock):
    # Two apps on one database stand for two server processes: failures at one block sign-in at the other.
    first, second = TestClient(app), TestClient(create_app(engine))
    for n in range(login_throttle.FREE_FAILURES):
        assert sign_in(first if n % 2 else second, "victim@test.se", "wrong").status_code == 401
    assert sign_in(second, "victim@test.se", PASSWORD).status_code == 429
