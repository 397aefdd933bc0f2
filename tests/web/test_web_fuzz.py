"""A bounded schemathesis run over /openapi.json, anonymous and as a signed-in programme officer, on SQLite with
the bundled data: no generated request may get a server error (5xx). Seeds are fixed (derandomised hypothesis),
so a failure reproduces; the example count keeps the run within a few minutes."""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

pytestmark = pytest.mark.slow
MAX_EXAMPLES = 15
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "a-fuzzing-officer-password"


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    from segreform.data.loader import ensure_initialised
    from segreform.programme import accounts
    from segreform.programme.seeding import seed_programme
    from segreform.store import make_engine, transaction
    from segreform.web.app import create_app

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.sqlite'}")
    ensure_initialised(engine, progress=False)
    seed_programme(engine)
    with transaction(engine) as db:
        accounts.create_user(db, email="officer@fuzz.se", name="Officer", role="officer", password=PASSWORD, actor="t")
    app = create_app(engine)
    yield app
    engine.dispose()


@pytest.fixture(scope="module")
def officer_session(fuzz_app):
    """The session cookie and CSRF header of a signed-in officer (so that POST bodies reach the routes)."""
    from fastapi.testclient import TestClient

    client = TestClient(fuzz_app)
    token = CSRF_INPUT.search(client.get("/programme/login").text).group(1)
    response = client.post("/programme/login", data={"email": "officer@fuzz.se", "password": PASSWORD,
                                                     "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    csrf = CSRF_INPUT.search(client.get("/programme").text).group(1)
    return {"cookies": dict(client.cookies), "headers": {"X-CSRF-Token": csrf}}


@pytest.fixture(scope="module")
def api_schema(fuzz_app):
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)


@pytest.fixture(scope="module")
def tally(artifacts_dir):
    """Requests sent per run and operation, written to the artefacts folder (the numbers the docs quote)."""
    import json
    import time

    counts: dict[str, dict[str, int]] = {}
    started = time.monotonic()
    yield counts
    summary = {run: {"operations": len(ops), "requests": sum(ops.values())} for run, ops in counts.items()}
    summary["seconds"] = round(time.monotonic() - started, 1)
    (artifacts_dir / "fuzz-summary.json").write_text(json.dumps({"summary": summary, "per_operation": counts}, indent=1))


schema = schemathesis.pytest.from_fixture("api_schema")
# Eligibility assesses all 290 kommuner per request (seconds each): a few examples are enough for its one
# query parameter, so it runs on its own with fewer.
SLOW_OPERATION = "/api/programme/eligibility"


def fuzz_settings(examples: int):
    return settings(max_examples=examples, derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


def _call(case, tally, run: str, session: dict | None = None):
    response = case.call(**(session or {}))
    operations = tally.setdefault(run, {})
    key = case.operation.label
    operations[key] = operations.get(key, 0) + 1
    case.validate_response(response, checks=[not_a_server_error])


@schema.exclude(path=SLOW_OPERATION).parametrize()
@fuzz_settings(MAX_EXAMPLES)
def test_anonymous_requests_never_get_a_server_error(case, tally):
    _call(case, tally, "anonymous")


@schema.exclude(path=SLOW_OPERATION).parametrize()
@fuzz_settings(MAX_EXAMPLES)
def test_an_officers_requests_never_get_a_server_error(case, officer_session, tally):
    _call(case, tally, "officer", officer_session)


@schema.include(path=SLOW_OPERATION).parametrize()
@fuzz_settings(3)
def test_the_slow_operation_never_gets_a_server_error(case, officer_session, tally):
    _call(case, tally, "eligibility (officer)", officer_session)


# Random generation with a few examples per operation never drew what issue 11 found by hand (ids beyond the
# database integer, blank search text); these send those edges to every path and query parameter.
def _edge_requests(app):
    from boundary_requests import boundary_requests
    from fastapi.testclient import TestClient

    return boundary_requests(TestClient(app).get("/openapi.json").json(), exclude=(SLOW_OPERATION,))


def test_edge_values_of_every_parameter_never_get_a_server_error(fuzz_app, officer_session, tally):
    from boundary_requests import server_errors
    from fastapi.testclient import TestClient

    requests = _edge_requests(fuzz_app)
    assert len(requests) > 200  # every operation's ids, years and texts
    client = TestClient(fuzz_app, raise_server_exceptions=False)
    anonymous = server_errors(client, requests)
    officer = server_errors(TestClient(fuzz_app, raise_server_exceptions=False, cookies=officer_session["cookies"]),
                            requests, headers=officer_session["headers"])
    tally["edge values (anonymous + officer)"] = {"all operations": 2 * len(requests)}
    assert not anonymous + officer, "\n".join(anonymous + officer)


def test_the_edge_check_finds_the_server_errors_issue_11_found():
    """The check can fail: an app with the two faults of issue 11 (an id overflowing the database integer, a
    blank search reaching the search engine) is reported on both."""
    from boundary_requests import boundary_requests, server_errors
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    app = FastAPI()

    @app.get("/api/research/runs/{run_id}")
    def run(run_id: int):
        if run_id > 2**63 - 1:
            raise OverflowError("Python int too large to convert to SQLite INTEGER")
        return {"id": run_id}

    @app.get("/api/search")
    def search(q: str):
        if not q.strip():
            raise ValueError("empty search expression")
        return []

    client = TestClient(app, raise_server_exceptions=False)
    failures = server_errors(client, boundary_requests(client.get("/openapi.json").json()))
    assert any("/api/research/runs/9223372036854775808" in f and ": 500" in f for f in failures), failures
    assert any("/api/search?q=%20%20" in f for f in failures), failures
    assert not any("/api/research/runs/1 " in f or "runs/2147483647 " in f for f in failures), failures
