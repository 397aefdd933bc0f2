"""Importer for SCB Statistikdatabasen (PX-Web) CSV exports, as users download them.

Any such table: a UTF-8 BOM, a header whose year columns read "2022" or "<content> 2022" (e.g. "Antal 2020"),
other leading columns being dimensions (region first or named "region"), region labels without codes
("Kommun (RegSO-namn)", kommun or län names, or "code name"), and a metadata footer after the first empty row
(notes, "Senaste uppdatering:", "Källa:", "Sort:", "Intern referenskod:" ...), which is kept as metadata.

SCB's missing-value markers are stored as documented missing values (NULL value, marker kept):
see :data:`MISSING_MARKERS`.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from operator import itemgetter
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from segreform.data import numbers
from segreform.data.errors import DataInputError, Problem
from segreform.data.geography import LabelIndex, normalise_label
from segreform.data.numbers import NumberError, NumberFormat
from segreform.data.px_csv import PxRow, PxTable, YearColumn, decode, read_px_csv, stream_px_csv
from segreform.data.writer import (
    ImportResult, ObservationChunks, Release, sha256_of_file, write_release,
)

__all__ = ["MISSING_MARKERS", "USER_FILE_SOURCE", "PxRow", "PxTable", "YearColumn", "decode", "import_px",
           "parse_number", "px_release", "read_px_csv", "slug", "stream_px_csv"]

MISSING_MARKERS = {
    "..": "data not available, or too uncertain to publish",
    ".": "category not applicable",
    "-": "nothing to report (SCB: inget finns att redovisa)",
    "..C": "confidential",
}
USER_FILE_SOURCE = "unknown (user's file)"
"""Source and licence of a file that names neither, unless the user states them (--source, --licence)."""
_UPDATED = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\s+(\d{2}:\d{2}))?")


def slug(text: str) -> str:
    """A variable-name-safe version of ``text``: lower case ASCII, words joined by underscores (å/ä → a, ö → o)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.casefold()).strip("_")


def parse_number(cell: str, number_format: NumberFormat | None = None) -> float:
    """A PX-Web number: spaces group thousands, a decimal comma where unambiguous (see :mod:`.numbers`)."""
    return numbers.parse_number(cell, number_format)


def _vintage_from_footer(fields: dict[str, str]) -> str | None:
    updated = fields.get("Senaste uppdatering") or fields.get("Latest update") or ""
    match = _UPDATED.match(updated.strip())
    if not match:
        return None
    year, month, day, clock = match.groups()
    return f"{year}-{month}-{day}" + (f" {clock}" if clock else "")


