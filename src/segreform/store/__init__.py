"""Persistence: SQLAlchemy 2 models and Alembic migrations (SQLite embedded, PostgreSQL deployed)."""

from segreform.store.base import Base
from segreform.store.db import is_initialised, make_engine, open_store, session, transaction, upgrade

__all__ = ["Base", "is_initialised", "make_engine", "open_store", "session", "transaction", "upgrade"]
