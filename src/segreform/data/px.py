"""Importer for SCB Statistikdatabasen (PX-Web) CSV exports, as users download them.

Any such table: a UTF-8 BOM, a header whose year columns read "2022" or "<content> 2022" (e.g. "Antal 2020"),
other leading columns being dimensions (region first or named "region"), region labels without codes
("Kommun (RegSO-namn)", kommun or län names, or "code name"), and a metadata footer after the first empty row
(notes, "Senaste uppdatering:", "Källa:", "Sort:", "Intern referenskod:" ...), which is kept as metadata.

SCB's missing-value markers are stored as documented missing values (NULL value, marker kept):
see :data:`MISSING_MARKERS`.
"""

from __future__ import annotations

import codecs
import csv
import itertools
from array import array
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from segreform.data import numbers
from segreform.data.errors import DataInputError, Problem
from segreform.data.numbers import NumberError, NumberFormat
from segreform.data.geography import LabelIndex, normalise_label
from segreform.data.writer import (
    OBSERVATION_COLUMNS, ImportResult, ObservationChunks, Release, sha256_of_file, write_release,
)

MISSING_MARKERS = {
    "..": "data not available, or too uncertain to publish",
    ".": "category not applicable",
    "-": "nothing to report (SCB: inget finns att redovisa)",
    "..C": "confidential",
}
USER_FILE_SOURCE = "unknown (user's file)"
"""Source and licence of a file that names neither, unless the user states them (--source, --licence)."""
_YEAR_HEADING = re.compile(r"^(?:(?P<content>.*\S)\s+)?(?P<year>(?:19|20)\d{2})$")
_LINE_END = re.compile(r"\r+\n?")
_UPDATED = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\s+(\d{2}:\d{2}))?")


@dataclass
class YearColumn:
    index: int
    heading: str
    content: str | None
    year: int


@dataclass
class PxRow:
    line: int
    region: str
    dimensions: tuple[str, ...]
    cells: list[str]


@dataclass
class PxTable:
    """A parsed PX-Web CSV export, before any mapping to codes."""

    source: str
    header: list[str]
    region_heading: str
    dimension_headings: list[str]
    year_columns: list[YearColumn]
    rows: list[PxRow]
    footer_notes: list[str] = field(default_factory=list)
    footer_fields: dict[str, str] = field(default_factory=dict)


def slug(text: str) -> str:
    """A variable-name-safe version of ``text``: lower case ASCII, words joined by underscores (å/ä → a, ö → o)."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.casefold()).strip("_")


def decode(data: bytes, source: str, encoding: str = "utf-8") -> str:
    """Decode ``data`` strictly; a wrong encoding is reported with the line and column of the first bad byte."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _undecodable(source, line, column, data[exc.start], encoding) from None
    if data.startswith(codecs.BOM_UTF8) and not _is_utf8(encoding):
        raise _utf8_bom_refused(source, encoding)
    if not _is_utf8(encoding):
        for number, raw in enumerate(data.splitlines(), start=1):
            _refuse_utf8_line_read_as_another(raw, source, number, encoding)
    # Windows exports from PX-Web end lines with "\r\r\n"; one newline per physical line keeps line numbers true.
    return re.sub(r"\r+\n?", "\n", text.lstrip("\ufeff"))


def _undecodable(source: str, line: int, column: int, byte: int, encoding: str) -> DataInputError:
    return DataInputError(
        Problem(source, line, None, f"byte 0x{byte:02x} at column {column} is not valid {encoding}"),
        hint="SCB offers UTF-8 and 'ANSI' (Windows-1252) exports: re-export as UTF-8, or pass --encoding cp1252.",
    )


def _is_utf8(encoding: str) -> bool:
    return codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")


_UTF8_HINT = "Drop --encoding (or pass --encoding utf-8): the file is UTF-8."


