"""The tests' clean slate: every table of the store emptied, on both backends."""

from __future__ import annotations

from sqlalchemy import text

from segreform.store import Base
import segreform.store.models  # noqa: F401  (every table registered on Base.metadata)


def empty_all_tables(engine) -> None:
    """Delete every row of every table of the store, children before parents, in one transaction.

    On PostgreSQL the foreign-key triggers are off while the rows go (``session_replication_role = replica``;
    the test user is a superuser): every table is emptied anyway, and the checks are quadratic there, since a
    deleted observation stays in the heap until vacuum and the observations' area key has no index (0010), so
    each deleted area would scan every dead observation (minutes per module with the bundle loaded).
    """
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
