"""Importer for a user's own areas and counts: CSV, Excel, GeoPackage or GeoJSON with a declared schema.

The schema (a YAML or JSON file, or a dict) says what the columns mean::

    name: malmo_stadsdelar_2024      # dataset name
    source: Malmö stad               # who published the numbers (required)
    source_table: Områdesfakta 2024  # optional (default: the file name)
    vintage: 2024-06-01              # optional release id
    level: stadsdel                  # an existing level (kommun, regso, ...) or a new, user-defined one
    version: "2024"                  # geography version (default: the level's current version)
    parent_level: kommun             # for a new level
    area_code: omrade_id             # column with the area code (required)
    area_name: omrade                # column with its name (required for a new level)
    parent_code: kommunkod           # optional column linking each area to its parent
    year: ar                         # column holding the year, or
    reference_year: 2024             # one year for the whole file
    sheet: Blad1                     # Excel only; layer: for GeoPackage
    decimal: ","                     # optional: the decimal separator, where 1,234 would be ambiguous
    thousands: " "                   # optional: the thousands separator (" ", ",", "." or "" for none)
    variables:                       # value column → unit, or {variable:, unit:, label:}
      invanare: persons
      utrikes_fodda: {unit: persons, label: Born abroad}

For a new level the areas (with their geometry, for geo files) are declared in the same transaction as the
values, so a refused file leaves neither behind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pandas as pd
import yaml
from sqlalchemy import Connection, Engine, insert, select

from segreform.data.errors import DataInputError, Problem
from segreform.data.geography import current_versions
from segreform.data.numbers import NumberError, NumberFormat
from segreform.data.px import MISSING_MARKERS, decode, parse_number
from segreform.data.writer import OBSERVATION_COLUMNS, ImportResult, Release, sha256_of, write_release
from segreform.store.models.data import Area, GeographyVersion

GEO_SUFFIXES = {".gpkg", ".geojson", ".json"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}


@dataclass
class Schema:
    name: str
    source: str
    level: str
    area_code: str
    variables: dict[str, tuple[str, str | None, str | None]]
    version: str | None = None
    parent_level: str | None = None
    area_name: str | None = None
    parent_code: str | None = None
    year: str | None = None
    reference_year: int | None = None
    source_table: str | None = None
    vintage: str | None = None
    sheet: str | None = None
    layer: str | None = None
    decimal: str | None = None
    thousands: str | None = None


def load_schema(schema: str | Path | dict) -> Schema:
    """Read and check a schema (file path or dict); errors name the schema field to fix."""
    origin = "schema"
    if not isinstance(schema, dict):
        origin = Path(schema).name
        try:
            schema = yaml.safe_load(Path(schema).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise DataInputError(Problem(origin, None, None, f"cannot read the schema: {exc}")) from None
    if not isinstance(schema, dict):
        raise DataInputError(Problem(origin, None, None, "the schema must be a mapping of fields"))
    problems = [Problem(origin, None, key, "required") for key in ("name", "source", "level", "area_code",
                                                                    "variables") if not schema.get(key)]
    if not schema.get("year") and not schema.get("reference_year"):
        problems.append(Problem(origin, None, "year", "give a year column (year:) or one reference_year:"))
    if problems:
        raise DataInputError(problems)
    variables = {}
    for column, spec in dict(schema["variables"]).items():
        spec = spec if isinstance(spec, dict) else {"unit": spec}
        variables[column] = (spec.get("variable", column), spec.get("unit"), spec.get("label"))
    known = {f for f in Schema.__dataclass_fields__}
    unknown = sorted(set(schema) - known)
    if unknown:
        raise DataInputError(Problem(origin, None, unknown[0], f"unknown schema field(s) {unknown}"))
    values = {k: v for k, v in schema.items() if k != "variables"}
    for key in ("version", "vintage", "name", "level"):
        if values.get(key) is not None:
            values[key] = str(values[key])
    return Schema(variables=variables, **values)


def read_table(path: Path, schema: Schema, encoding: str = "utf-8") -> tuple[pd.DataFrame, int, list | None]:
    """The file as text columns, the line number of its first data row, and geometries (GeoJSON) if any."""
    suffix = path.suffix.lower()
    if suffix in GEO_SUFFIXES:
        import geopandas  # optional heavy dependency, only for spatial files

        try:
            frame = geopandas.read_file(path, layer=schema.layer) if schema.layer else geopandas.read_file(path)
        except Exception as exc:  # pyogrio raises several types for unreadable files
            raise DataInputError(Problem(path.name, None, None, f"cannot read as a geo file: {exc}")) from None
        if frame.crs is not None and frame.crs.to_epsg() != 4326:
            frame = frame.to_crs(4326)
        geometries = [None if g is None else json.dumps(g.__geo_interface__) for g in frame.geometry]
        table = pd.DataFrame(frame.drop(columns=frame.geometry.name)).astype(object)
        table = table.where(table.notna(), "").astype(str)
        return table, 1, geometries
    if suffix in EXCEL_SUFFIXES:
        try:
            table = pd.read_excel(path, sheet_name=schema.sheet or 0, dtype=str, keep_default_na=False)
        except Exception as exc:  # openpyxl/xlrd raise several types for unreadable files
            raise DataInputError(Problem(path.name, None, None, f"cannot read as Excel: {exc}")) from None
        return table, 2, None
    text = decode(path.read_bytes(), path.name, encoding)
    first_line = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first_line.count)
    try:
        table = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False, sep=delimiter)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataInputError(Problem(path.name, None, None, f"malformed CSV: {exc}")) from None
    return table, 2, None


def file_release(engine: Engine, path: str | Path, schema: str | Path | dict, *,
                 encoding: str = "utf-8") -> tuple[Release, pd.DataFrame | None, Schema]:
    """Validate ``path`` against ``schema``; returns the release and, for a new level, the areas to declare."""
    path = Path(path)
    spec = load_schema(schema)
    table, first_line, geometries = read_table(path, spec, encoding)
    source = path.name
    needed = [spec.area_code, *spec.variables] + [c for c in (spec.year, spec.area_name, spec.parent_code) if c]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise DataInputError([Problem(source, first_line - 1 if first_line > 1 else None, c,
                                      f"column not found (columns are {list(table.columns)})") for c in missing])
    versions = current_versions(engine)
    new_level = spec.level not in versions
    version = spec.version or versions.get(spec.level)
    if new_level and (not spec.version or not spec.area_name):
        raise DataInputError(Problem("schema", None, "version" if not spec.version else "area_name",
                                     f"level {spec.level!r} is new: the schema must give version and area_name"))
    try:
        number_format = NumberFormat(spec.decimal, spec.thousands)
    except ValueError as exc:
        raise DataInputError(Problem("schema", None, "decimal/thousands", str(exc))) from None
    problems: list[Problem] = []
    records = []
    seen: dict[tuple[str, int], int] = {}
    for offset, row in enumerate(table.to_dict("records")):
        line = first_line + offset
        code = str(row[spec.area_code]).strip()
        if not code:
            problems.append(Problem(source, line, spec.area_code, "empty area code"))
            continue
        if spec.year:
            try:
                year = int(str(row[spec.year]).strip())
            except ValueError:
                problems.append(Problem(source, line, spec.year, f"{row[spec.year]!r} is not a year"))
                continue
        else:
            year = int(spec.reference_year)
        if (code, year) in seen:
            problems.append(Problem(source, line, spec.area_code,
                                    f"duplicate row for area {code!r} year {year} (first on line {seen[(code, year)]})"))
            continue
        seen[(code, year)] = line
        for column, (variable, _unit, _label) in spec.variables.items():
            cell = str(row[column]).strip()
            if cell in MISSING_MARKERS:
                records.append((variable, spec.level, version, code, year, None, cell, year, None))
                continue
            try:
                value = parse_number(cell, number_format)
            except NumberError as exc:
                problems.append(Problem(source, line, column, str(exc)))
                continue
            records.append((variable, spec.level, version, code, year, value, None, year, None))
    if problems:
        raise DataInputError(problems)
    frame = pd.DataFrame(records, columns=OBSERVATION_COLUMNS)
    new_areas = None
    if new_level:
        new_areas = pd.DataFrame({
            "level": spec.level, "version": version, "code": table[spec.area_code].str.strip(),
            "name": table[spec.area_name].str.strip(),
            "parent_code": table[spec.parent_code].str.strip() if spec.parent_code else None,
            "parent_version": versions.get(spec.parent_level) if spec.parent_level else None,
            "geometry_geojson": geometries,
        }).drop_duplicates("code")
    release = Release(
        name=spec.name, source=spec.source, source_table=spec.source_table or path.name,
        content_sha256=sha256_of(path.read_bytes() + json.dumps(spec.__dict__, sort_keys=True, default=str).encode()),
        observations=frame,
        variables={variable: (unit, label) for variable, unit, label in spec.variables.values()},
        vintage=spec.vintage, file_name=path.name,
        metadata={"schema": {k: v for k, v in spec.__dict__.items() if k != "variables"},
                  "columns": {c: list(v) for c, v in spec.variables.items()}},
    )
    return release, new_areas, spec


def import_file(engine: Engine, path: str | Path, schema: str | Path | dict, *, encoding: str = "utf-8",
                progress: bool = False) -> ImportResult:
    """Import a user's CSV/Excel/GeoPackage/GeoJSON file per ``schema`` (see the module docstring)."""
    release, new_areas, spec = file_release(engine, path, schema, encoding=encoding)

    def declare_areas(conn: Connection) -> None:
        if new_areas is None:
            return
        exists = conn.execute(select(GeographyVersion.level).where(
            GeographyVersion.level == spec.level, GeographyVersion.version == str(new_areas.version.iloc[0]))).first()
        if exists is None:
            conn.execute(insert(GeographyVersion).values(
                level=spec.level, version=str(new_areas.version.iloc[0]), parent_level=spec.parent_level,
                reference_date=None, is_current=True, user_defined=True, source=spec.source,
                description=f"user-defined level from {Path(path).name}"))
        records = new_areas.astype(object).where(new_areas.notna(), None).to_dict("records")
        conn.execute(insert(Area), records)

    return write_release(engine, release, progress=progress, before_write=declare_areas)
