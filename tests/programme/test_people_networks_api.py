"""Networks, meetings, action items, agencies and milestones through the HTTP API: who may do what, who may
read unpublished minutes, and no input gives a 5xx."""

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from segreform.programme import accounts, grants, networks
from segreform.programme.seeding import ensure_municipality, ensure_organisation
from segreform.store import session, transaction
from segreform.store.models.programme import Meeting, NetworkMember
from segreform.store.models.programme_people import AgencyRegistryEntry, MilestoneReport
from segreform.web.app import create_app

from programme_builders import MSEK, PASSWORD, municipality, submitted

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def _client(app, email=None):
    client = TestClient(app)
    token = CSRF_INPUT.search(client.get("/programme/login").text).group(1)
    if email:
        client.post("/programme/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
        token = CSRF_INPUT.search(client.get("/programme").text).group(1)
    client.headers["X-CSRF-Token"] = token
    return client


@pytest.fixture
def world(seeded, call_id):
    with transaction(seeded) as db:
        malmo = municipality(db)
        ensure_municipality(db, "1480", "Göteborg")
        ensure_organisation(db, kind="research", code="gu", name="Göteborgs universitet")
        for email, role, org in (("officer@t.se", "officer", None), ("malmo@t.se", "applicant", "kommun-1280"),
                                 ("gbg@t.se", "applicant", "kommun-1480"), ("boverket@t.se", "agency", "boverket"),
                                 ("polisen@t.se", "agency", "polisen"), ("forskare@t.se", "researcher", "gu")):
            accounts.create_user(db, email=email, name=email, role=role, password=PASSWORD, actor="t",
                                 organisation_code=org)
        application = submitted(db, call_id, malmo, areas=("school",))
        grants.decide(db, application_id=application, amounts={2019: 2 * MSEK}, actor="t")
    return create_app(seeded)


def test_the_agency_registry_is_seeded_with_the_real_agencies(seeded):
    with session(seeded) as db:
        names = set(db.scalars(select(AgencyRegistryEntry.name_sv)))
    assert {"Arbetsförmedlingen", "Polismyndigheten", "Skolverket", "Boverket", "Försäkringskassan"} <= names


def test_officer_runs_a_network_and_members_read_unpublished_minutes(world, seeded):
    officer = _client(world, "officer@t.se")
    created = officer.post("/api/programme/networks", json={"development_area": "work", "name": "Arbetsnätverket"})
    assert created.status_code == 201, created.text
    assert officer.post("/api/programme/networks", json={"development_area": "work"}).status_code == 400
    # The grant put Malmö in the school network; as for a grant decided before its network was run here,
    # take it out so that the officer adds it from the grants.
    with transaction(seeded) as db:
        from sqlalchemy import delete

        from segreform.store.models.programme import Network

        network_id = db.scalar(select(Network.id).where(Network.development_area_code == "school"))
        db.execute(delete(NetworkMember))
    with session(seeded) as db:
        from segreform.store.models.programme import Organisation

        malmo = db.scalar(select(Organisation.id).where(Organisation.code == "kommun-1280"))
        goteborg = db.scalar(select(Organisation.id).where(Organisation.code == "kommun-1480"))
        boverket = db.scalar(select(Organisation.id).where(Organisation.code == "boverket"))
    added = officer.post(f"/api/programme/networks/{network_id}/members", json={"organisation_id": malmo})
    assert added.status_code == 200, added.text
    no_grant = officer.post(f"/api/programme/networks/{network_id}/members", json={"organisation_id": goteborg})
    assert no_grant.status_code == 400 and "grant" in no_grant.json()["error"]
    assert officer.post(f"/api/programme/networks/{network_id}/members",
                        json={"organisation_id": boverket, "first_year": 2020}).status_code == 200
    with session(seeded) as db:
        first_years = dict(db.execute(select(NetworkMember.organisation_id, NetworkMember.first_year)).all())
    assert first_years == {malmo: 2019, boverket: 2020}  # the municipality's first year is its grant's

    researcher_id = _client(world, "forskare@t.se").get("/api/programme/me").json()["id"]
    assert officer.post(f"/api/programme/networks/{network_id}/researchers",
                        json={"user_id": researcher_id}).status_code == 200

    meeting = officer.post(f"/api/programme/networks/{network_id}/meetings", json={
        "level": "management", "title": "Möte", "held_on": "2019-05-02", "agenda": "a", "minutes": "Hemligt utkast",
        "decisions": "Beslut 1", "participants": ["Malmö", "Boverket"]})
    assert meeting.status_code == 201, meeting.text
    meeting_id = meeting.json()["id"]
    action = officer.post(f"/api/programme/meetings/{meeting_id}/actions",
                          json={"description": "Gör", "owner": "Malmö", "due_on": "2019-06-01"})
    assert action.status_code == 201
    assert [a["id"] for a in officer.get("/api/programme/actions/overdue").json()] == [action.json()["id"]]

    def minutes(client):
        return client.get(f"/api/programme/meetings/{meeting_id}").json()["minutes"]

    members = {e: _client(world, e) for e in ("malmo@t.se", "boverket@t.se", "forskare@t.se")}
    outsiders = {e: _client(world, e) for e in ("gbg@t.se", "polisen@t.se")} | {"anonymous": _client(world)}
    assert all(minutes(c) == "Hemligt utkast" for c in members.values())
    assert all(minutes(c) is None for c in outsiders.values())
    assert "Hemligt utkast" not in outsiders["anonymous"].get("/api/programme/networks").text
    assert "Hemligt utkast" not in outsiders["gbg@t.se"].get(f"/programme/meetings/{meeting_id}").text
    assert [a["description"] for a in members["malmo@t.se"].get("/api/programme/actions/overdue").json()] == ["Gör"]
    assert outsiders["gbg@t.se"].get("/api/programme/actions/overdue").json() == []

    # edited afterwards and published: now everyone reads the minutes
    edited = officer.post(f"/api/programme/meetings/{meeting_id}", json={
        "level": "management", "title": "Möte", "held_on": "2019-05-02", "minutes": "Justerat protokoll",
        "decisions": "Beslut 1", "participants": ["Malmö"], "published": True})
    assert edited.status_code == 200
    assert all(minutes(c) == "Justerat protokoll" for c in outsiders.values())

    done = officer.post(f"/api/programme/actions/{action.json()['id']}/complete")
    assert done.status_code == 200 and done.json()["done"] is True
    assert officer.get("/api/programme/actions/overdue").json() == []

    model = officer.post(f"/api/programme/networks/{network_id}/models",
                         json={"title": "Modell", "description": "d", "meeting_ids": [meeting_id]})
    assert model.status_code == 201
    assert officer.get(f"/api/programme/meetings/{meeting_id}").json()["work_models"] == [
        {"id": model.json()["id"], "title": "Modell"}]

    # nobody but staff edits
    for client in (*members.values(), *outsiders.values()):
        assert client.post(f"/api/programme/meetings/{meeting_id}/actions",
                           json={"description": "x", "owner": "y", "due_on": "2019-06-01"}).status_code in (401, 403)


def test_milestones_added_by_officers_reported_by_the_agency(world, seeded):
    officer = _client(world, "officer@t.se")
    created = officer.post("/api/programme/reforms/r07/milestones", json={"title": "Vägledning", "due_year": 2020})
    assert created.status_code == 201
    milestone = created.json()["id"]
    assert officer.post(f"/api/programme/milestones/{milestone}/edit",
                        json={"title": "Vägledning om upplåtelseform", "due_year": 2021}).status_code == 200
    boverket, polisen = _client(world, "boverket@t.se"), _client(world, "polisen@t.se")
    assert boverket.post("/api/programme/reforms/r07/milestones", json={"title": "x", "due_year": 2020}).status_code == 403
    assert polisen.post(f"/api/programme/milestones/{milestone}/progress",
                        json={"status": "in_progress", "progress_pct": 10}).status_code == 403
    refused = boverket.post(f"/api/programme/milestones/{milestone}/progress?lang=sv",
                            json={"status": "done", "progress_pct": 90, "evidence": ""})
    assert refused.status_code == 400 and "100 procent" in refused.json()["fields"]["evidence"]
    ok = boverket.post(f"/api/programme/milestones/{milestone}/progress",
                       json={"status": "in_progress", "progress_pct": 40, "evidence": "Remiss ute"})
    assert ok.status_code == 200
    public = _client(world).get("/api/programme/reforms").json()
    row = next(m for r in public if r["code"] == "r07" for m in r["milestones"])
    assert row["title"] == "Vägledning om upplåtelseform" and row["progress_pct"] == 40
    assert [(r["progress_pct"], r["evidence"]) for r in row["reports"]] == [(40, "Remiss ute")]
    with session(seeded) as db:
        assert db.scalar(select(func.count()).select_from(MilestoneReport)) == 1


def test_agencies_are_added_and_their_contacts_kept(world, seeded):
    officer = _client(world, "officer@t.se")
    saved = officer.post("/api/programme/agencies", json={"code": "boverket", "name_sv": "Boverket",
                                                          "name_en": "National Board of Housing, Building and Planning",
                                                          "contact_name": "Anna A", "contact_email": "anna@boverket.se"})
    assert saved.status_code == 200
    rows = {r["code"]: r for r in _client(world).get("/api/programme/agencies").json()}
    assert rows["boverket"]["contact_email"] == "anna@boverket.se" and "forsakringskassan" in rows
    bad = officer.post("/api/programme/agencies", json={"code": "kommun-1280", "name_sv": "", "name_en": "x",
                                                        "contact_email": "nope"})
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"code", "name_sv", "contact_email"}
    assert _client(world, "boverket@t.se").post("/api/programme/agencies", json={
        "code": "x", "name_sv": "x", "name_en": "x"}).status_code == 403


