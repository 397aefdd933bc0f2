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
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from segreform.data import numbers
from segreform.data.errors import DataInputError, Problem
from segreform.data.numbers import NumberError, NumberFormat
from segreform.data.geography import LabelIndex, normalise_label
from segreform.data.writer import OBSERVATION_COLUMNS, ImportResult, Release, sha256_of, write_release

MISSING_MARKERS = {
    "..": "data not available, or too uncertain to publish",
    ".": "category not applicable",
    "-": "nothing to report (SCB: inget finns att redovisa)",
    "..C": "confidential",
}
USER_FILE_SOURCE = "unknown (user's file)"
"""Source and licence of a file that names neither, unless the user states them (--source, --licence)."""
_YEAR_HEADING = re.compile(r"^(?:(?P<content>.*\S)\s+)?(?P<year>(?:19|20)\d{2})$")
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
        raise DataInputError(
            Problem(source, line, None,
                    f"byte 0x{data[exc.start]:02x} at column {column} is not valid {encoding}"),
            hint="SCB offers UTF-8 and 'ANSI' (Windows-1252) exports: re-export as UTF-8, or pass --encoding cp1252.",
        ) from None
    _refuse_utf8_read_as_another(data, text, source, encoding)
    # Windows exports from PX-Web end lines with "\r\r\n"; one newline per physical line keeps line numbers true.
    return re.sub(r"\r+\n?", "\n", text.lstrip("\ufeff"))


def _refuse_utf8_read_as_another(data: bytes, text: str, source: str, encoding: str) -> None:
    """A UTF-8 file decoded as cp1252/latin-1 "works" but garbles every å, ä, ö: refuse it instead.

    Text in a single-byte encoding with any letter beyond ASCII is almost never valid UTF-8, so bytes
    that are valid UTF-8 (or start with its byte-order mark) and differ when read as ``encoding`` are UTF-8.
    """
    if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig"):
        return
    hint = "Drop --encoding (or pass --encoding utf-8): the file is UTF-8."
    if data.startswith(codecs.BOM_UTF8):
        raise DataInputError(Problem(source, 1, None, f"the file starts with a UTF-8 byte-order mark, but "
                                                      f"--encoding {encoding} was given"), hint=hint)
    try:
        as_utf8 = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    if as_utf8 != text:
        lines = re.split(r"\r+\n?|\n", text)
        line_number, line = next((n, b) for n, (a, b) in enumerate(zip(re.split(r"\r+\n?|\n", as_utf8), lines), 1)
                                 if a != b)
        line = line.strip()
        raise DataInputError(Problem(source, line_number, None,
                                     f"read as {encoding} this line says {line[:60]!r}: the file is UTF-8, "
                                     "and its names would be stored garbled"), hint=hint)


def read_px_csv(path: str | Path, encoding: str = "utf-8") -> PxTable:
    """Parse a PX-Web CSV export (no database needed); raise :class:`DataInputError` listing every problem."""
    path = Path(path)
    source = path.name
    text = decode(path.read_bytes(), source, encoding)
    first_line = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = _numbered(reader)
        if not records:
            raise DataInputError(Problem(source, 1, None, "the file is empty"))
    except csv.Error as exc:
        raise DataInputError(Problem(source, reader.line_num, None, f"malformed CSV: {exc}")) from None
    header_line, header = records[0]
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
    problems: list[Problem] = []
    rows: list[PxRow] = []
    body_end = len(records)
    for position, (line, record) in enumerate(records[1:], start=1):
        if not any(cell.strip() for cell in record):
            body_end = position
            break
        if len(record) != len(header):
            problems.append(Problem(source, line, None,
                                    f"expected {len(header)} fields as in the header, found {len(record)}"))
            continue
        region = record[region_index]
        if not region.strip():
            problems.append(Problem(source, line, header[region_index] or "region", "empty region label"))
            continue
        rows.append(PxRow(line, region, tuple(record[i].strip() for i in dimension_indexes),
                          [record[c.index] for c in year_columns]))
    if problems:
        raise DataInputError(problems)
    notes, fields = _footer([record for _, record in records[body_end + 1:]])
    return PxTable(source, header, header[region_index], [header[i] for i in dimension_indexes], year_columns,
                   rows, notes, fields)


