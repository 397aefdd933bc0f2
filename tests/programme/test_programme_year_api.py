"""A whole programme year through the HTTP API alone, on SQLite and PostgreSQL, with no 5xx answer: an admin
loads the years, an officer opens a call, three municipalities apply (one ineligible: flagged with its evidence),
reviewers score (a conflict is refused with its reason, a blank criterion is refused), selection ranks the
higher-need applicant above an equal-score lower-need one with stability probabilities, and the grants follow the
selection: a grant outside it needs a reason, an ineligible application is never granted. The admin creates every
other user through the user API; each signs in with the one-time password, which the API refuses for anything but
choosing one's own. Afterwards a network meeting is recorded with minutes, decisions and an action item that is
completed, and the agency reports progress on a milestone."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from segreform.programme import ledger
from segreform.store import make_engine, session
from segreform.store.models.programme import Grant
from segreform.web.app import create_app

from year_scenario import PASSWORD, PEOPLE, empty, invented_years_yaml, prepare

MSEK = 1_000_000


@pytest.fixture(scope="module")
def year_engine(database_url):
    engine = make_engine(database_url)
    prepare(engine, only_admin=True)
    yield engine
    empty(engine)
    engine.dispose()


AGENCY = ("kontakt@boverket.se", "Kontakt Boverket", "agency", "boverket")


class Api:
    """One signed-in client; every answer is checked to be below 500."""

    def __init__(self, engine, email: str, password: str = PASSWORD):
        self.client = TestClient(create_app(engine))
        token = self.client.get("/api/programme/csrf").json()["csrf_token"]
        response = self.client.post("/programme/login", data={"email": email, "password": password,
                                                               "csrf_token": token}, follow_redirects=False)
        assert response.status_code == 303, response.text
        self.token = self.client.get("/api/programme/csrf").json()["csrf_token"]
        self.statuses: list[int] = []

    def get(self, path):
        response = self.client.get(path)
        self.statuses.append(response.status_code)
        assert response.status_code < 500, (path, response.text)
        return response

    def post(self, path, body=None):
        response = self.client.post(path, json=body if body is not None else {},
                                    headers={"X-CSRF-Token": self.token})
        self.statuses.append(response.status_code)
        assert response.status_code < 500, (path, response.text)
        return response


def _draft(who: Api, call_id: int, **changes):
    body = {"title": "Läslyft", "plan": "Plan", "goals": "Mål", "time_plan": "2026", "start_year": 2026,
            "years": 1, "total_budget_sek": "25 000 000", "requested_sek": "20 000 000",
            "development_areas": ["school"], **changes}
    return who.post(f"/api/programme/calls/{call_id}/applications", body)


def test_a_whole_year_through_the_api(year_engine):
    # 0. the first admin creates every other user through the user API; each chooses a password of its own
    admin = Api(year_engine, PEOPLE["admin"][0])
    people = {who: (email, name, role, f"kommun-{m[0]}" if m else None)
              for who, (email, name, role, m) in PEOPLE.items() if who != "admin"} | {"agency": AGENCY}
    signed_in = {}
    for who, (email, name, role, organisation) in people.items():
        created = admin.post("/api/programme/users", {"email": email, "name": name, "role": role,
                                                      "organisation": organisation})
        assert created.status_code == 201, created.text
        one_time = created.json()["one_time_password"]
        api = Api(year_engine, email, one_time)
        refused = api.get("/api/programme/calls")  # the one-time password only changes the password
        assert refused.status_code == 403 and "one-time password" in refused.json()["detail"]
        assert api.get("/api/programme/me/worklist").status_code == 403
        changed = api.post("/api/programme/me/password", {"old_password": one_time, "new_password": PASSWORD})
        assert changed.status_code == 200 and changed.json()["must_change_password"] is False
        assert api.get("/api/programme/me/worklist").status_code == 200
        signed_in[who] = api
    officer, agency = signed_in["officer"], signed_in["agency"]
    r1, r2, r3 = (signed_in[k] for k in ("reviewer1", "reviewer2", "reviewer3"))
    malmo, botkyrka, danderyd = (signed_in[k] for k in ("malmo", "botkyrka", "danderyd"))

    # 1. the programme is data: a broken file names file and field; the invented 2026–2028 years load
    broken = admin.post("/api/programme/definitions", {"filename": "next.yaml", "yaml": "schema_version: 1\ncode: x\n"})
    assert broken.status_code == 400 and "next.yaml: name" in broken.json()["error"]
    assert officer.post("/api/programme/definitions", {"yaml": invented_years_yaml()}).status_code == 403
    loaded = admin.post("/api/programme/definitions", {"filename": "next.yaml", "yaml": invented_years_yaml()})
    assert loaded.status_code == 200 and loaded.json()["years"] == 3

    # 2. calls: every problem at once, then a call that opens, is extended
    bad = officer.post("/api/programme/calls", {"year": 2026, "title": "", "development_area": "nowhere",
                                                "reform_code": "r06", "deadline": "2020-01-01T00:00"})
    assert bad.status_code == 400 and {"title", "development_area", "deadline"} <= set(bad.json()["errors"])
    created = officer.post("/api/programme/calls", {
        "year": 2026, "title": "Skola 2026", "development_area": "school", "reform_code": "r06",
        "deadline": "2099-03-31T23:59", "budget_years": [2026, 2027], "max_amount_sek": "30 000 000"})
    call_id = created.json()["id"]
    assert malmo.post(f"/api/programme/calls/{call_id}/applications", {}).status_code == 409  # still a draft call
    assert officer.post(f"/api/programme/calls/{call_id}/open").json()["status"] == "open"
    assert officer.post(f"/api/programme/calls/{call_id}/extend", {"deadline": "2099-04-30T23:59"}).status_code == 200
    assert malmo.post(f"/api/programme/calls/{call_id}/open").status_code == 403
    assert any(c["id"] == call_id and c["accepting"] for c in malmo.get("/api/programme/calls").json())

    # 3. applications: a bad draft shows every field's error; drafts are edited; submission checks everything
    wrong = _draft(malmo, call_id, start_year=2999, years="9", requested_sek="lots", title="")
    assert wrong.status_code == 400
    assert {"title", "start_year", "years", "requested_sek"} <= set(wrong.json()["errors"])
    ids = {}
    for who, name in ((malmo, "malmo"), (botkyrka, "botkyrka"), (danderyd, "danderyd")):
        response = _draft(who, call_id, plan="")
        assert response.status_code == 200, response.text
        ids[name] = response.json()["id"]
    refused = malmo.post(f"/api/programme/applications/{ids['malmo']}/submission")
    assert refused.status_code == 400 and "plan" in refused.json()["errors"]
    assert botkyrka.post(f"/api/programme/applications/{ids['malmo']}/draft", {"title": "x"}).status_code == 404
    for who, name in ((malmo, "malmo"), (botkyrka, "botkyrka"), (danderyd, "danderyd")):
        body = {"title": "Läslyft", "plan": "Plan", "goals": "Mål", "time_plan": "2026", "start_year": 2026,
                "years": 1, "total_budget_sek": "25 000 000", "requested_sek": "20 000 000",
                "development_areas": ["school"]}
        assert who.post(f"/api/programme/applications/{ids[name]}/draft", body).status_code == 200
        submitted = who.post(f"/api/programme/applications/{ids[name]}/submission")
        assert submitted.status_code == 200, submitted.text
        ids[name + "_result"] = submitted.json()
    assert ids["malmo_result"]["eligible"] is True and ids["malmo_result"]["need_score"] == pytest.approx(100.0)
    assert ids["botkyrka_result"]["eligible"] is True and ids["botkyrka_result"]["need_score"] < 50
    flagged = ids["danderyd_result"]
    assert flagged["eligible"] is False and flagged["status"] == "submitted"  # the bundled rule flags
    evidence = flagged["eligibility"]
    assert evidence["data_year"] and {r["rule"] for r in evidence["rules"]} == {"area_type_1_or_2", "police_list"}
    assert all(r["count"] == 0 for r in evidence["rules"])
    malmo_rules = ids["malmo_result"]["eligibility"]["rules"]
    assert any(r["count"] > 0 and r["areas"] for r in malmo_rules)  # which areas, as evidence

    # 4. review: officers see assignments and conflicts; a conflicted reviewer cannot be assigned or score
    assert r3.post(f"/api/programme/applications/{ids['malmo']}/conflicts", {"reason": "x"}).status_code == 404
    for application in (ids["malmo"], ids["botkyrka"]):
        for reviewer in ("r1@year.se", "r2@year.se"):
            assert officer.post(f"/api/programme/applications/{application}/assignments",
                                {"reviewer": reviewer}).status_code == 200
    assert officer.post(f"/api/programme/applications/{ids['danderyd']}/assignments",
                        {"reviewer": "r3@year.se"}).status_code == 200
    conflict = r3.post(f"/api/programme/applications/{ids['danderyd']}/conflicts", {"reason": "Bor i kommunen"})
    assert conflict.status_code == 200
    again = officer.post(f"/api/programme/applications/{ids['danderyd']}/assignments", {"reviewer": "r3@year.se"})
    assert again.status_code == 403 and "Bor i kommunen" in again.json()["error"]
    blocked = r3.post(f"/api/programme/applications/{ids['danderyd']}/review", {"scores": {"relevance": 5}})
    assert blocked.status_code == 403 and "Bor i kommunen" in blocked.json()["error"]  # refused, saying why
    blank = r1.post(f"/api/programme/applications/{ids['malmo']}/review", {"scores": {"relevance": 4}})
    assert blank.status_code == 400 and {"score_efficiency", "score_sustainability", "score_reporting"} <= set(
        blank.json()["errors"])
    scores = {"relevance": 4, "efficiency": 3, "sustainability": 4, "reporting": 3}
    for reviewer in (r1, r2):
        for application in (ids["malmo"], ids["botkyrka"]):
            assert reviewer.post(f"/api/programme/applications/{application}/review",
                                 {"scores": {**scores, "relevance": 2}}).status_code == 200
            # revised before the review closes
            assert reviewer.post(f"/api/programme/applications/{application}/review",
                                 {"scores": scores}).status_code == 200
    mine = r1.get("/api/programme/review").json()
    assert {row["id"] for row in mine} == {ids["malmo"], ids["botkyrka"]} and mine[0]["my_scores"] == scores
    overview = {row["id"]: row for row in officer.get("/api/programme/review").json()}
    assert [c["reason"] for c in overview[ids["danderyd"]]["conflicts"]] == ["Bor i kommunen"]
    assert overview[ids["malmo"]]["mean"] == overview[ids["botkyrka"]]["mean"]  # equal review scores

    # 5. selection: the r06 2026 line (25 MSEK) fits one 20 MSEK application; measured need decides
    run = officer.post("/api/programme/selection/runs", {"year": 2026, "stability_draws": 200})
    assert run.status_code == 200, run.text
    view = run.json()
    items = {i["application_id"]: i for i in view["items"]}
    assert items[ids["malmo"]]["selected"] and not items[ids["botkyrka"]]["selected"]
    assert not items[ids["danderyd"]]["selected"] and "eligibility" in items[ids["danderyd"]]["explanation_en"]
    assert items[ids["malmo"]]["probability"] == 1.0 and items[ids["botkyrka"]]["probability"] == 0.0
    assert [b["reform"] for b in view["binding"]] == ["r06"]
    assert "the 2026 budget line of More support for schools with low results" in items[ids["botkyrka"]][
        "explanation"]
    sv = officer.get(f"/api/programme/selection/runs/{view['id']}?lang=sv").json()
    assert "budgetposten för 2026 för Utökat stöd till skolor med låga kunskapsresultat" in next(
        i["explanation"] for i in sv["items"] if i["application_id"] == ids["botkyrka"])

    # 6. decisions follow the selection
    outside = officer.post(f"/api/programme/applications/{ids['botkyrka']}/grant", {})
    assert outside.status_code == 400 and "reason" in outside.json()["errors"]
    never = officer.post(f"/api/programme/applications/{ids['danderyd']}/grant?lang=en", {"reason": "politisk vilja"})
    assert never.status_code == 403 and "never be granted" in never.json()["error"]
    assert "area type 1 or 2: 0" in never.json()["error"]  # with its evidence
    decided = officer.post(f"/api/programme/selection/runs/{view['id']}/decide")
    assert decided.status_code == 200 and len(decided.json()["grants"]) == 1
    assert officer.post(f"/api/programme/selection/runs/{view['id']}/decide").status_code == 409
    # the review closed with the decision
    assert r1.post(f"/api/programme/applications/{ids['botkyrka']}/review", {"scores": scores}).status_code == 409
    # a grant outside the run with a reason: refused by the exhausted r06 line (nothing written), flagged if it fits
    over = officer.post(f"/api/programme/applications/{ids['botkyrka']}/grant", {"reason": "Regeringsuppdrag"})
    assert over.status_code == 409, over.text
    grants = officer.get("/api/programme/grants").json()
    assert [(g["application_id"], g["outside_selection"]) for g in grants] == [(ids["malmo"], False)]
    with session(year_engine) as db:
        assert ledger.committed(db, 2026, reform_code="r06") == 20 * MSEK * 100
        assert ledger.committed(db, 2026, reform_code="r06") <= ledger.reform_limit(db, 2026, "r06")
        assert db.scalar(select(Grant.selection_run_id)) == view["id"]

    # 7. the school network (Malmö's grant made it) records a meeting; its action item is completed
    network = next(n for n in officer.get("/api/programme/networks").json() if n["development_area"] == "school")
    meeting = officer.post(f"/api/programme/networks/{network['id']}/meetings", {
        "level": "political", "title": "Nätverksträff", "held_on": "2026-02-10", "agenda": "1. Läget",
        "minutes": "Kommunerna redovisade läget.", "decisions": "Ta fram en gemensam modell.",
        "participants": ["Malmö stad", "Skolverket"]})
    assert meeting.status_code == 201, meeting.text
    action = officer.post(f"/api/programme/meetings/{meeting.json()['id']}/actions",
                          {"description": "Sammanställ läsprojekten", "owner": "Skolverket", "due_on": "2026-03-01"})
    assert action.status_code == 201
    assert [a["id"] for a in officer.get("/api/programme/actions/overdue").json()] == [action.json()["id"]]
    assert malmo.get(f"/api/programme/meetings/{meeting.json()['id']}").json()["minutes"] == (
        "Kommunerna redovisade läget.")  # a member reads the unpublished minutes
    done = officer.post(f"/api/programme/actions/{action.json()['id']}/complete")
    assert done.status_code == 200 and done.json()["done"] is True
    assert officer.get("/api/programme/actions/overdue").json() == []

    # 8. a milestone for reform 7; Boverket reports progress with evidence; the public sees it
    milestone = officer.post("/api/programme/reforms/r07/milestones", {"title": "Vägledning", "due_year": 2026})
    assert milestone.status_code == 201
    reported = agency.post(f"/api/programme/milestones/{milestone.json()['id']}/progress",
                           {"status": "in_progress", "progress_pct": 60, "evidence": "Remiss ute"})
    assert reported.status_code == 200, reported.text
    public = Api.__new__(Api)
    public.client, public.statuses = TestClient(create_app(year_engine)), []
    row = next(m for r in public.get("/api/programme/reforms").json() if r["code"] == "r07" for m in r["milestones"]
               if m["title"] == "Vägledning")
    assert row["progress_pct"] == 60 and [r["evidence"] for r in row["reports"]] == ["Remiss ute"]

    everyone = (admin, public, *signed_in.values())
    assert all(code < 500 for api in everyone for code in api.statuses)


def test_every_programme_year_action_is_a_documented_endpoint(engine):
    spec = TestClient(create_app(engine)).get("/openapi.json").json()
    for path in ("/api/programme/calls", "/api/programme/calls/{call_id}/open", "/api/programme/calls/{call_id}/extend",
                 "/api/programme/calls/{call_id}/close", "/api/programme/calls/{call_id}/applications",
                 "/api/programme/applications/{application_id}/draft",
                 "/api/programme/applications/{application_id}/submission", "/api/programme/review",
                 "/api/programme/applications/{application_id}/assignments",
                 "/api/programme/applications/{application_id}/review",
                 "/api/programme/applications/{application_id}/conflicts", "/api/programme/selection/runs",
                 "/api/programme/selection/runs/{run_id}", "/api/programme/selection/runs/{run_id}/decide",
                 "/api/programme/selection/runs/{run_id}/override", "/api/programme/applications/{application_id}/grant",
                 "/api/programme/grants", "/api/programme/definitions"):
        assert path in spec["paths"], path


def test_junk_in_forms_and_paths_never_answers_5xx(seeded):
    from segreform.programme import accounts
    from segreform.programme.seeding import ensure_municipality
    from segreform.store import transaction

    with transaction(seeded) as db:
        ensure_municipality(db, "1280", "Malmö")
        for email, role, org in (("o@x.se", "officer", None), ("m@x.se", "applicant", "kommun-1280"),
                                 ("r@x.se", "reviewer", None), ("a@x.se", "admin", None)):
            accounts.create_user(db, email=email, name=email, role=role, password=PASSWORD, actor="t",
                                 organisation_code=org)
    huge = "99999999999999999999"
    for email in ("o@x.se", "m@x.se", "r@x.se", "a@x.se"):
        client = TestClient(create_app(seeded))
        token = client.get("/api/programme/csrf").json()["csrf_token"]
        client.post("/programme/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
        token = client.get("/api/programme/csrf").json()["csrf_token"]
        junk = {"csrf_token": token, "year": huge, "title": "", "deadline": "igår", "budget_years": "x,2026",
                "min_amount": huge * 3, "max_amount": "-5", "start_year": huge, "years": "", "requested_sek": "1e9",
                "total_budget_sek": huge, "application_id": huge, "reason": "", "include": "maybe",
                "reviewer": huge, "score_relevance": huge}
        for path in ("/programme/calls", "/programme/calls/1/open", "/programme/calls/1/extend",
                     "/programme/calls/1/close", "/programme/calls/1/apply", f"/programme/calls/{huge}/apply",
                     "/programme/applications/1/edit", "/programme/review/1/scores", "/programme/review/1/assign",
                     "/programme/review/1/conflict", "/programme/select", "/programme/selection/runs/1/decide",
                     "/programme/selection/runs/1/override", "/programme/selection/runs/1/grant",
                     "/programme/definitions", "/programme/applications/1/grant"):
            response = client.post(path, data=junk, follow_redirects=False, headers={"accept": "text/html"})
            assert response.status_code < 500, (email, path, response.status_code, response.text[:300])
            if huge not in path:  # a huge id in the URL is the app's 422 (its page is the app-wide handler's job)
                assert not response.text.startswith('{"detail"'), (path, response.text[:200])
        for path in ("/programme/calls", f"/programme/select?year={huge}", "/programme/review", "/programme/grants",
                     f"/programme/selection/runs/{huge}", "/programme/definitions", "/programme/applications/1/edit",
                     "/api/programme/calls", "/api/programme/grants"):
            response = client.get(path)
            assert response.status_code < 500, (email, path, response.text[:300])
