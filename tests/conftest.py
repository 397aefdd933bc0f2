"""Shared fixtures: a migrated database on every backend, and Debian's chromium for browser tests.

Database tests run once per backend: SQLite always, PostgreSQL (127.0.0.1:5432, or
``SEGREFORM_TEST_POSTGRES_URL``) when it answers. Under ``CI=true`` a missing PostgreSQL or chromium
is a failure, never a skip.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from store_cleanup import empty_all_tables

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
POSTGRES_ADMIN_URL = os.environ.get(
    "SEGREFORM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
CHROMIUM = os.environ.get("SEGREFORM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(os.environ.get("SEGREFORM_TEST_ARTIFACTS", "test-artifacts"))
REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"


def unavailable(reason: str) -> None:
    """Skip on a laptop that lacks a service; fail under CI, where it must be there."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


def _postgres_reason() -> str | None:
    try:
        engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any driver or network error means: not here
        return f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({type(exc).__name__})"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    """A freshly migrated, empty database, once per backend for the whole session."""
    from segreform.store import upgrade

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
        upgrade(url)
        yield url
        return
    reason = _postgres_reason()
    if reason:
        unavailable(reason)
    name = f"segreform_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture
def engine(database_url):
    """An engine on the session's database; every table is emptied after the test."""
    from segreform.store import make_engine

    eng = make_engine(database_url)
    yield eng
    empty_all_tables(eng)
    eng.dispose()


@pytest.fixture(scope="session")
def chromium_browser():
    """Playwright driving Debian's chromium (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        unavailable(f"chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def serve_app(engine, warm: bool = False):
    """Serve the web app on ``engine`` with uvicorn on a free loopback port; yields its base URL.

    ``warm=True`` first runs the cache warm-up that ``segreform serve`` starts (map layers, police overlay,
    multi-scalar profiles, pre-rendered kommun pages) and waits for it, so that a browser meets the app as a
    visitor of a running server does, not a cold process computing everything on its first page.
    """
    import uvicorn

    from segreform.web.app import create_app, warm_up

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(engine)
    if warm:
        warming = warm_up(app)
        warming.join(timeout=900)
        assert not warming.is_alive(), "the cache warm-up did not finish within 15 minutes"
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web server did not start within 30 s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def app_server():
    """:func:`serve_app`, for fixtures that serve the app to a browser."""
    return serve_app


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def reference_data() -> Path:
    """The published reference data sets copied into the repository (tests/reference)."""
    return Path(__file__).parent / "reference"


def pytest_report_header(config):
    reason = _postgres_reason()
    pg = "PostgreSQL: " + (f"skipped, {reason}" if reason else f"running tests against {POSTGRES_ADMIN_URL}")
    chromium = "chromium: " + (CHROMIUM if Path(CHROMIUM).exists() else f"not found at {CHROMIUM}")
    return [pg, chromium, f"CI={IN_CI}"]
