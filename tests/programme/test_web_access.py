"""The web layer: sign-in, CSRF on every form, both languages, and the role × endpoint matrix."""

import re
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from segreform.programme import accounts, applications, grants, networks, reforms, review, selection
from segreform.web import programme as programme_routes
from segreform.programme.seeding import ensure_organisation
from segreform.store import session, transaction
from segreform.store.models.programme import Application, Meeting, WebSession
from segreform.web.app import create_app

from programme_builders import MSEK, PASSWORD, draft, municipality, reviewer, scored, submitted

ROLES = ("admin", "officer", "reviewer", "applicant", "agency", "researcher", "public")
EVERYONE = set(ROLES) | {"anonymous"}
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def _setup(engine, call_id) -> dict:
    with transaction(engine) as db:
        malmo, goteborg = municipality(db), municipality(db, "1480", "Göteborg")
        ensure_organisation(db, kind="agency", code="boverket", name="Boverket")
        organisation = {"applicant": "kommun-1280", "agency": "boverket"}
        for role in ROLES:
            if role != "reviewer":
                accounts.create_user(db, email=f"{role}@test.se", name=role.title(), role=role, password=PASSWORD,
                                     actor="test", organisation_code=organisation.get(role))
        reviewer_id = reviewer(db, 1)
        own = submitted(db, call_id, malmo, title="own")
        other = submitted(db, call_id, goteborg, title="other")
        own_draft = draft(db, call_id, malmo, title="own draft")
        own_file = applications.add_attachment(db, own_draft, filename="plan.txt", content_type="text/plain",
                                               content=b"plan", actor="test").id
        funded = submitted(db, call_id, malmo, title="funded")
        scored(db, own, reviewer_id, 4)
        review.declare_conflict(db, application_id=other, user_id=reviewer_id, reason="conflict", actor="test")
        grant = grants.decide(db, application_id=funded, amounts={2019: 4 * MSEK}, actor="test")
        network = networks.ensure_network(db, "school")
        meeting = networks.add_meeting(db, network_id=network.id, level="political", title="m",
                                       held_on=date(2019, 5, 1), actor="test")
        _, run_id = selection.run_selection(db, year=2019, actor="test")
        boverket_milestone = reforms.add_milestone(db, reform_code="r07", title="m", due_year=2019, actor="test")
        police_milestone = reforms.add_milestone(db, reform_code="r02", title="m", due_year=2019, actor="test")
        return dict(own=own, other=other, draft=own_draft, grant=grant.id, network=network.id, call=call_id,
                    meeting=meeting.id, run=run_id, file=own_file,
                    m_boverket=boverket_milestone.id, m_police=police_milestone.id)


