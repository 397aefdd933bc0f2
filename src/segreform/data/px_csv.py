"""Reading PX-Web CSV exports as text: strict decoding, the header's year and dimension columns, the body rows
as a stream (memory does not grow with the file) and the metadata footer. Mapping to codes is :mod:`.px`'s job.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import operator
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from segreform.data.errors import DataInputError, Problem

_YEAR_HEADING = re.compile(r"^(?:(?P<content>.*\S)\s+)?(?P<year>(?:19|20)\d{2})$")
_LINE_END = re.compile(r"\r+\n?")


@dataclass
class YearColumn:
    index: int
    heading: str
    content: str | None
    year: int


@dataclass(slots=True)
class PxRow:
    line: int
    region: str
    dimensions: tuple[str, ...]
    cells: tuple[str, ...]


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
    """The file's lines decoded strictly, one at a time (as :func:`decode` does for a whole text).

    UTF-8 files are decoded a block of whole lines at a time (a 46 MB export has a million lines, and a call per
    line was a large part of reading it); a block that does not decode, or keeps a carriage return that is not
    part of a line end, is read again line by line so that errors and line numbers are exactly those of the
    line-by-line reading.
    """
    utf8 = _is_utf8(encoding)
    number = 0
    with path.open("rb") as stream:
        while block := stream.readlines(_BLOCK_BYTES):
            if number == 0 and block[0].startswith(codecs.BOM_UTF8) and not utf8:
                raise _utf8_bom_refused(source, encoding)
            text = _whole_block(block) if utf8 else None
            if text is None:
                for raw in block:
                    number += 1
                    yield _decoded_line(raw, source, number, encoding, utf8)
                continue
            if number == 0:
                text = text.lstrip("\ufeff")
            lines = text.split("\n")
            number += len(block)
            last = lines.pop()  # "" when the block ends with a newline, else the file's last line
            yield from [line + "\n" for line in lines]
            if last:
                yield last


_BLOCK_BYTES = 1 << 20


def _whole_block(block: list[bytes]) -> str | None:
    """The block's lines decoded as UTF-8 with PX-Web's line ends made one newline, or None where that is not
    safe to do for the whole block at once."""
    try:
        text = b"".join(block).decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\r" in text:
        text = text.replace("\r\r\n", "\n").replace("\r\n", "\n")
        if "\r" in text:
            return None
    return text


def _decoded_line(raw: bytes, source: str, number: int, encoding: str, utf8: bool) -> str:
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise _undecodable(source, number, exc.start + 1, raw[exc.start], encoding) from None
    if not utf8:
        _refuse_utf8_line_read_as_another(raw, source, number, encoding)
    if number == 1:
        text = text.lstrip("\ufeff")
    return _one_newline(text) if "\r" in text else text


def _one_newline(text: str) -> str:
    """``text`` with every run of carriage returns (and its newline) made one newline.

    PX-Web's "\\r\\r\\n" line ends are replaced directly (the common case, several times faster than the
    regular expression, which handles what is left).
    """
    text = text.replace("\r\r\n", "\n").replace("\r\n", "\n")
    return _LINE_END.sub("\n", text) if "\r" in text else text


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
    source, header = table.source, table.header
    width = len(header)
    # Per row only what a valid row needs (a million rows in a large export); the dimension labels repeat, so
    # each distinct combination is stripped once.
    dimensions_of = _picker(dimension_indexes)
    cells_of = _picker([c.index for c in table.year_columns])
    stripped: dict[tuple[str, ...], tuple[str, ...]] = {}
    problems: list[Problem] = []
    for line, record in records:
        if len(record) != width:
            if not "".join(record).strip():
                break
            problems.append(Problem(source, line, None, f"expected {width} fields as in the header, found {len(record)}"))
            continue
        region = record[region_index]
        if not region.strip():
            if not "".join(record).strip():
                break
            problems.append(Problem(source, line, header[region_index] or "region", "empty region label"))
            continue
        raw = dimensions_of(record)
        dimensions = stripped.get(raw)
        if dimensions is None:
            dimensions = stripped[raw] = tuple(label.strip() for label in raw)
        yield PxRow(line, region, dimensions, cells_of(record))
    if problems:
        raise DataInputError(problems)
    table.footer_notes, table.footer_fields = _footer([record for _, record in records])


def _picker(indexes: list[int]):
    """A function that returns the record's cells at ``indexes`` as a tuple (also for one or none)."""
    if not indexes:
        return lambda record: ()
    if len(indexes) == 1:
        only = indexes[0]
        return lambda record: (record[only],)
    return operator.itemgetter(*indexes)


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
