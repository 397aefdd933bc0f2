"""No default credentials: the demo is an explicit choice, its password is random per installation, and its
accounts are never served on a non-loopback address."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from segreform.cli import main
from segreform.cli.web import is_loopback
from segreform.store import session, transaction
from segreform.store.models.programme import User

PUBLISHED = ("demo-exempeldata-2018", "demo", "admin", "password", "segreform")
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def serve(monkeypatch):
    served = {}

    def run(*args):
        served.clear()
        monkeypatch.setattr("uvicorn.run", lambda app, host, port, log_level: served.update(app=app, host=host))
        # The demo evaluations (a minute of estimation in a thread) are not what these tests are about.
        monkeypatch.setattr("segreform.research.demo.start_in_background", lambda engine: None)
        result = CliRunner().invoke(main, ["serve", "--no-browser", *args])
        return result, served.get("app")

    yield run
    if served.get("app") is not None:
        served["app"].state.engine.dispose()


def sign_in(app, email: str, password: str) -> int:
    client = TestClient(app)
    token = CSRF_INPUT.search(client.get("/programme/login").text).group(1)
    return client.post("/programme/login", data={"email": email, "password": password, "csrf_token": token},
                       follow_redirects=False).status_code


def test_loopback_addresses():
    assert all(map(is_loopback, ("127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost")))
    assert not any(map(is_loopback, ("0.0.0.0", "::", "192.168.1.10", "example.org")))


def test_a_fresh_serve_has_no_account_with_a_published_password(engine, serve):
    url = engine.url.render_as_string(hide_password=False)
    result, app = serve("--database", url)
    assert result.exit_code == 0, result.output
    with session(engine) as db:
        users = list(db.scalars(select(User)))
    if engine.dialect.name == "postgresql":
        assert users == [] and "demo" not in result.output  # never loaded into PostgreSQL unasked
    else:
        assert users and all(u.email.endswith("@demo.segreform.se") for u in users)  # first local start on SQLite
        assert "demo programme loaded" in result.output
    from segreform.programme.accounts import authenticate

    with transaction(engine) as db:
        assert [u.email for u in users for p in PUBLISHED if authenticate(db, u.email, p)] == []


def test_the_demo_is_listed_on_a_loopback_server_and_disabled_when_exposed(engine, serve):
    url = engine.url.render_as_string(hide_password=False)
    result, app = serve("--database", url, "--demo")
    assert result.exit_code == 0, result.output
    password = re.search(r"this installation's password '([^']+)'", result.output).group(1)
    assert len(password) >= 12 and password not in PUBLISHED
    page = TestClient(app).get("/programme/login?lang=en").text
    assert "Demo accounts" in page and password in page and "admin@demo.segreform.se" in page
    assert sign_in(app, "admin@demo.segreform.se", password) == 303

    refused, _ = serve("--database", url, "--demo", "--host", "0.0.0.0")
    assert refused.exit_code == 2 and "loopback address only" in refused.output

    with session(engine) as db:
        accounts = len(list(db.scalars(select(User).where(User.email.endswith("@demo.segreform.se")))))
    assert accounts >= 8
    exposed, app = serve("--database", url, "--host", "0.0.0.0")
    assert exposed.exit_code == 0 and f"{accounts} demo accounts disabled" in exposed.output
    page = TestClient(app).get("/programme/login?lang=en").text
    assert "Demo accounts" not in page and password not in page
    assert sign_in(app, "admin@demo.segreform.se", password) == 401

    local, app = serve("--database", url)
    assert local.exit_code == 0 and f"{accounts} demo accounts enabled again" in local.output
    assert sign_in(app, "admin@demo.segreform.se", password) == 303


def test_another_installation_gets_another_password(tmp_path, serve):
    passwords = set()
    for name in ("one", "two"):
        result, _ = serve("--database", f"sqlite:///{tmp_path / name}.sqlite")
        assert result.exit_code == 0, result.output
        passwords.add(re.search(r"this installation's password '([^']+)'", result.output).group(1))
    assert len(passwords) == 2
