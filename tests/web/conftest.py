"""Fixtures for the barometer and web tests: databases with the bundled real data loaded once per module.

Loading the bundle takes seconds, so these fixtures load it once per test module (per backend) instead of
once per test, and empty every table afterwards so that other jobs' tests start from an empty database, as
the shared ``engine`` fixture promises them.
"""

from __future__ import annotations


import pytest

from store_cleanup import empty_all_tables


@pytest.fixture(scope="module")
def loaded_engine(database_url):
    """The session's database (SQLite, then PostgreSQL) with the bundled data loaded; emptied after the module."""
    from segreform.data.loader import ensure_initialised
    from segreform.store import make_engine

    engine = make_engine(database_url)
    ensure_initialised(engine, progress=False)
    yield engine
    empty_all_tables(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def client(loaded_engine):
    from fastapi.testclient import TestClient

    from segreform.web.app import create_app

    return TestClient(create_app(loaded_engine))


@pytest.fixture(scope="session")
def embedded_engine(tmp_path_factory):
    """A private SQLite file with the bundled data: the embedded default that ``segreform serve`` opens."""
    from segreform.data.loader import ensure_initialised
    from segreform.store import make_engine

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('embedded') / 'segreform.sqlite'}")
    ensure_initialised(engine, progress=False)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def live_server(embedded_engine, app_server):
    """The app served by uvicorn on a free local port, for the browser, warmed up as ``serve`` does; yields its
    base URL."""
    with app_server(embedded_engine, warm=True) as url:
        yield url
