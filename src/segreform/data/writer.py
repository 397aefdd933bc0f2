"""Writing one dataset release into the store: validated first, then in one transaction, in bulk.

Rules every importer gets from here: the same content twice is a no-op (content hash); a second release
(vintage) of the same name is kept beside the first and the newer is marked current; a release whose areas are
unknown is refused before anything is written.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from operator import itemgetter
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pandas as pd
from sqlalchemy import Connection, Engine, delete, insert, select, update

from segreform.data.bulk import bulk_insert, progress_bar, records, write_checked_batches
from segreform.data.errors import DataInputError, Problem
from segreform.data.staging import STAGING_PREFIX, discard, discard_stale_staging, staging_owner
from segreform.store.db import transaction
from segreform.store.models.data import Area, Dataset, DatasetVariable, Observation

__all__ = ["AFTER_IMPORT", "BATCH_ROWS", "OBSERVATION_COLUMNS", "STAGING_PREFIX", "ImportResult",
           "ObservationChunks", "Release", "bulk_insert", "discard_stale_staging", "on_import", "sha256_of",
           "sha256_of_file", "vintage_is_newer", "write_release"]

OBSERVATION_COLUMNS = [
    "variable", "area_level", "area_version", "area_code", "year", "value", "missing_marker",
    "reference_year", "area_match",
]
# Values per committed batch of a large import: on SQLite other writers wait for at most one batch (well under a
# second), and the import's memory does not grow with the file.
BATCH_ROWS = 25_000
_INDEX_ORDER = itemgetter(0, 3, 4)  # variable, area_code, year in OBSERVATION_COLUMNS
_DATE_PREFIX = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})")


class ObservationChunks:
    """Observations read a chunk at a time (a large file): iterating calls ``read()`` afresh, which yields
    lists of records (tuples in :data:`OBSERVATION_COLUMNS` order) and may raise :class:`DataInputError`
    part-way (then nothing of the release is kept). ``areas`` are the distinct (area_level, area_version,
    area_code) it uses; ``rows`` the number of values it will yield (for progress)."""

    def __init__(self, read: Callable[[], Iterator[list[tuple]]], *, rows: int, areas: pd.DataFrame):
        self.read, self.rows, self.areas = read, rows, areas

    def __iter__(self) -> Iterator[list[tuple]]:
        return iter(self.read())

    def frame(self) -> pd.DataFrame:
        """Every observation in one frame (for small releases and tests)."""
        return pd.DataFrame([record for chunk in self for record in chunk], columns=OBSERVATION_COLUMNS)


@dataclass
class Release:
    """One release of one table, ready to write. ``observations`` has :data:`OBSERVATION_COLUMNS`, as one
    frame or as :class:`ObservationChunks`."""

    name: str
    source: str
    source_table: str
    content_sha256: str
    observations: "pd.DataFrame | ObservationChunks"
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
    digest = hashlib.sha256()
    with Path(path).open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
    """Store ``release``; raise :class:`DataInputError` (nothing written) if it is invalid.

    ``before_write`` runs inside the same transaction first (e.g. to declare a user's own areas), so it is
    rolled back with everything else if the release is refused.

    A release of at most :data:`BATCH_ROWS` values (or one with ``before_write``) is written in one
    transaction. A larger one is *staged*: written in batches of :data:`BATCH_ROWS` into a dataset under a
    hidden name (:data:`STAGING_PREFIX`), each batch its own short transaction so that other writers (the web
    app on SQLite, which has one write lock) wait for one batch at most, and given its real name and made
    current in one last transaction. Until then no query sees it; if the import fails the staged rows are
    deleted, and rows left by a killed import are deleted by the next import (:func:`discard_stale_staging`).
    """
    chunks = release.observations if isinstance(release.observations, ObservationChunks) else None
    if chunks is not None and chunks.rows <= BATCH_ROWS:
        release = dataclasses.replace(release, observations=chunks.frame())  # small: checked and written at once
        chunks = None
    if chunks is None:
        _validate_frame(release)
    elif not release.variables:
        raise DataInputError(Problem(release.file_name or release.name, None, None, "no data rows found"))
    if release.name.startswith(STAGING_PREFIX):
        raise DataInputError(Problem(release.file_name or release.name, None, "name",
                                     f"dataset names may not start with {STAGING_PREFIX!r}"))
    rows = chunks.rows if chunks is not None else len(release.observations)
    if chunks is None and (rows <= BATCH_ROWS or before_write is not None):
        return _write_in_one_transaction(engine, release, progress, before_write)
    discard_stale_staging(engine)
    with transaction(engine) as db:
        conn = db.connection()
        unchanged = _start(conn, release, before_write)
        if unchanged is not None:
            return unchanged
        staging_id = _insert_dataset(conn, release, name=f"{STAGING_PREFIX}{uuid.uuid4().hex}", is_current=False,
                                     rows=0, staging={**staging_owner(), "target": release.name})
    try:
        if chunks is not None:
            batches = _record_batches(chunks, BATCH_ROWS)
        else:
            batches = _record_batches((records(frame[OBSERVATION_COLUMNS])
                                       for frame in _slices(release.observations, BATCH_ROWS)), BATCH_ROWS)
        with progress_bar(rows, f"storing {release.name}", progress) as advance:
            stored = write_checked_batches(engine, Observation.__tablename__, OBSERVATION_COLUMNS,
                                           {"dataset_id": staging_id}, batches, advance)
        if stored == 0:
            raise DataInputError(Problem(release.file_name or release.name, None, None, "no data rows found"))
        with transaction(engine) as db:
            conn = db.connection()
            unchanged = _unchanged_or_clash(conn, release)  # another import may have finished meanwhile
            if unchanged is not None:
                conn.execute(delete(Dataset).where(Dataset.id == staging_id))
                return unchanged
            is_current = _make_room_for(conn, release)
            conn.execute(update(Dataset).where(Dataset.id == staging_id).values(
                name=release.name, is_current=is_current, rows=stored,
                metadata_json=json.dumps(release.metadata, ensure_ascii=False, default=str),
            ))
            conn.execute(insert(DatasetVariable), _variable_rows(release, staging_id))
    except BaseException:
        try:
            discard(engine, staging_id)
        except Exception:  # the store went away: the next import discards the stale staging rows
            pass
        raise
    return _finished(engine, release, staging_id, stored, is_current)


def _start(conn: Connection, release: Release, before_write: Callable[[Connection], None] | None) -> ImportResult | None:
    """What both ways of writing do first: the result at once when the release is stored already (or clashes);
    otherwise the caller's step runs and the release's areas are checked, and None is returned."""
    unchanged = _unchanged_or_clash(conn, release)
    if unchanged is None:
        if before_write is not None:
            before_write(conn)
        _check_areas_exist(conn, release)
    return unchanged


def _write_in_one_transaction(engine: Engine, release: Release, progress: bool,
                              before_write: Callable[[Connection], None] | None) -> ImportResult:
    with transaction(engine) as db:
        conn = db.connection()
        unchanged = _start(conn, release, before_write)
        if unchanged is not None:
            return unchanged
        is_current = _make_room_for(conn, release)
        dataset_id = _insert_dataset(conn, release, name=release.name, is_current=is_current,
                                     rows=len(release.observations))
        conn.execute(insert(DatasetVariable), _variable_rows(release, dataset_id))
        frame = release.observations[OBSERVATION_COLUMNS].assign(dataset_id=dataset_id)
        bulk_insert(conn, Observation.__table__, frame, progress=progress, label=f"storing {release.name}")
    return _finished(engine, release, dataset_id, len(frame), is_current)


def _finished(engine: Engine, release: Release, dataset_id: int, rows: int, is_current: bool) -> ImportResult:
    notes = [] if is_current else [f"a newer vintage of {release.name!r} is already current; kept this one beside it"]
    result = ImportResult(dataset_id, release.name, _vintage(release), "imported", rows, is_current, notes)
    _after_import(engine, result)
    return result


def _vintage(release: Release) -> str:
    return release.vintage or f"sha256:{release.content_sha256[:12]}"


def _unchanged_or_clash(conn: Connection, release: Release) -> ImportResult | None:
    """The stored release if this content is already loaded; DataInputError if its vintage is taken."""
    existing = conn.execute(
        select(Dataset.id, Dataset.vintage, Dataset.is_current, Dataset.rows).where(
            Dataset.name == release.name, Dataset.content_sha256 == release.content_sha256
        )
    ).first()
    if existing is not None:
        return ImportResult(existing.id, release.name, existing.vintage, "unchanged", existing.rows,
                            existing.is_current)
    vintage = _vintage(release)
    clash = conn.execute(
        select(Dataset.id).where(Dataset.name == release.name, Dataset.vintage == vintage)
    ).first()
    if clash is not None:
        raise DataInputError(
            Problem(release.file_name or release.name, None, "vintage",
                    f"dataset {release.name!r} already has a release {vintage!r} with different content"),
            hint="Give the new release its own vintage (--vintage) or another name (--name).",
        )
    return None


def _make_room_for(conn: Connection, release: Release) -> bool:
    """Whether the release becomes current; if so, the releases it replaces stop being current."""
    others = conn.execute(
        select(Dataset.id, Dataset.vintage).where(Dataset.name == release.name, Dataset.is_current)
    ).all()
    is_current = all(vintage_is_newer(_vintage(release), other.vintage) for other in others)
    if is_current and others:
        conn.execute(update(Dataset).where(Dataset.name == release.name).values(is_current=False))
    return is_current


def _insert_dataset(conn: Connection, release: Release, *, name: str, is_current: bool, rows: int,
                    staging: dict | None = None) -> int:
    metadata = {"staging": staging} if staging else release.metadata
    return conn.execute(
        insert(Dataset).values(
            name=name, source=release.source, source_table=release.source_table, vintage=_vintage(release),
            is_current=is_current, imported_at=datetime.now(timezone.utc).replace(tzinfo=None),
            file_name=release.file_name, content_sha256=release.content_sha256,
            metadata_json=json.dumps(metadata, ensure_ascii=False, default=str), rows=rows,
        ).returning(Dataset.id)
    ).scalar_one()


def _variable_rows(release: Release, dataset_id: int) -> list[dict]:
    return [{"dataset_id": dataset_id, "variable": var, "unit": unit, "label": label}
            for var, (unit, label) in release.variables.items()]


def _slices(frame: pd.DataFrame, size: int) -> Iterator[pd.DataFrame]:
    for start in range(0, len(frame), size):
        yield frame.iloc[start:start + size]


def _record_batches(chunks: Iterable[list[tuple]], size: int) -> Iterator[list[tuple]]:
    """Records regrouped into batches of about ``size``, each in the order of the observation table's unique
    index (variable, area, year) so that a batch's index entries go in side by side, not all over the B-tree."""
    pending: list[tuple] = []
    for chunk in chunks:
        pending.extend(chunk)
        if len(pending) >= size:
            pending.sort(key=_INDEX_ORDER)
            yield pending
            pending = []
    if pending:
        pending.sort(key=_INDEX_ORDER)
        yield pending


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
    observations = release.observations
    columns = ["area_level", "area_version", "area_code"]
    wanted = (observations.areas if isinstance(observations, ObservationChunks) else observations)[columns]
    wanted = wanted.drop_duplicates()
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
