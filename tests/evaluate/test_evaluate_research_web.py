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


def _form_token(client, path: str) -> str:
    return CSRF_INPUT.search(client.get(path).text).group(1)


def _wait_for_pdf(client, url: str, timeout: float = 180.0):
    import time

    deadline = time.monotonic() + timeout
    while True:
        response = client.get(url)
        if response.status_code != 202 or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def test_a_get_never_prints_a_pdf_and_a_post_queues_one_job(workspace):
    app, run = workspace["app"], workspace["run"]
    printed = []

    def fake_printer(html, path):
        printed.append(html)
        path.write_bytes(b"%PDF-1.4 fake")
        return path

    app.state.print_pdf = fake_printer
    client = client_for(app, "researcher@test.se")
    url = f"/research/runs/{run}/report.pdf"
    for _ in range(3):
        first = client.get(url + "?lang=en")
        assert first.status_code == 404 and "No PDF of this report has been made yet." in first.text
    assert printed == []
    assert client.post(url, data={}).status_code == 403  # CSRF like every POST
    token = _form_token(client, url)
    queued = client.post(url, data={"csrf_token": token}, headers={"Accept": "application/json"})
    assert queued.status_code == 202
    served = _wait_for_pdf(client, url)
    assert served.status_code == 200 and served.content == b"%PDF-1.4 fake"
    assert len(printed) == 1 and "Plotly.newPlot" in printed[0]
    # asking again reuses the finished PDF: nothing is printed twice
    assert client.post(url, data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert client.get(url).content == b"%PDF-1.4 fake" and len(printed) == 1
    assert client_for(app, None).get(url).status_code == 401
    assert client_for(app, "other@test.se").get(url).status_code == 403


def test_pdf_requests_are_limited_per_user(workspace, engine):
    from segreform.research import report_jobs
    from segreform.store import session
    from segreform.store.models.security import ReportJob
    from datetime import timedelta

    from sqlalchemy import func, select

    from segreform.store import transaction

    app, run = workspace["app"], workspace["run"]
    app.state.print_pdf = lambda html, path: (_ for _ in ()).throw(RuntimeError("printer out of paper"))
    client = client_for(app, "researcher@test.se")
    url = f"/research/runs/{run}/report.pdf"
    token = _form_token(client, url)
    for attempt in range(report_jobs.MAX_PER_HOUR):
        assert client.post(url, data={"csrf_token": token}, headers={"Accept": "application/json"}).status_code == 202
        failed = _wait_for_pdf(client, url + "?lang=en")
        assert failed.status_code == 404 and "printer out of paper" in failed.text, attempt
    refused = client.post(url + "?lang=en", data={"csrf_token": token})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 3000
    assert "at most 6 PDF reports an hour" in refused.text
    swedish = client.post(url + "?lang=sv", data={"csrf_token": token})
    assert swedish.status_code == 429 and "PDF-rapporter i timmen" in swedish.text
    with session(engine) as db:
        assert db.scalar(select(func.count()).select_from(ReportJob)) == report_jobs.MAX_PER_HOUR
    # an hour later the user may ask again; a PDF already being made is reused, never queued twice
    with transaction(engine) as db:
        jobs = list(db.scalars(select(ReportJob).order_by(ReportJob.id)))
        for job in jobs:
            job.requested_at = job.requested_at - timedelta(hours=1, seconds=1)
        jobs[-1].status = "running"
    again = client.post(url, data={"csrf_token": token}, follow_redirects=False)
    assert again.status_code == 303
    pending = client.get(url + "?lang=en")
    assert pending.status_code == 202 and pending.headers["Retry-After"] == "5" and "being made" in pending.text
    with session(engine) as db:
        assert db.scalar(select(func.count()).select_from(ReportJob)) == report_jobs.MAX_PER_HOUR


@pytest.mark.slow
def test_report_pdf(workspace, engine):
    from segreform.research.report import find_chromium

    if engine.dialect.name != "sqlite":
        pytest.skip("the PDF is printed from the same HTML on every backend; printing it once is enough")
    if find_chromium() is None:
        from conftest import unavailable

        unavailable("chromium is not installed (apt-get install chromium)")
    client = client_for(workspace["app"], "researcher@test.se")
    url = f"/research/runs/{workspace['run']}/report.pdf"
    assert client.post(url, data={"csrf_token": _form_token(client, url)},
                       headers={"Accept": "application/json"}).status_code == 202
    response = _wait_for_pdf(client, url)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF") and len(response.content) > 20_000


@pytest.mark.browser
@pytest.mark.slow
def test_report_page_draws_its_figures_under_the_csp(workspace, engine, chromium_browser, app_server, artifacts_dir):
    if engine.dialect.name != "sqlite":
        pytest.skip("the same page on every backend; drawing it once is enough")
    with app_server(engine) as base:
        page = chromium_browser.new_page(base_url=base)
        console = []
        # HTTP statuses (no favicon; a researcher's redirect to the applications list is 403) are not the point here
        page.on("console", lambda m: m.type == "error" and not m.text.startswith("Failed to load resource")
                and console.append(m.text))
        page.on("pageerror", lambda e: console.append(str(e)))
        try:
            page.goto("/programme/login")
            page.fill("input[name=email]", "researcher@test.se")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.goto(f"/research/runs/{workspace['run']}/report.html")
            page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
            assert page.locator(".js-plotly-plot").count() >= 1
            page.screenshot(path=str(artifacts_dir / "security-report-csp.png"), full_page=False)
        finally:
            page.close()
    assert console == [], "\n".join(console)


def test_refusals_read_in_the_pages_language(workspace):
    anonymous = client_for(workspace["app"], None)
    page = anonymous.get("/research?lang=sv", headers={"accept": "text/html"})
    assert page.status_code == 401 and "logga in först" in page.text and "sign in first" not in page.text
    assert anonymous.get("/api/research/plans").json()["detail"].startswith("sign in first")  # JSON: English
    public = client_for(workspace["app"], "public@test.se")
    page = public.get(f"/research/plans/{workspace['plan']}?lang=sv", headers={"accept": "text/html"})
    assert page.status_code == 403 and "din roll (public) får inte se forskningsdelen" in page.text
    other = client_for(workspace["app"], "other@test.se")
    page = other.get(f"/research/plans/{workspace['plan']}?lang=sv", headers={"accept": "text/html"})
    assert page.status_code == 403 and "du är inte knuten till utvecklingsområdet DA-SCHOOL" in page.text
    page = other.get(f"/research/plans/{workspace['plan']}?lang=en", headers={"accept": "text/html"})
    assert "you are not attached to development area DA-SCHOOL" in page.text