def _utf8_bom_refused(source: str, encoding: str) -> DataInputError:
    return DataInputError(Problem(source, 1, None, f"the file starts with a UTF-8 byte-order mark, but "
                                                   f"--encoding {encoding} was given"), hint=_UTF8_HINT)


def _refuse_utf8_line_read_as_another(raw: bytes, source: str, number: int, encoding: str) -> None:
    """A UTF-8 file decoded as cp1252/latin-1 "works" but garbles every å, ä, ö: refuse it instead.

    A line in a single-byte encoding with any letter beyond ASCII is almost never valid UTF-8, so a line whose
    bytes are valid UTF-8 and read differently as ``encoding`` is UTF-8.
    """
    if raw.isascii():
        return
    try:
        as_utf8 = raw.decode("utf-8")
    except UnicodeDecodeError:
        return
    text = raw.decode(encoding, errors="replace")
    if as_utf8 != text:
        raise DataInputError(Problem(source, number, None,
                                     f"read as {encoding} this line says {text.strip()[:60]!r}: the file is UTF-8, "
                                     "and its names would be stored garbled"), hint=_UTF8_HINT)


def _decoded_lines(path: Path, source: str, encoding: str) -> Iterator[str]:
    """The file's lines decoded strictly, one at a time (as :func:`decode` does for a whole text)."""
    utf8 = _is_utf8(encoding)
    with path.open("rb") as stream:
        for number, raw in enumerate(stream, start=1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8) and not utf8:
                raise _utf8_bom_refused(source, encoding)
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError as exc:
                raise _undecodable(source, number, exc.start + 1, raw[exc.start], encoding) from None
            if not utf8:
                _refuse_utf8_line_read_as_another(raw, source, number, encoding)
            if number == 1:
                text = text.lstrip("\ufeff")
            yield _LINE_END.sub("\n", text)


def _numbered_records(path: Path, source: str, encoding: str) -> Iterator[tuple[int, list[str]]]:
    """CSV records with the physical line each starts on (quoted fields may span lines), read as a stream."""
    lines = _decoded_lines(path, source, encoding)
    first = next(lines, None)
    if first is None:
        raise DataInputError(Problem(source, 1, None, "the file is empty"))
    delimiter = max([",", ";", "\t"], key=first.count)
    reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter)
    start = 1
    try:
        for record in reader:
            yield start, record
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DataInputError(Problem(source, reader.line_num, None, f"malformed CSV: {exc}")) from None


def read_px_csv(path: str | Path, encoding: str = "utf-8") -> PxTable:
    """Parse a PX-Web CSV export (no database needed); raise :class:`DataInputError` listing every problem."""
    table, rows = stream_px_csv(path, encoding)
    table.rows = list(rows)
    return table


def stream_px_csv(path: str | Path, encoding: str = "utf-8") -> tuple[PxTable, Iterator[PxRow]]:
    """The export's header as a :class:`PxTable` without rows, and its body rows one at a time.

    Memory does not grow with the file. The footer fields of the table are filled in once the rows are
    exhausted; a :class:`DataInputError` listing every malformed row is raised at the end of the rows.
    """
    path = Path(path)
    source = path.name
    records = _numbered_records(path, source, encoding)
    header_line, header = next(records)
    header = [h.strip() for h in header]
    year_columns = [
        YearColumn(i, h, m.group("content"), int(m.group("year")))
        for i, h in enumerate(header) if (m := _YEAR_HEADING.match(h))
    ]
    if not year_columns:
        raise DataInputError(Problem(source, header_line, None,
                                     f"no year columns in the header {header!r}"),
                             hint="Expected headings like '2022' or 'Antal 2020' (PX-Web: time in the heading).")
    year_index = {c.index for c in year_columns}
    other = [i for i in range(len(header)) if i not in year_index]
    if not other:
        raise DataInputError(Problem(source, header_line, None, "no region column before the year columns"))
    named_region = [i for i in other if header[i].casefold() in ("region", "område", "area")]
    region_index = named_region[0] if named_region else other[0]
    dimension_indexes = [i for i in other if i != region_index]
    table = PxTable(source, header, header[region_index], [header[i] for i in dimension_indexes], year_columns, [])
    return table, _body_rows(table, records, region_index, dimension_indexes)


