"""Issue 13 point 7: the demo's research page shows three plans of the invented participation, each evaluated on
the real bundled series with an estimate, an interval and a plot."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from segreform.data.loader import ensure_initialised
from segreform.programme import accounts
from segreform.programme.demo import load_demo
from segreform.research.demo import DEMO_LABEL, PLANS, demo_plan_ids, load_research_demo
from segreform.research.runs import list_runs
from segreform.store import transaction
from segreform.web.app import create_app

PASSWORD = "a-long-test-password"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
NUMBER = r"−?-?\d[\d\s\u00a0,.]*"


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """argon2id with minimal cost: this test checks the pages, not the hash's strength."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


def test_demo_research_page_shows_three_evaluated_plans_with_interval_and_plot(engine):
    ensure_initialised(engine, progress=False)
    load_demo(engine)
    runs = load_research_demo(engine)
    assert len(runs) == len(PLANS) == 3
    assert load_research_demo(engine) == []  # once: a second start adds nothing
    plan_ids = demo_plan_ids(engine)
    for plan_id in plan_ids:
        (run,) = list_runs(engine, plan_id)
        assert run.status == "ok", run.message
        assert run.releases and all(vintage == "bundled" for _dataset, vintage in run.releases), run.releases

    with transaction(engine) as db:
        accounts.create_user(db, email="officer@test.se", name="officer", role="officer", password=PASSWORD,
                             actor="test")
    client = TestClient(create_app(engine))
    token = CSRF_INPUT.search(client.get("/programme/login").text).group(1)
    signed_in = client.post("/programme/login", data={"email": "officer@test.se", "password": PASSWORD,
                                                      "csrf_token": token}, follow_redirects=False)
    assert signed_in.status_code == 303

    page = client.get("/research?lang=en").text
    rows = [row for row in re.findall(r"<tr>(.*?)</tr>", page, re.S) if DEMO_LABEL in row]
    assert len(rows) == 3
    for row in rows:
        cells = re.findall(r"<td>(.*?)</td>", row, re.S)
        estimate, interval = cells[7], cells[8]
        assert re.fullmatch(NUMBER, estimate.strip()), row
        assert re.fullmatch(f"{NUMBER} – {NUMBER}", interval.strip()), row
    for plan_id in plan_ids:
        plan_page = client.get(f"/research/plans/{plan_id}?lang=en").text
        assert 'class="figure"' in plan_page and 'data-figure="fig-' in plan_page, plan_id
        assert "/static/plotly" in plan_page  # plotly served by the app itself, never a CDN