def px_release(
    engine: Engine,
    path: str | Path,
    *,
    name: str | None = None,
    variable: str | None = None,
    unit: str | None = None,
    vintage: str | None = None,
    level: str | None = None,
    geography_version: str | None = None,
    encoding: str = "utf-8",
    source: str | None = None,
    licence: str | None = None,
    decimal: str | None = None,
    thousands: str | None = None,
) -> tuple[Release, list[str]]:
    """Parse, validate and map a PX-Web CSV export to a :class:`Release` (nothing is written).

    Returns the release and human-readable notes (labels matched through a rename, areas with no successor).
    Raises :class:`DataInputError` naming file, line and field for every unmapped label, duplicate row or
    value that is not a finite number nor a missing-value marker (see :mod:`segreform.data.numbers`;
    ``decimal``/``thousands`` state the separators where a cell like ``1,234`` is ambiguous).

    The release names ``source`` (else the footer's "Källa:", else :data:`USER_FILE_SOURCE`) and keeps
    ``licence`` (else :data:`USER_FILE_SOURCE`) in its metadata: a file is never labelled as SCB's unasked.
    """
    path = Path(path)
    try:
        number_format = NumberFormat(decimal, thousands)
    except ValueError as exc:
        raise DataInputError(Problem(path.name, None, "--decimal/--thousands", str(exc))) from None
    # Two passes over the file, neither holding its rows: the first learns the labels, dimensions and footer
    # (and refuses unmapped labels and duplicate rows), the second reads the values a chunk at a time as the
    # writer stores them.
    table, rows = stream_px_csv(path, encoding=encoding)
    first_line: dict[str, int] = {}
    normalised: dict[str, str] = {}  # per distinct label, not per row
    combinations: dict[tuple[str, ...], None] = {}
    row_keys = array("q")  # one hash per row: 8 bytes, however wide the row
    for row in rows:
        key = normalised.get(row.region)
        if key is None:
            first_line[row.region] = row.line
            key = normalised[row.region] = normalise_label(row.region)
        combinations[row.dimensions] = None
        row_keys.append(hash((key, row.dimensions)))
    del normalised
    dimension_values = [set(values) for values in zip(*combinations)] or [set() for _ in table.dimension_headings]
    first_dimensions = next(iter(combinations), None)
    labels = list(first_line)
    resolution = LabelIndex(engine).resolve(labels, level=level, version=geography_version)
    problems: list[Problem] = []
    for label in resolution.unmapped:
        hint = resolution.suggestions.get(label)
        message = f"region label {label!r} matches no {resolution.level} {resolution.native_version} area"
        if hint:
            message += f" (close: {', '.join(hint)})"
        problems.append(Problem(table.source, first_line[label], table.region_heading or "region", message))
    problems += _duplicate_rows(path, encoding, table, np.asarray(row_keys, dtype=np.int64))
    del row_keys

    varying = [i for i, values in enumerate(dimension_values) if len(values) > 1]
    fixed = {table.dimension_headings[i]: first_dimensions[i]
             for i in range(len(table.dimension_headings)) if i not in varying} if first_dimensions else {}
    contents = {c.content for c in table.year_columns}
    default_unit = unit or table.footer_fields.get("Sort") or None

    def variable_name(content: str | None, dims: tuple[str, ...]) -> str:
        base = variable or (slug(content) if content else slug(table.footer_fields.get("Sort", "")) or slug(name or path.stem))
        if variable and len(contents) > 1 and content:
            base = f"{base}_{slug(content)}"
        for i in varying:
            base += f"__{slug(table.dimension_headings[i])}_{slug(dims[i])}"
        return base

    # Every (year column, dimensions) pair names one variable; worked out once, not per cell.
    names: dict[tuple, str] = {}
    variables: dict[str, tuple[str | None, str | None]] = {}
    for dims in combinations:
        for column in table.year_columns:
            var = names[(column.content, dims)] = variable_name(column.content, dims)
            label = " / ".join([column.content or table.footer_fields.get("Sort", var)] +
                               [f"{table.dimension_headings[i]}: {dims[i]}" for i in varying])
            variables.setdefault(var, (default_unit or (column.content.casefold() if column.content else None), label))
    if problems:
        problems += _number_problems(path, encoding, table, number_format)
        raise DataInputError(problems, hint=_unmapped_hint(resolution) if resolution.unmapped else None)
    notes = [
        f"{label!r} → {m.level} {m.version} {m.code} ({m.relation}, {m.native_version} code {m.native_code})"
        for label, m in resolution.renamed.items()
    ]
    metadata = {
        "format": "PX-Web CSV export",
        "header": table.header,
        "footer_notes": table.footer_notes,
        "footer": table.footer_fields,
        "fixed_dimensions": fixed,
        "geography": {"level": resolution.level, "labels_version": resolution.native_version},
        "label_notes": notes,
        "missing_markers": {},
    }
    footer_source = table.footer_fields.get("Källa") or table.footer_fields.get("Source")
    metadata["source_stated_by"] = "user" if source else "file footer" if footer_source else "nobody"
    metadata["licence"] = licence or USER_FILE_SOURCE
    matched = [m for label in labels if (m := resolution.matches.get(label)) is not None]
    areas = pd.DataFrame([(m.level, m.version, m.code) for m in matched],
                         columns=["area_level", "area_version", "area_code"])

    # Per label and per dimension combination, what every row of it stores: looked up once per row, not per cell.
    places = {label: (m.level, m.version, m.code, m.relation) for label, m in resolution.matches.items()}
    column_variables = {dims: [names[(column.content, dims)] for column in table.year_columns] for dims in combinations}

    def read() -> Iterator[list[tuple]]:
        """The values as records in :data:`~segreform.data.writer.OBSERVATION_COLUMNS` order, a chunk at a time; the missing-value
        markers met are recorded in the metadata."""
        _table, body = stream_px_csv(path, encoding=encoding)
        problems: list[Problem] = []
        records: list[tuple] = []
        markers = metadata["missing_markers"]
        columns = table.year_columns
        # A cell's reading depends on its text alone (the number format is fixed for the file), and an export
        # repeats few distinct texts (counts): each is parsed once. Problems are not kept (they name the line).
        readings: dict[str, tuple[float | None, str | None]] = {}
        for row in body:
            place = places.get(row.region)
            if place is not None:
                level_, version, code, relation = place
            for column, variable, cell in zip(columns, column_variables[row.dimensions], row.cells):
                reading = readings.get(cell)
                if reading is None:
                    value, marker, problem = _cell_value(table, row, column, cell, number_format)
                    if problem is not None:
                        problems.append(problem)
                        continue
                    if marker is not None:
                        markers[marker] = MISSING_MARKERS[marker]
                    if len(readings) < MEMO_CELLS:
                        readings[cell] = (value, marker)
                else:
                    value, marker = reading
                if place is None or problems:
                    continue
                year = column.year
                records.append((variable, level_, version, code, year, value, marker, year, relation))
            if len(records) >= READ_CHUNK_ROWS:
                yield records
                records = []
        if problems:
            raise DataInputError(problems)
        if records:
            yield records

    count = sum(1 for label, line in first_line.items() if label in resolution.matches)  # labels, for the estimate
    rows_estimate = len(table.year_columns) * max(count, 1) * max(len(combinations), 1)
    release = Release(
        name=name or path.stem,
        source=source or footer_source or USER_FILE_SOURCE,
        source_table=table.footer_fields.get("Intern referenskod") or table.footer_fields.get("Table") or path.name,
        content_sha256=sha256_of_file(path),
        observations=ObservationChunks(read, rows=rows_estimate, areas=areas),
        variables=variables,
        vintage=vintage or _vintage_from_footer(table.footer_fields),
        file_name=path.name,
        metadata=metadata,
    )
    return release, notes