def _body_rows(table: PxTable, records, region_index: int, dimension_indexes: list[int]) -> Iterator[PxRow]:
    source, header, year_columns = table.source, table.header, table.year_columns
    problems: list[Problem] = []
    for line, record in records:
        if not any(cell.strip() for cell in record):
            break
        if len(record) != len(header):
            problems.append(Problem(source, line, None,
                                    f"expected {len(header)} fields as in the header, found {len(record)}"))
            continue
        region = record[region_index]
        if not region.strip():
            problems.append(Problem(source, line, header[region_index] or "region", "empty region label"))
            continue
        yield PxRow(line, region, tuple(record[i].strip() for i in dimension_indexes),
                    [record[c.index] for c in year_columns])
    if problems:
        raise DataInputError(problems)
    table.footer_notes, table.footer_fields = _footer([record for _, record in records])


def _footer(records: list[list[str]]) -> tuple[list[str], dict[str, str]]:
    """PX-Web footers: free notes first, then "Key:" cells each followed by value lines."""
    notes: list[str] = []
    fields: dict[str, str] = {}
    key: str | None = None
    for record in records:
        cells = [c.strip() for c in record if c.strip()]
        if not cells:
            key = None
            continue
        first = cells[0]
        if first.endswith(":") and len(first) < 60:
            key = first[:-1].strip()
            fields.setdefault(key, "")
            continue
        text = " ".join(cells)
        if key is None:
            notes.append(text)
        else:
            fields[key] = (fields[key] + "\n" + text).strip()
    return notes, fields


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
    dimension_values = [set() for _ in table.dimension_headings]
    combinations: dict[tuple[str, ...], None] = {}
    row_keys = array("q")  # one hash per row: 8 bytes, however wide the row
    first_dimensions: tuple[str, ...] | None = None
    for row in rows:
        first_line.setdefault(row.region, row.line)
        if first_dimensions is None:
            first_dimensions = row.dimensions
        for values, value in zip(dimension_values, row.dimensions):
            values.add(value)
        combinations[row.dimensions] = None
        row_keys.append(hash((normalise_label(row.region), row.dimensions)))
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

    def read() -> Iterator[pd.DataFrame]:
        """The values, a chunk at a time; the missing-value markers met are recorded in the metadata."""
        _table, body = stream_px_csv(path, encoding=encoding)
        problems: list[Problem] = []
        records: list[tuple] = []
        markers = metadata["missing_markers"]
        # A cell's reading depends on its text alone (the number format is fixed for the file), and an export
        # repeats few distinct texts (counts): each is parsed once. Problems are not kept (they name the line).
        readings: dict[str, tuple[float | None, str | None]] = {}
        for row in body:
            match = resolution.matches.get(row.region)
            for column, cell in zip(table.year_columns, row.cells):
                reading = readings.get(cell)
                if reading is None:
                    value, marker, problem = _cell_value(table, row, column, cell, number_format)
                    if problem is not None:
                        problems.append(problem)
                        continue
                    if len(readings) < MEMO_CELLS:
                        readings[cell] = (value, marker)
                else:
                    value, marker = reading
                if match is None or problems:
                    continue
                if marker is not None:
                    markers[marker] = MISSING_MARKERS[marker]
                records.append((names[(column.content, row.dimensions)], match.level, match.version, match.code,
                                column.year, value, marker, column.year, match.relation))
            if len(records) >= READ_CHUNK_ROWS:
                yield pd.DataFrame(records, columns=OBSERVATION_COLUMNS)
                records = []
        if problems:
            raise DataInputError(problems)
        if records:
            yield pd.DataFrame(records, columns=OBSERVATION_COLUMNS)

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
