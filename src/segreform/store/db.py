"""Engines, transactions and migrations for the embedded (SQLite) and deployed (PostgreSQL) store."""

from __future__ import annotations

import os
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker

from segreform.config import database_url

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


# FastAPI runs sync endpoints on anyio's worker threads (40 by default): a pool that size lets every worker
# hold a connection at once instead of failing with "QueuePool limit reached" under load.
SERVER_WORKER_THREADS = 40
# How long a writer waits for SQLite's single write lock before giving up. Imports commit in batches (see
# segreform.data.writer.BATCH_ROWS), so in practice a web write waits for one batch, well under a second or two.
SQLITE_BUSY_TIMEOUT_S = 30


def pool_size() -> int:
    """Connections per engine: ``SEGREFORM_DB_POOL_SIZE``, else one per server worker thread."""
    return int(os.environ.get("SEGREFORM_DB_POOL_SIZE") or SERVER_WORKER_THREADS)


def make_engine(url: str | None = None, **kwargs) -> Engine:
    """An engine for ``url`` (default: :func:`segreform.config.database_url`), pooled for the web server."""
    url = url or database_url()
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S})
    if ":memory:" not in url and url not in ("sqlite://", "sqlite+pysqlite://"):
        kwargs.setdefault("pool_size", pool_size())
        kwargs.setdefault("max_overflow", 10)
        kwargs.setdefault("pool_timeout", 60)
    engine = create_engine(url, future=True, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # SQLite ignores foreign keys unless asked, and WAL lets the web app read while an import writes.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
    # In WAL mode NORMAL is still crash-safe (a power cut may lose the last commits, never corrupt them).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@lru_cache(maxsize=8)
def _factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, future=True)


def session(engine: Engine) -> Session:
    """A new ORM session bound to ``engine``."""
    return _factory(engine)()


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back entirely if it raises.

    On SQLite the transaction takes the write lock when it begins (``BEGIN IMMEDIATE``), waiting up to the busy
    timeout for it. A deferred transaction that reads first and writes later fails at once with "database is
    locked" when another writer committed in between; taking the lock up front makes writers queue instead.
    """
    with _factory(engine)() as db:
        with db.begin():
            if engine.dialect.name == "sqlite":
                db.connection().exec_driver_sql("BEGIN IMMEDIATE")
            yield db


def alembic_config(url: str):
    from alembic.config import Config  # on use: Alembic loads only when the schema is migrated

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine_or_url: Engine | str | None = None, revision: str = "head") -> None:
    """Bring the database schema to ``revision`` with Alembic."""
    from alembic import command  # on use: Alembic loads only when the schema is migrated

    if isinstance(engine_or_url, Engine):
        cfg = alembic_config(engine_or_url.url.render_as_string(hide_password=False))
        with engine_or_url.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
    else:
        command.upgrade(alembic_config(engine_or_url or database_url()), revision)


def open_store(url: str | None = None) -> Engine:
    """An engine on ``url`` (default: the configured database) with the schema migrated to the newest revision.

    Upgrading an up-to-date database is a no-op, so every command can call this and a database made by an
    older segreform is brought up to date before it is used.
    """
    engine = make_engine(url)
    upgrade(engine)
    return engine


def is_initialised(engine: Engine) -> bool:
    """True when the schema exists (Alembic has stamped a revision)."""
    return inspect(engine).has_table("alembic_version")
