"""Moving many rows into the store fast: one bulk insert inside a caller's transaction, or batches of records
each committed on its own (a large import), with a progress bar for the command line.
"""

from __future__ import annotations

from typing import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, Table

from segreform.store.db import transaction

CHUNK_ROWS = 5000
# SQLite page cache of the connection that writes an import's batches (KiB): the observation table's indexes
# are updated all over their B-trees, and SQLite's default cache (2 MiB) re-reads their pages for every batch.
IMPORT_CACHE_KIB = 64 * 1024


def bulk_insert(conn: Connection, table: Table, frame: pd.DataFrame, *, progress: bool = False,
                label: str = "inserting") -> None:
    """Insert ``frame`` into ``table`` fast: COPY on PostgreSQL, chunked executemany elsewhere."""
    if frame.empty:
        return
    columns = list(frame.columns)
    rows = records(frame)
    with progress_bar(len(rows), label, progress) as advance:
        if conn.dialect.name == "postgresql":
            copy_records(conn, table.name, columns, rows, advance)
            return
        # The driver's own executemany: SQLAlchemy's per-row compilation would dominate the first-run time.
        statement = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        for start in range(0, len(rows), CHUNK_ROWS):
            chunk = rows[start:start + CHUNK_ROWS]
            conn.exec_driver_sql(statement, chunk)
            advance(len(chunk))


def copy_records(conn: Connection, table: str, columns: Sequence[str], rows: Iterable[tuple],
                 advance: Callable[[int], None] = lambda n: None) -> None:
    """PostgreSQL's COPY of ``rows`` (tuples in ``columns`` order) into ``table``, in ``conn``'s transaction."""
    with conn.connection.driver_connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            count = 0
            for row in rows:
                copy.write_row(row)
                count += 1
                if count == CHUNK_ROWS:
                    advance(count)
                    count = 0
            advance(count)


def write_checked_batches(engine: Engine, table: str, columns: Sequence[str], fixed: dict[str, int],
                          batches: Iterable[list[tuple]], advance: Callable[[int], None]) -> int:
    """Insert each batch of records (tuples in ``columns`` order, plus the ``fixed`` integer columns every row
    shares) in a transaction of its own; return the number of rows written.

    The caller has checked every foreign key of the rows already (an import checks its areas and owns its
    staged dataset), so on SQLite the batches are written on a connection of their own without re-checking
    them row by row and with a larger page cache; that connection is closed afterwards, never handed back to
    the pool. Each batch holds SQLite's write lock only while it is written: the next batch is read meanwhile.
    """
    names = list(fixed) + list(columns)
    stored = 0
    if engine.dialect.name != "sqlite":
        prefix = tuple(fixed.values())
        for batch in batches:
            with transaction(engine) as db:
                copy_records(db.connection(), table, names, (prefix + row for row in batch))
            stored += len(batch)
            advance(len(batch))
        return stored
    constants = [str(int(value)) for value in fixed.values()]
    statement = (f"INSERT INTO {table} ({', '.join(names)}) "
                 f"VALUES ({', '.join(constants + ['?'] * len(columns))})")
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        try:
            raw.execute("PRAGMA foreign_keys=OFF")
            raw.execute(f"PRAGMA cache_size=-{IMPORT_CACHE_KIB}")
            for batch in batches:
                raw.execute("BEGIN IMMEDIATE")  # waits (busy timeout) for the web's writes, as they wait for this
                try:
                    raw.executemany(statement, batch)
                    raw.commit()
                except BaseException:
                    raw.rollback()
                    raise
                stored += len(batch)
                advance(len(batch))
        finally:
            conn.invalidate()  # its pragmas differ from the pool's: closed, not reused
    return stored


def records(frame: pd.DataFrame) -> list[tuple]:
    """Rows as plain Python values (NaN/NA → None; numpy scalars → Python ints/floats) for any DB driver.

    Column by column: numpy's ``tolist`` converts a whole column at once, several times faster than
    converting the frame to objects cell by cell.
    """
    columns = []
    for name in frame.columns:
        column = frame[name]
        values = column.tolist()
        numpy_dtype = isinstance(column.dtype, np.dtype)
        if numpy_dtype and column.dtype.kind in "iub":
            pass
        elif numpy_dtype and column.dtype.kind == "f":
            if column.isna().any():
                values = [None if v != v else v for v in values]
        else:
            values = [None if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v)
                      else (v.item() if hasattr(v, "item") and not isinstance(v, (str, bytes)) else v)
                      for v in values]
        columns.append(values)
    return list(zip(*columns))


class progress_bar:
    """``with progress_bar(total, label, enabled) as advance: advance(n)``; a no-op when not enabled."""

    def __init__(self, total: int, label: str, enabled: bool):
        self.total, self.label, self.enabled = total, label, enabled

    def __enter__(self):
        if not self.enabled:
            return lambda n: None
        from rich.progress import Progress  # only for an interactive import

        self._progress = Progress(transient=True)
        self._progress.start()
        task = self._progress.add_task(self.label, total=self.total)
        return lambda n: self._progress.advance(task, n)

    def __exit__(self, *exc):
        if self.enabled:
            self._progress.stop()
        return False