READ_CHUNK_ROWS = 20_000
MEMO_CELLS = 200_000  # distinct cell texts remembered while reading (bounded memory)


def _cell_value(table: PxTable, row: PxRow, column: YearColumn, cell: str, number_format: NumberFormat | None = None):
    """(value, missing marker, problem) of one cell: a finite number, an SCB marker, or a problem naming the cell
    (non-finite values, unmarked NaN and ambiguous separators are refused: see :mod:`segreform.data.numbers`)."""
    stripped = cell.strip()
    if stripped in MISSING_MARKERS:
        return None, stripped, None
    try:
        return parse_number(stripped, number_format), None, None
    except NumberError as exc:
        return None, None, Problem(table.source, row.line, column.heading,
                                   f"{exc}; missing-value markers are {', '.join(MISSING_MARKERS)}")


def _number_problems(path: Path, encoding: str, table: PxTable, number_format: NumberFormat | None = None) -> list[Problem]:
    """Every cell that is neither a number nor a marker (reported beside other problems of a refused file)."""
    _table, body = stream_px_csv(path, encoding=encoding)
    return [problem for row in body for column, cell in zip(table.year_columns, row.cells)
            if (problem := _cell_value(table, row, column, cell, number_format)[2]) is not None]


def _duplicate_rows(path: Path, encoding: str, table: PxTable, keys: np.ndarray) -> list[Problem]:
    """A problem for each row that repeats an earlier row's region and dimensions.

    The first pass keeps one 64-bit hash per row (8 bytes, not the row); only when two hashes agree is the
    file read again to name the lines, comparing the rows themselves.
    """
    values, counts = np.unique(keys, return_counts=True)
    repeated = set(values[counts > 1].tolist())
    if not repeated:
        return []
    problems = []
    seen: dict[tuple, int] = {}
    _table, body = stream_px_csv(path, encoding=encoding)
    for row in body:
        key = (normalise_label(row.region), row.dimensions)
        if hash(key) not in repeated:
            continue
        if key in seen:
            problems.append(Problem(table.source, row.line, table.region_heading or "region",
                                    f"duplicate row for {row.region.strip()!r} {row.dimensions or ''} "
                                    f"(first on line {seen[key]})"))
        else:
            seen[key] = row.line
    return problems


def _unmapped_hint(resolution) -> str:
    return (f"Labels were matched against {resolution.level} {resolution.native_version} (the best fit). "
            "Check the spelling, pick the geography with --level/--geography-version, or load the missing "
            "areas first (segreform import file --schema).")


def import_px(engine: Engine, path: str | Path, *, progress: bool = False, **options) -> ImportResult:
    """Import a PX-Web CSV export (see :func:`px_release` for the options), all or nothing (see
    :func:`segreform.data.writer.write_release`), reading the file as a stream."""
    release, notes = px_release(engine, path, **options)
    result = write_release(engine, release, progress=progress)
    result.notes[:0] = notes
    return result