def _numbered(reader) -> list[tuple[int, list[str]]]:
    """Records with the physical line each starts on (quoted fields may span lines)."""
    out = []
    start = 1
    for record in reader:
        out.append((start, record))
        start = reader.line_num + 1
    return out


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
    table = read_px_csv(path, encoding=encoding)
    labels = list(dict.fromkeys(row.region for row in table.rows))
    resolution = LabelIndex(engine).resolve(labels, level=level, version=geography_version)
    problems: list[Problem] = []
    first_line = {}
    for row in table.rows:
        first_line.setdefault(row.region, row.line)
    for label in resolution.unmapped:
        hint = resolution.suggestions.get(label)
        message = f"region label {label!r} matches no {resolution.level} {resolution.native_version} area"
        if hint:
            message += f" (close: {', '.join(hint)})"
        problems.append(Problem(table.source, first_line[label], table.region_heading or "region", message))

    varying = [i for i, _ in enumerate(table.dimension_headings)
               if len({row.dimensions[i] for row in table.rows}) > 1]
    fixed = {table.dimension_headings[i]: table.rows[0].dimensions[i]
             for i in range(len(table.dimension_headings)) if i not in varying} if table.rows else {}
    contents = {c.content for c in table.year_columns}
    default_unit = unit or table.footer_fields.get("Sort") or None

    def variable_name(content: str | None, dims: tuple[str, ...]) -> str:
        base = variable or (slug(content) if content else slug(table.footer_fields.get("Sort", "")) or slug(name or path.stem))
        if variable and len(contents) > 1 and content:
            base = f"{base}_{slug(content)}"
        for i in varying:
            base += f"__{slug(table.dimension_headings[i])}_{slug(dims[i])}"
        return base

    seen: dict[tuple, int] = {}
    records = []
    variables: dict[str, tuple[str | None, str | None]] = {}
    for row in table.rows:
        key = (normalise_label(row.region), row.dimensions)
        if key in seen:
            problems.append(Problem(table.source, row.line, table.region_heading or "region",
                                    f"duplicate row for {row.region.strip()!r} {row.dimensions or ''} "
                                    f"(first on line {seen[key]})"))
            continue
        seen[key] = row.line
        match = resolution.matches.get(row.region)
        for column, cell in zip(table.year_columns, row.cells):
            stripped = cell.strip()
            marker = stripped if stripped in MISSING_MARKERS else None
            value = None
            if marker is None:
                try:
                    value = parse_number(stripped, number_format)
                except NumberError as exc:
                    problems.append(Problem(table.source, row.line, column.heading,
                                            f"{exc}; missing-value markers are {', '.join(MISSING_MARKERS)}"))
                    continue
            var = variable_name(column.content, row.dimensions)
            label = " / ".join([column.content or table.footer_fields.get("Sort", var)] +
                               [f"{table.dimension_headings[i]}: {row.dimensions[i]}" for i in varying])
            variables.setdefault(var, (default_unit or (column.content.casefold() if column.content else None), label))
            if match is None:
                continue
            records.append((var, match.level, match.version, match.code, column.year, value, marker,
                            column.year, match.relation))
    if problems:
        raise DataInputError(problems, hint=_unmapped_hint(resolution) if resolution.unmapped else None)
    frame = pd.DataFrame(records, columns=OBSERVATION_COLUMNS)
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
        "missing_markers": {m: MISSING_MARKERS[m] for m in set(frame.missing_marker.dropna())},
    }
    footer_source = table.footer_fields.get("Källa") or table.footer_fields.get("Source")
    metadata["source_stated_by"] = "user" if source else "file footer" if footer_source else "nobody"
    metadata["licence"] = licence or USER_FILE_SOURCE
    data = path.read_bytes()
    release = Release(
        name=name or path.stem,
        source=source or footer_source or USER_FILE_SOURCE,
        source_table=table.footer_fields.get("Intern referenskod") or table.footer_fields.get("Table") or path.name,
        content_sha256=sha256_of(data),
        observations=frame,
        variables=variables,
        vintage=vintage or _vintage_from_footer(table.footer_fields),
        file_name=path.name,
        metadata=metadata,
    )
    return release, notes


def _unmapped_hint(resolution) -> str:
    return (f"Labels were matched against {resolution.level} {resolution.native_version} (the best fit). "
            "Check the spelling, pick the geography with --level/--geography-version, or load the missing "
            "areas first (segreform import file --schema).")


def import_px(engine: Engine, path: str | Path, *, progress: bool = False, **options) -> ImportResult:
    """Import a PX-Web CSV export (see :func:`px_release` for the options) in one transaction."""
    release, notes = px_release(engine, path, **options)
    result = write_release(engine, release, progress=progress)
    result.notes[:0] = notes
    return result