def _client(app, role: str) -> tuple[TestClient, str]:
    client = TestClient(app)
    page = client.get("/programme/login")
    token = CSRF_INPUT.search(page.text).group(1)
    if role == "anonymous":
        return client, token
    email = "reviewer1@test.se" if role == "reviewer" else f"{role}@test.se"
    response = client.post("/programme/login", data={"email": email, "password": PASSWORD, "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303, (role, response.text[:300])
    return client, CSRF_INPUT.search(client.get("/programme").text).group(1)


def _matrix() -> list[tuple[str, str, dict | None, set[str]]]:
    """(method, route, form, roles that get through); {own} etc. are filled in from the test data."""
    staff = {"admin", "officer"}
    signed_in = staff | {"reviewer", "applicant"}
    return [
        ("GET", "/programme", None, EVERYONE),
        ("GET", "/api/programme", None, EVERYONE),
        ("GET", "/programme/ledger", None, EVERYONE),
        ("GET", "/api/programme/ledger", None, EVERYONE),
        ("GET", "/programme/reforms", None, EVERYONE),
        ("GET", "/api/programme/reforms", None, EVERYONE),
        ("GET", "/programme/networks", None, EVERYONE),
        ("GET", "/api/programme/networks", None, EVERYONE),
        ("GET", "/api/programme/participation", None, EVERYONE),
        ("GET", "/programme/eligibility", None, EVERYONE),  # 503 here: no barometer data loaded
        ("GET", "/api/programme/eligibility", None, EVERYONE),
        ("GET", "/programme/login", None, EVERYONE),
        ("GET", "/programme/applications", None, signed_in),
        ("GET", "/api/programme/applications", None, signed_in),
        ("GET", "/programme/applications/{own}", None, signed_in),
        ("GET", "/api/programme/applications/{own}", None, signed_in),
        ("GET", "/api/programme/applications/{other}", None, staff),
        ("GET", "/programme/applications/{other}", None, staff),
        ("GET", "/programme/selection", None, staff),
        ("GET", "/programme/attachments/{file}", None, staff | {"applicant"}),  # the draft is nobody's to review
        ("POST", "/programme/applications", {"call_id": "{call}", "title": "t", "development_areas": "work",
                                             "start_year": 2019, "years": 1, "total_budget_sek": "100000",
                                             "requested_sek": "50000"}, {"applicant"}),
        ("POST", "/programme/applications/{other}/withdraw", {}, set()),
        ("POST", "/programme/applications/{draft}/attachments", "file", {"applicant"}),
        ("POST", "/programme/applications/{other}/attachments", "file", set()),
        ("POST", "/programme/applications/{draft}/submit", {}, {"applicant"}),
        ("POST", "/programme/applications/{own}/scores", {"score_relevance": "5"}, {"reviewer"}),
        ("POST", "/programme/applications/{other}/scores", {"score_relevance": "5"}, set()),
        ("POST", "/programme/applications/{other}/conflict", {"reason": "r"}, {"reviewer"}),  # already declared
        ("POST", "/programme/applications/{draft}/conflict", {"reason": "r"}, set()),  # not the reviewer's to see
        ("POST", "/programme/applications/{own}/reviewers", {"reviewer_email": "reviewer1@test.se"}, staff),
        ("POST", "/programme/selection", {"year": 2019}, staff),
        ("POST", "/programme/selection/{run}/override", {"application_id": "{own}", "include": "true",
                                                          "reason": "r"}, staff),
        ("POST", "/programme/applications/{own}/grant", {}, staff),
        ("POST", "/programme/grants/{grant}/payments", {"year": 2019, "amount_sek": "1000"}, staff),
        ("POST", "/programme/grants/{grant}/reports", {"kind": "status", "year": 2019, "text": "t",
                                                       "spent_sek": "10"}, {"applicant"}),
        ("POST", "/programme/networks/{network}/meetings", {"level": "political", "title": "t",
                                                            "held_on": "2019-05-01"}, staff),
        ("POST", "/programme/meetings/{meeting}/actions", {"description": "d", "owner": "o",
                                                           "due_on": "2019-06-01"}, staff),
        ("POST", "/programme/networks/{network}/models", {"title": "t", "description": "d"}, staff),
        ("POST", "/programme/milestones/{m_boverket}", {"status": "in_progress", "progress_pct": 10},
         staff | {"agency"}),
        ("POST", "/programme/milestones/{m_police}", {"status": "in_progress", "progress_pct": 10}, staff),
        ("POST", "/programme/applications/{own}/withdraw", {}, {"applicant"}),
    ]


# Without the barometer's data, eligibility answers 503 "load the data first" (tested on its own below).
NO_DATA_YET = {(503, "/programme/eligibility"), (503, "/api/programme/eligibility")}
ROUTE_PARAMS = {"own": "application_id", "other": "application_id", "draft": "application_id", "run": "run_id",
                "grant": "grant_id", "network": "network_id", "meeting": "meeting_id", "m_boverket": "milestone_id",
                "m_police": "milestone_id", "file": "attachment_id"}


def test_the_matrix_covers_every_programme_route():
    covered = {(method, path.format(**{k: "{" + v + "}" for k, v in ROUTE_PARAMS.items()}))
               for method, path, _, _ in _matrix()}
    routes = {(method, route.path) for route in programme_routes.router.routes for method in route.methods}
    # signing in and out is tested on its own below
    assert routes - covered == {("POST", "/programme/login"), ("POST", "/programme/logout")}


def test_every_role_on_every_endpoint(seeded, call_id):
    ids = _setup(seeded, call_id)
    app = create_app(seeded)
    clients = {role: _client(app, role) for role in (*ROLES, "anonymous")}
    wrong = []
    for method, route, form, allowed in _matrix():
        path = route.format(**ids)
        for role, (client, token) in clients.items():
            if method == "GET":
                response = client.get(path)
            elif form == "file":
                response = client.post(path, data={"csrf_token": token}, follow_redirects=False,
                                       files={"file": ("plan.txt", b"plan", "text/plain")})
            else:
                data = {k: str(v).format(**ids) for k, v in form.items()}
                response = client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)
            status = response.status_code
            if (status >= 500 and (status, path) not in NO_DATA_YET) or status == 422:  # a crash, or a form in this matrix that the route cannot read
                wrong.append(f"{role} {method} {path}: {status} (never expected)")
                continue
            # 400/409 are the domain refusing (e.g. already granted): the role got through the access check.
            got_in = status not in (401, 403, 404)
            if got_in != (role in allowed):
                wrong.append(f"{role} {method} {path}: {response.status_code}")
    assert wrong == []


def test_a_reviewer_cannot_declare_a_conflict_on_an_application_they_cannot_see(seeded, call_id):
    from segreform.store.models.programme import ConflictDeclaration

    ids = _setup(seeded, call_id)
    client, token = _client(create_app(seeded), "reviewer")

    def declarations():
        with session(seeded) as db:
            return db.scalar(select(func.count()).select_from(ConflictDeclaration))

    before = declarations()
    for application in (ids["draft"], 2**31 - 1):
        response = client.post(f"/programme/applications/{application}/conflict", headers={"Accept": "application/json"},
                               data={"reason": "r", "csrf_token": token})
        assert response.status_code == 404, response.text
        assert response.json()["detail"] == f"application {application} does not exist"
    assert declarations() == before
    assert client.post(f"/programme/applications/{ids['own']}/conflict", follow_redirects=False,
                       data={"reason": "r", "csrf_token": token}).status_code == 303
    assert declarations() == before + 1


def test_ids_and_years_beyond_the_database_integer_answer_422(seeded, call_id):
    ids = _setup(seeded, call_id)
    client, token = _client(create_app(seeded), "officer")
    for path in (f"/programme/applications/{2**31}", f"/api/programme/applications/{2**63}",
                 f"/programme/attachments/{2**64}", "/programme/selection?year=99999999999"):
        assert client.get(path).status_code == 422, path
    for path, form in ((f"/programme/grants/{2**31}/payments", {"year": 2019, "amount_sek": "1"}),
                       (f"/programme/grants/{ids['grant']}/payments", {"year": 2**63, "amount_sek": "1"}),
                       ("/programme/selection", {"year": 2019, "max_per_county": 2**40})):
        response = client.post(path, data={**form, "csrf_token": token}, headers={"Accept": "application/json"})
        assert response.status_code == 422, (path, response.text)
    # the milestone form takes its number as text and shows the refusal in the form (400), never raw JSON
    response = client.post(f"/programme/milestones/{ids['m_police']}", data={
        "status": "done", "progress_pct": 10**12, "csrf_token": token}, headers={"Accept": "application/json"})
    assert response.status_code == 400 and not response.text.startswith("{"), response.text[:300]


def test_a_municipality_sees_only_its_own_applications(seeded, call_id):
    ids = _setup(seeded, call_id)
    client, _ = _client(create_app(seeded), "applicant")
    titles = {row["title"] for row in client.get("/api/programme/applications").json()}
    assert titles == {"own", "own draft", "funded"}
    download = client.get(f"/programme/attachments/{ids['file']}")
    assert download.content == b"plan" and download.headers["content-disposition"].startswith("attachment;")
    reviewer_client, _ = _client(create_app(seeded), "reviewer")
    assert [row["id"] for row in reviewer_client.get("/api/programme/applications").json()] == [ids["own"]]


def test_posts_without_the_right_csrf_token_are_refused_and_write_nothing(seeded, call_id):
    ids = _setup(seeded, call_id)
    client, token = _client(create_app(seeded), "officer")
    form = {"level": "political", "title": "t", "held_on": "2019-05-01"}
    path = f"/programme/networks/{ids['network']}/meetings"

    def meetings():
        with session(seeded) as db:
            return db.scalar(select(func.count()).select_from(Meeting))

    before = meetings()
    assert client.post(path, data=form).status_code == 403
    assert client.post(path, data={**form, "csrf_token": "forged"}).status_code == 403
    assert client.post(path, data=form, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert meetings() == before
    assert client.post(path, data={**form, "csrf_token": token}, follow_redirects=False).status_code == 303
    assert client.post(path, data=form, headers={"X-CSRF-Token": token}, follow_redirects=False).status_code == 303
    assert meetings() == before + 2
    login = TestClient(create_app(seeded)).post("/programme/login", data={"email": "admin@test.se",
                                                                           "password": PASSWORD})
    assert login.status_code == 403  # the sign-in form needs its token too


def test_eligibility_without_barometer_data_says_what_to_do(seeded):
    response = TestClient(create_app(seeded)).get("/api/programme/eligibility")
    assert response.status_code == 503 and "load the barometer's data first" in response.json()["detail"]


def test_sign_in_failure_sign_out_and_bilingual_pages(seeded, call_id):
    _setup(seeded, call_id)
    app = create_app(seeded)
    client = TestClient(app)
    token = CSRF_INPUT.search(client.get("/programme/login?lang=en").text).group(1)
    failed = client.post("/programme/login?lang=en", data={"email": "admin@test.se", "password": "wrong-password!",
                                                           "csrf_token": token})
    assert failed.status_code == 401 and "Wrong e-mail or password" in failed.text
    client, token = _client(app, "admin")
    assert "Reformprogrammet 2017–2025" in client.get("/programme?lang=sv").text
    english = client.get("/programme?lang=en").text
    assert "The reform programme 2017–2025" in english and "110 000 000,00 kr" in english
    assert client.post("/programme/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert client.get("/api/programme/applications").status_code == 401
    with session(seeded) as db:
        assert db.scalar(select(func.count()).select_from(WebSession)) == 0


def test_refusals_show_the_reason_and_nothing_is_written(seeded, call_id):
    ids = _setup(seeded, call_id)
    client, token = _client(create_app(seeded), "officer")
    response = client.post(f"/programme/grants/{ids['grant']}/payments",
                           data={"year": 2019, "amount_sek": "4000000,01", "csrf_token": token})
    assert response.status_code == 409 and "utbetalningen på 4 000 000,01 kr nekas" in response.text  # Swedish page
    english = client.post(f"/programme/grants/{ids['grant']}/payments?lang=en",
                          data={"year": 2019, "amount_sek": "4000000,01", "csrf_token": token})
    assert english.status_code == 409 and "payment of 4 000 000,01 kr refused" in english.text
    api = client.post(f"/programme/grants/{ids['grant']}/payments", headers={"Accept": "application/json"},
                      data={"year": 2019, "amount_sek": "12,345", "csrf_token": token})
    assert api.status_code == 400 and "more than two decimals" in api.json()["error"]
    with session(seeded) as db:
        from segreform.programme import ledger

        assert ledger.paid(db, 2019) == 0
        assert db.get(Application, ids["own"]).status == "submitted"


def test_pages_show_the_demo_cycle_in_both_languages(seeded):
    from segreform.programme.demo import load_demo

    summary = load_demo(seeded)
    client = TestClient(create_app(seeded))
    token = CSRF_INPUT.search(client.get("/programme/login").text).group(1)
    client.post("/programme/login", data={"email": summary.users["officer"], "password": summary.password,
                                          "csrf_token": token})
    granted = summary.selected[0]
    detail = client.get(f"/programme/applications/{granted}?lang=en").text
    assert "Grant " in detail and "Pay</button>" in detail and "exempeldata" in detail
    assert "Nätverksträff" in client.get("/programme/networks?lang=sv").text
    reforms_page = client.get("/programme/reforms?lang=en").text
    assert "Tenure form in detailed development plans" in reforms_page and "Done" in reforms_page
    selection_page = client.get("/programme/selection?year=2018&lang=en").text
    assert "Manual override" not in selection_page and "Not selected: " in selection_page
