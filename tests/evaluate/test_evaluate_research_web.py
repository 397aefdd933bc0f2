"""The researcher workspace: who sees which plans, data exports with codebook, reports in HTML and PDF."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from evaluate_store_data import VARIABLE, add_areas, add_release, eligibility, participation
from segreform.research.plans import attach_researcher, register_plan
from segreform.research.runs import rerun_after_import
from segreform.programme import accounts
from segreform.store import transaction
from segreform.web.app import create_app

PASSWORD = "a-long-test-password"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """argon2id with minimal cost: these tests check access, not the hash's strength."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


@pytest.fixture
def workspace(engine):
    add_areas(engine)
    with transaction(engine) as db:
        users = {role: accounts.create_user(db, email=f"{role}@test.se", name=role, role=role, password=PASSWORD,
                                            actor="test").id
                 for role in ("researcher", "officer", "public")}
        other = accounts.create_user(db, email="other@test.se", name="other", role="researcher", password=PASSWORD,
                                     actor="test").id
    attach_researcher(engine, users["researcher"], "DA-SCHOOL")
    attach_researcher(engine, other, "DA-WORK")
    plan_id = register_plan(engine, development_area="DA-SCHOOL", outcome_variable=VARIABLE, registered_by="test",
                            comparison="all_untreated", participation=participation(), eligibility=eligibility(),
                            settings={"bootstrap": 49, "seed": 1})
    add_release(engine, "2024-03", range(2015, 2023))
    (run_id,) = rerun_after_import(engine)
    return {"app": create_app(engine), "plan": plan_id, "run": run_id}


def client_for(app, email: str | None) -> TestClient:
    client = TestClient(app)
    if email:
        token = CSRF_INPUT.search(client.get("/programme/login").text).group(1)
        response = client.post("/programme/login", data={"email": email, "password": PASSWORD, "csrf_token": token},
                               follow_redirects=False)
        assert response.status_code == 303
    return client


def test_who_may_see_what(workspace):
    app, plan, run = workspace["app"], workspace["plan"], workspace["run"]
    paths = ["/research", f"/api/research/plans/{plan}", f"/research/plans/{plan}/data.csv",
             f"/api/research/runs/{run}"]
    expected = {None: 401, "public@test.se": 403}
    for email, status in expected.items():
        client = client_for(app, email)
        assert {client.get(p).status_code for p in paths} == {status}, email
    other = client_for(app, "other@test.se")
    assert other.get("/api/research/plans").json() == []
    assert other.get(f"/api/research/plans/{plan}").status_code == 403
    for email in ("researcher@test.se", "officer@test.se"):
        client = client_for(app, email)
        assert [p["id"] for p in client.get("/api/research/plans").json()] == [plan]
        assert client.get(f"/api/research/runs/{run}").status_code == 200


def test_plan_page_lists_runs_with_vintages_in_both_languages(workspace):
    client = client_for(workspace["app"], "researcher@test.se")
    sv = client.get(f"/research/plans/{workspace['plan']}?lang=sv").text
    assert "Dataårgångar" in sv and "barometer_test 2024-03" in sv and "Registrerad innan utfallsdata fanns" in sv
    en = client.get(f"/research/plans/{workspace['plan']}?lang=en").text
    assert "Data vintages" in en and f"/research/runs/{workspace['run']}/report.pdf" in en


def test_exports_are_the_exact_analysis_data_with_codebook(workspace):
    client = client_for(workspace["app"], "researcher@test.se")
    plan = workspace["plan"]
    csv = pd.read_csv(io.StringIO(client.get(f"/research/plans/{plan}/data.csv").text), dtype={"area_code": str})
    parquet = pd.read_parquet(io.BytesIO(client.get(f"/research/plans/{plan}/data.parquet").content))
    assert len(csv) == len(parquet) == 23 * 8  # 24 kommuner, less 0130 (treated in another area)
    assert list(csv.columns) == list(parquet.columns)
    codebook = pd.read_csv(io.StringIO(client.get(f"/research/plans/{plan}/codebook.csv").text))
    assert list(codebook["column"]) == list(csv.columns)
    run = client.get(f"/api/research/runs/{workspace['run']}").json()
    assert run["n_rows"] == len(csv)
    assert run["result"]["estimator"] == "callaway_santanna"


def test_report_html_has_plots_estimate_diagnostics_and_caveats(workspace):
    client = client_for(workspace["app"], "officer@test.se")
    html = client.get(f"/research/runs/{workspace['run']}/report.html").text
    assert 'id="estimate"' in html and "95% interval" in html
    assert "Pre-trend test" in html and "Event study" in html and "Caveats" in html
    assert "barometer_test — 2024-03" in html


@pytest.mark.slow
def test_report_pdf(workspace, engine):
    from segreform.research.report import find_chromium

    if engine.dialect.name != "sqlite":
        pytest.skip("the PDF is printed from the same HTML on every backend; printing it once is enough")
    if find_chromium() is None:
        from conftest import unavailable

        unavailable("chromium is not installed (apt-get install chromium)")
    client = client_for(workspace["app"], "researcher@test.se")
    response = client.get(f"/research/runs/{workspace['run']}/report.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF") and len(response.content) > 20_000
