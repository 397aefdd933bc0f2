"""Every route in the app's route table, anonymous and as each role, with ids that exist and ids beyond any
database integer: no answer may be a server error (5xx)."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Route

from segreform.web.app import create_app

from test_web_access import ROLES, _client, _setup

pytestmark = pytest.mark.slow
HUGE = str(2**63)
PARAM = re.compile(r"{(\w+)}")


def _flatten(routes):
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI keeps an included router as one entry
        if included is not None:
            yield from _flatten(included.routes)
        else:
            yield route


def _routes(app) -> list[tuple[str, str]]:
    return [(method, route.path) for route in _flatten(app.routes) if isinstance(route, (APIRoute, Route))
            for method in sorted(route.methods - {"HEAD"})]


def test_no_route_answers_a_server_error_to_anyone(seeded, call_id):
    from segreform.data.loader import ensure_initialised

    ensure_initialised(seeded, progress=False)  # the barometer and eligibility need data to show
    ids = _setup(seeded, call_id)
    app = create_app(seeded)
    values = {"application_id": ids["own"], "attachment_id": ids["file"], "run_id": ids["run"],
              "grant_id": ids["grant"], "network_id": ids["network"], "meeting_id": ids["meeting"],
              "milestone_id": ids["m_boverket"], "plan_id": 1, "code": "1280", "level": "kommun",
              "table": "overview", "fmt": "csv", "call_id": call_id, "reform_code": "r07", "item_id": 1,
              "model_id": 1, "user_id": 2_000_000_000}  # no such user: the walk must not lock out its own roles
    routes = [(m, p) for m, p in _routes(app) if p != "/programme/logout"]  # signing out would end the walk
    assert len(routes) > 50
    unknown = {name for _, path in routes for name in PARAM.findall(path)} - set(values)
    assert unknown == set(), "add a value for these path parameters"
    failures, answered = [], {}
    for role in (*ROLES, "anonymous"):
        client, token = _client(app, role)
        for method, path in routes:
            for variant in ("real", "huge"):
                filled = PARAM.sub(lambda m: HUGE if variant == "huge" and m.group(1).endswith("_id")
                                   else str(values[m.group(1)]), path)
                if variant == "huge" and filled == PARAM.sub(lambda m: str(values[m.group(1)]), path):
                    continue  # no id in this path
                if method == "GET":
                    response = client.get(filled, params={"year": "2022"})
                else:
                    response = client.request(method, filled, data={"csrf_token": token}, follow_redirects=False)
                answered[(role, method, filled)] = response.status_code
                if response.status_code >= 500:
                    failures.append(f"{role} {method} {filled}: {response.status_code} {response.text[:200]}")
                if variant == "huge" and response.status_code not in (401, 403, 404, 422):
                    failures.append(f"{role} {method} {filled}: {response.status_code} for an id beyond any row")
    assert failures == []
    # The walk reached the routes' work, not only their doors.
    assert sum(1 for (role, _, _), status in answered.items() if role == "admin" and status < 400) > 30
