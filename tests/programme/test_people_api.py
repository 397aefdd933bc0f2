"""Users through the HTTP API: admins create, change, deactivate and reset; users change their own password;
everyone else is refused; each role lands on a worklist that answers 200."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from segreform.programme import accounts
from segreform.programme.seeding import ensure_municipality, ensure_organisation
from segreform.store import session, transaction
from segreform.store.models.programme import AuditEntry, User, WebSession
from segreform.web.app import create_app

from programme_builders import PASSWORD

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
ROLES = ("admin", "officer", "reviewer", "applicant", "agency", "researcher", "public")


def _people(engine):
    with transaction(engine) as db:
        ensure_municipality(db, "1280", "Malmö")
        ensure_organisation(db, kind="research", code="mau", name="Malmö universitet")
        organisation = {"applicant": "kommun-1280", "agency": "boverket", "researcher": "mau"}
        for role in ROLES:
            accounts.create_user(db, email=f"{role}@test.se", name=role.title(), role=role, password=PASSWORD,
                                 actor="test", organisation_code=organisation.get(role))


def _signed_in(app, email, password=PASSWORD):
    client = TestClient(app)
    token = CSRF_INPUT.search(client.get("/programme/login").text).group(1)
    response = client.post("/programme/login", data={"email": email, "password": password, "csrf_token": token},
                           follow_redirects=False)
    if response.status_code != 303:
        return client, None, response
    token = CSRF_INPUT.search(client.get("/programme").text).group(1)
    client.headers["X-CSRF-Token"] = token
    return client, token, response


@pytest.fixture
def app(seeded):
    _people(seeded)
    return create_app(seeded)


def test_every_role_signs_in_and_lands_on_its_worklist(app):
    expected = {"admin": "Users", "officer": "Applications that need reviewers", "reviewer": "Your review assignments",
                "applicant": "Your applications", "agency": "Your reforms&#39; milestones",
                "researcher": "Your development areas", "public": "My worklist"}
    for role in ROLES:
        client, _, response = _signed_in(app, f"{role}@test.se")
        assert response.headers["location"] == "/programme/home"
        landed = client.get("/programme/home?lang=en")
        assert landed.status_code == 200, role
        assert expected[role] in landed.text, role
        assert client.get("/api/programme/me/worklist").json()["role"] == role
        assert client.get("/programme/home?lang=sv").status_code == 200


def test_the_agency_worklist_lists_its_own_reforms_milestones(app, seeded):
    from segreform.programme import reforms

    with transaction(seeded) as db:
        reforms.add_milestone(db, reform_code="r07", title="Boverkets delmål", due_year=2019, actor="test")
        reforms.add_milestone(db, reform_code="r02", title="Polisens delmål", due_year=2019, actor="test")
    client, _, _ = _signed_in(app, "agency@test.se")
    work = client.get("/api/programme/me/worklist").json()
    assert [m["milestone"] for m in work["milestones"]] == ["Boverkets delmål"]
    assert work["milestones"][0]["late"] is True


def test_admin_creates_changes_resets_and_deactivates_users(app, seeded):
    admin, _, _ = _signed_in(app, "admin@test.se")
    created = admin.post("/api/programme/users", json={"email": "New.Officer@Test.se", "name": "Ny handläggare",
                                                       "role": "officer"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["email"] == "new.officer@test.se" and body["must_change_password"] is True
    one_time = body["one_time_password"]
    assert len(one_time) >= 12
    assert admin.get(f"/api/programme/users/{body['id']}").json().get("one_time_password") is None  # shown once

    # the new user signs in with the one-time password and must change it before the worklist
    client, _, _ = _signed_in(app, "new.officer@test.se", one_time)
    assert client.get("/programme/home", follow_redirects=False).headers["location"].startswith(
        "/programme/account/password")
    refused = client.post("/api/programme/me/password", json={"old_password": "wrong", "new_password": "short"})
    assert refused.status_code == 400
    assert set(refused.json()["fields"]) == {"old_password", "new_password"}
    same_kind = client.post("/api/programme/me/password", json={"old_password": one_time,
                                                                "new_password": "onlyletterslongenough"})
    assert same_kind.status_code == 400 and "two of" in same_kind.json()["fields"]["new_password"]
    changed = client.post("/api/programme/me/password", json={"old_password": one_time,
                                                              "new_password": "a new long password 2"})
    assert changed.status_code == 200 and changed.json()["must_change_password"] is False
    assert client.get("/programme/home").status_code == 200
    assert _signed_in(app, "new.officer@test.se", one_time)[1] is None  # the one-time password is gone

    # role and organisation
    update = admin.post(f"/api/programme/users/{body['id']}", json={"name": "Kontakt", "role": "agency",
                                                                    "organisation": "boverket"})
    assert update.status_code == 200 and update.json()["organisation"] == "boverket"
    wrong_kind = admin.post(f"/api/programme/users/{body['id']}", json={"name": "x", "role": "agency",
                                                                        "organisation": "kommun-1280"})
    assert wrong_kind.status_code == 400 and "organisation" in wrong_kind.json()["fields"]
    assert client.get("/api/programme/me").status_code == 401  # a role change ends the sessions

    # reset: a new one-time password; the old password no longer works
    reset = admin.post(f"/api/programme/users/{body['id']}/reset")
    assert reset.status_code == 200 and reset.json()["must_change_password"] is True
    assert _signed_in(app, "new.officer@test.se", "a new long password 2")[1] is None
    assert _signed_in(app, "new.officer@test.se", reset.json()["one_time_password"])[1] is not None

    # deactivate: no sign-in, sessions gone; reactivate
    assert admin.post(f"/api/programme/users/{body['id']}/deactivate").json()["active"] is False
    with session(seeded) as db:
        assert db.scalar(select(func.count()).select_from(WebSession).where(WebSession.user_id == body["id"])) == 0
    _, token, response = _signed_in(app, "new.officer@test.se", reset.json()["one_time_password"])
    assert token is None and response.status_code == 401
    assert admin.post(f"/api/programme/users/{body['id']}/activate").json()["active"] is True
    with session(seeded) as db:
        actions = set(db.scalars(select(AuditEntry.action).where(AuditEntry.entity == "user")))
    assert {"user.create", "user.update", "user.reset", "user.deactivate", "user.activate", "user.password"} <= actions


def test_user_creation_names_every_bad_field_and_writes_nothing(app, seeded):
    admin, _, _ = _signed_in(app, "admin@test.se")
    with session(seeded) as db:
        before = db.scalar(select(func.count()).select_from(User))
    bad = admin.post("/api/programme/users?lang=sv", json={"email": "admin@test.se", "name": " ", "role": "agency"})
    assert bad.status_code == 400
    fields = bad.json()["fields"]
    assert set(fields) == {"email", "name", "organisation"}
    assert fields["email"] == "den här e-postadressen har redan ett konto"
    assert admin.post("/api/programme/users", json={"email": "x@test.se", "name": "X", "role": "boss"}).status_code == 400
    assert admin.post("/api/programme/users", json={"email": "x"}).status_code == 422
    assert admin.get("/api/programme/users/99999999999999999999").status_code == 422
    assert admin.post("/api/programme/users/2147483647/reset").status_code == 404
    with session(seeded) as db:
        assert db.scalar(select(func.count()).select_from(User)) == before


def test_the_last_admin_cannot_be_removed(app, seeded):
    admin, _, _ = _signed_in(app, "admin@test.se")
    me = admin.get("/api/programme/me").json()
    assert admin.post(f"/api/programme/users/{me['id']}/deactivate").status_code == 400
    demote = admin.post(f"/api/programme/users/{me['id']}", json={"name": "A", "role": "officer"})
    assert demote.status_code == 400 and "last active admin" in demote.json()["fields"]["role"]


def test_only_admins_manage_users(app, seeded):
    with session(seeded) as db:
        target = db.scalar(select(User.id).where(User.email == "public@test.se"))
    calls = [("GET", "/api/programme/users", None), ("GET", f"/api/programme/users/{target}", None),
             ("POST", "/api/programme/users", {"email": "y@test.se", "name": "Y", "role": "officer"}),
             ("POST", f"/api/programme/users/{target}", {"name": "Y", "role": "officer"}),
             ("POST", f"/api/programme/users/{target}/deactivate", None),
             ("POST", f"/api/programme/users/{target}/activate", None),
             ("POST", f"/api/programme/users/{target}/reset", None),
             ("GET", "/api/programme/organisations", None),
             ("POST", "/api/programme/organisations", {"kind": "research", "code": "ki", "name": "KI"}),
             ("GET", "/programme/users", None), ("GET", f"/programme/users/{target}", None)]
    for role in (*ROLES[1:], "anonymous"):
        if role == "anonymous":
            client = TestClient(app)
            token = CSRF_INPUT.search(client.get("/programme/login").text).group(1)
            client.headers["X-CSRF-Token"] = token
        else:
            client, _, _ = _signed_in(app, f"{role}@test.se")
        for method, path, body in calls:
            response = client.request(method, path, json=body)
            assert response.status_code == (401 if role == "anonymous" else 403), (role, method, path)
    with session(seeded) as db:
        assert db.get(User, target).active and db.scalar(select(func.count()).select_from(User)) == len(ROLES)


def test_forms_show_errors_in_the_form_never_json(app):
    admin, token, _ = _signed_in(app, "admin@test.se")
    del admin.headers["X-CSRF-Token"]
    page = admin.post("/programme/users?lang=sv", data={"csrf_token": token, "email": "", "name": "",
                                                        "role": "agency"})
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert "ange en e-postadress" in page.text and "måste tillhöra en organisation" in page.text
    created = admin.post("/programme/users?lang=en", data={"csrf_token": token, "email": "k@test.se", "name": "K",
                                                           "role": "applicant", "organisation": "kommun-1280"})
    assert created.status_code == 200 and 'id="one-time-password"' in created.text
    assert created.headers["cache-control"] == "no-store"
    password = admin.post("/programme/account/password?lang=en", data={"csrf_token": token})
    assert password.status_code == 400 and "the current password is wrong" in password.text


def test_admin_adds_a_research_institution_and_a_researcher_in_it(app, seeded):
    admin, token, _ = _signed_in(app, "admin@test.se")
    made = admin.post("/api/programme/organisations", json={"kind": "research", "code": "SU", "name": "Stockholms universitet"})
    assert made.status_code == 201 and made.json()["code"] == "su"
    assert admin.post("/api/programme/organisations", json={"kind": "research", "code": "su",
                                                            "name": "x"}).status_code == 400
    kommun = admin.post("/api/programme/organisations", json={"kind": "municipality", "kommunkod": "12x4",
                                                              "name": ""})
    assert kommun.status_code == 400 and set(kommun.json()["fields"]) == {"kommunkod", "name"}
    researcher = admin.post("/api/programme/users", json={"email": "r@su.se", "name": "R", "role": "researcher",
                                                          "organisation": "su"})
    assert researcher.status_code == 201 and researcher.json()["organisation_kind"] == "research"
    del admin.headers["X-CSRF-Token"]
    form = admin.post("/programme/organisations?lang=sv", data={"csrf_token": token, "kind": "research",
                                                                 "code": "", "name": ""})
    assert form.status_code == 400 and "ange ett namn" in form.text


def test_a_researcher_attached_to_an_area_sees_it_on_the_worklist(app, seeded):
    admin, _, _ = _signed_in(app, "admin@test.se")
    users = {u["email"]: u["id"] for u in admin.get("/api/programme/users").json()}
    attached = admin.post(f"/api/programme/users/{users['researcher@test.se']}/areas", json={"development_area": "school"})
    assert attached.status_code == 200 and attached.json()["development_areas"] == ["school"]
    wrong = admin.post(f"/api/programme/users/{users['officer@test.se']}/areas", json={"development_area": "nope"})
    assert wrong.status_code == 400 and set(wrong.json()["fields"]) == {"role", "development_area"}
    researcher, _, _ = _signed_in(app, "researcher@test.se")
    assert [a["code"] for a in researcher.get("/api/programme/me/worklist").json()["development_areas"]] == ["school"]
    assert "Skola" in researcher.get("/programme/home?lang=sv").text
    assert admin.get(f"/programme/users/{users['researcher@test.se']}?lang=sv").status_code == 200
