"""Writing one dataset release into the store: validated first, then in one transaction, in bulk.

Rules every importer gets from here: the same content twice is a no-op (content hash); a second release
(vintage) of the same name is kept beside the first and the newer is marked current; a release whose areas are
unknown is refused before anything is written.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import pandas as pd
from sqlalchemy import Connection, Engine, Table, insert, select, update

from segreform.data.errors import DataInputError, Problem
from segreform.store.db import transaction
from segreform.store.models.data import Area, Dataset, DatasetVariable, Observation

OBSERVATION_COLUMNS = [
    "variable", "area_level", "area_version", "area_code", "year", "value", "missing_marker",
    "reference_year", "area_match",
]
CHUNK_ROWS = 5000
_DATE_PREFIX = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})")


@dataclass
class Release:
    """One release of one table, ready to write. ``observations`` has :data:`OBSERVATION_COLUMNS`."""

    name: str
    source: str
    source_table: str
    content_sha256: str
    observations: pd.DataFrame
    variables: dict[str, tuple[str | None, str | None]]
    vintage: str | None = None
    file_name: str | None = None
    metadata: dict = field(default_factory=dict)


@dataclass
class ImportResult:
    """What an import did: ``status`` is "imported" or "unchanged" (the same content was already loaded)."""

    dataset_id: int
    name: str
    vintage: str
    status: str
    rows: int
    is_current: bool
    notes: list[str] = field(default_factory=list)


def sha256_of(data: bytes | str) -> str:
    """Hex SHA-256 of ``data`` (text is hashed as UTF-8)."""
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def sha256_of_file(path: Path) -> str:
    return sha256_of(Path(path).read_bytes())


def vintage_is_newer(new: str, old: str) -> bool:
    """True if release ``new`` is newer than ``old``: date-like vintages compare as dates, otherwise later wins."""
    new_date, old_date = _DATE_PREFIX.match(new), _DATE_PREFIX.match(old)
    if new_date and old_date:
        return new_date.groups() >= old_date.groups()
    return True


# Called after every release that changed the store, once its transaction has committed. Jobs that react
# to new data (continuous evaluation) register here, so the data layer never imports them.
AFTER_IMPORT: list[Callable[[Engine, "ImportResult"], str | None]] = []


def on_import(callback: Callable[[Engine, "ImportResult"], str | None]) -> Callable:
    """Register ``callback(engine, result)`` to run after each import that stored new data.

    It may return a one-line note for the user. A callback that fails does not undo the import (the data
    are committed); its error becomes a note on the result.
    """
    if callback not in AFTER_IMPORT:
        AFTER_IMPORT.append(callback)
    return callback


def _after_import(engine: Engine, result: "ImportResult") -> None:
    for callback in AFTER_IMPORT:
        try:
            note = callback(engine, result)
        except Exception as exc:  # the import itself succeeded; say what went wrong afterwards
            note = f"after-import step {getattr(callback, '__name__', callback)!r} failed: {exc}"
        if note:
            result.notes.append(note)


def write_release(engine: Engine, release: Release, *, progress: bool = False,
                  before_write: Callable[[Connection], None] | None = None) -> ImportResult:
    """Store ``release`` in one transaction; raise :class:`DataInputError` (nothing written) if it is invalid.

    ``before_write`` runs inside the same transaction first (e.g. to declare a user's own areas), so it is
    rolled back with everything else if the release is refused.
    """
    _validate_frame(release)
    with transaction(engine) as db:
        conn = db.connection()
        existing = conn.execute(
            select(Dataset.id, Dataset.vintage, Dataset.is_current, Dataset.rows).where(
                Dataset.name == release.name, Dataset.content_sha256 == release.content_sha256
            )
        ).first()
        if existing is not None:
            return ImportResult(existing.id, release.name, existing.vintage, "unchanged", existing.rows,
                                existing.is_current)
        vintage = release.vintage or f"sha256:{release.content_sha256[:12]}"
        clash = conn.execute(
            select(Dataset.id).where(Dataset.name == release.name, Dataset.vintage == vintage)
        ).first()
        if clash is not None:
            raise DataInputError(
                Problem(release.file_name or release.name, None, "vintage",
                        f"dataset {release.name!r} already has a release {vintage!r} with different content"),
                hint="Give the new release its own vintage (--vintage) or another name (--name).",
            )
        if before_write is not None:
            before_write(conn)
        _check_areas_exist(conn, release)
        others = conn.execute(
            select(Dataset.id, Dataset.vintage).where(Dataset.name == release.name, Dataset.is_current)
        ).all()
        is_current = all(vintage_is_newer(vintage, other.vintage) for other in others)
        if is_current and others:
            conn.execute(update(Dataset).where(Dataset.name == release.name).values(is_current=False))
        dataset_id = conn.execute(
            insert(Dataset).values(
                name=release.name, source=release.source, source_table=release.source_table, vintage=vintage,
                is_current=is_current, imported_at=datetime.now(timezone.utc).replace(tzinfo=None),
                file_name=release.file_name, content_sha256=release.content_sha256,
                metadata_json=json.dumps(release.metadata, ensure_ascii=False, default=str),
                rows=len(release.observations),
            ).returning(Dataset.id)
        ).scalar_one()
        conn.execute(
            insert(DatasetVariable),
            [{"dataset_id": dataset_id, "variable": var, "unit": unit, "label": label}
             for var, (unit, label) in release.variables.items()],
        )
        frame = release.observations[OBSERVATION_COLUMNS].assign(dataset_id=dataset_id)
        bulk_insert(conn, Observation.__table__, frame, progress=progress, label=f"storing {release.name}")
    notes = [] if is_current else [f"a newer vintage of {release.name!r} is already current; kept this one beside it"]
    result = ImportResult(dataset_id, release.name, vintage, "imported", len(frame), is_current, notes)
    _after_import(engine, result)
    return result


def _validate_frame(release: Release) -> None:
    frame = release.observations
    missing = [c for c in OBSERVATION_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"release frame lacks columns {missing}")
    if frame.empty:
        raise DataInputError(Problem(release.file_name or release.name, None, None, "no data rows found"))
    unknown = sorted(set(frame.variable) - set(release.variables))
    if unknown:
        raise ValueError(f"variables {unknown} have no declared unit/label")
    key = ["variable", "area_level", "area_version", "area_code", "year"]
    dupes = frame[frame.duplicated(key, keep=False)]
    if not dupes.empty:
        source = release.file_name or release.name
        problems = [
            Problem(source, None, "area/year",
                    f"duplicate value for {row.variable} in {row.area_level} {row.area_code} ({row.area_version}) "
                    f"year {row.year}")
            for row in dupes.drop_duplicates(key).itertuples()
        ]
        raise DataInputError(problems, hint="Each area, year and variable may appear once per release.")


def _check_areas_exist(conn: Connection, release: Release) -> None:
    wanted = release.observations[["area_level", "area_version", "area_code"]].drop_duplicates()
    problems = []
    for (level, version), group in wanted.groupby(["area_level", "area_version"]):
        known = set(conn.execute(
            select(Area.code).where(Area.level == level, Area.version == version)
        ).scalars())
        for code in sorted(set(group.area_code) - known):
            problems.append(Problem(release.file_name or release.name, None, "area",
                                    f"unknown {level} code {code!r} in geography version {version!r}"))
    if problems:
        raise DataInputError(problems, hint="Load the geography first (segreform init) or declare the areas.")


def bulk_insert(conn: Connection, table: Table, frame: pd.DataFrame, *, progress: bool = False,
                label: str = "inserting") -> None:
    """Insert ``frame`` into ``table`` fast: COPY on PostgreSQL, chunked executemany elsewhere."""
    if frame.empty:
        return
    columns = list(frame.columns)
    records = _records(frame)
    with _progress_bar(len(records), label, progress) as advance:
        if conn.dialect.name == "postgresql":
            raw = conn.connection.driver_connection
            with raw.cursor() as cursor:
                with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                    for start in range(0, len(records), CHUNK_ROWS):
                        for record in records[start:start + CHUNK_ROWS]:
                            copy.write_row(record)
                        advance(min(CHUNK_ROWS, len(records) - start))
            return
        # The driver's own executemany: SQLAlchemy's per-row compilation would dominate the first-run time.
        statement = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        for start in range(0, len(records), CHUNK_ROWS):
            chunk = records[start:start + CHUNK_ROWS]
            conn.exec_driver_sql(statement, chunk)
            advance(len(chunk))


def _records(frame: pd.DataFrame) -> list[tuple]:
    """Rows as plain Python values (NaN → None; object arrays hold Python ints/floats) for any DB driver."""
    return list(map(tuple, frame.astype(object).where(frame.notna(), None).to_numpy().tolist()))


class _progress_bar:
    def __init__(self, total: int, label: str, enabled: bool):
        self.total, self.label, self.enabled = total, label, enabled

    def __enter__(self):
        if not self.enabled:
            return lambda n: None
        from rich.progress import Progress

        self._progress = Progress(transient=True)
        self._progress.start()
        task = self._progress.add_task(self.label, total=self.total)
        return lambda n: self._progress.advance(task, n)

    def __exit__(self, *exc):
        if self.enabled:
            self._progress.stop()
        return False