HUGE = "99999999999999999999"


def test_no_input_gives_a_5xx(world, seeded):
    officer = _client(world, "officer@t.se")
    token = officer.headers["X-CSRF-Token"]
    with transaction(seeded) as db:
        network = networks.ensure_network(db, "work")
        meeting = networks.add_meeting(db, network_id=network.id, level="political", title="m",
                                       held_on=date(2019, 5, 1), actor="t")
        network_id, meeting_id = network.id, meeting.id
    forms = [
        (f"/programme/networks/{network_id}/meetings", {"level": "x", "title": "", "held_on": HUGE}),
        (f"/programme/networks/{network_id}/meetings", {}),
        (f"/programme/networks/{network_id}/members", {"organisation_id": HUGE, "first_year": HUGE}),
        (f"/programme/networks/{network_id}/researchers", {"user_id": HUGE}),
        (f"/programme/networks/{network_id}/models", {"title": "", "meeting_id": HUGE}),
        (f"/programme/meetings/{meeting_id}", {"held_on": "2019-02-30"}),
        (f"/programme/meetings/{meeting_id}/actions", {"due_on": HUGE}),
        (f"/programme/models/{HUGE}/meetings", {"meeting_id": HUGE}),
        (f"/programme/actions/{HUGE}/complete", {}),
        ("/programme/actions/2147483647/complete", {}),
        ("/programme/reforms/r07/milestones", {"title": "x", "due_year": HUGE}),
        ("/programme/reforms/nope/milestones", {"title": "x", "due_year": "2020"}),
        ("/programme/milestones/2147483647/edit", {"title": "x", "due_year": "x"}),
        ("/programme/milestones/2147483647", {"status": "done", "progress_pct": HUGE}),
        ("/programme/agencies", {"code": "ö" * 100}),
        ("/programme/networks", {"development_area": "x" * 1000}),
        ("/programme/account/password", {"old_password": "x", "new_password": "y" * 5000}),
    ]
    for path, data in forms:
        response = officer.post(path, data={**data, "csrf_token": token}, headers={"Accept": "text/html",
                                                                                    "X-CSRF-Token": ""})
        assert response.status_code < 500, (path, response.status_code)
        if response.status_code == 400:
            assert response.headers["content-type"].startswith("text/html"), path
    for path in (f"/programme/meetings/{HUGE}", f"/api/programme/meetings/{HUGE}", "/programme/meetings/0",
                 "/programme/meetings/2147483647", f"/programme/users/{HUGE}"):
        assert officer.get(path).status_code < 500, path
    with session(seeded) as db:
        assert db.scalar(select(func.count()).select_from(Meeting)) == 1
