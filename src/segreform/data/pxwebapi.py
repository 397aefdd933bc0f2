"""Client and importer for SCB's PxWebApi 2 (``/tables/{id}/data`` answered in JSON-stat 2).

A JSON-stat 2 dataset lists its dimensions in ``id`` with sizes in ``size``; each dimension's categories have an
``index`` (list or code → position) and ``label``s; ``value`` is the row-major cube (a list, or a sparse
position → value object), and ``status`` carries SCB's markers such as "..". ``role`` says which dimension is
time, geography and the measure. Region codes may carry a geography suffix such as ``_RegSO2025``.
"""

from __future__ import annotations

import itertools
import json
import re

import pandas as pd
from sqlalchemy import Engine

from segreform.data.errors import DataInputError, Problem
from segreform.data.geography import current_versions
from segreform.data.http import JsonClient
from segreform.data.px import MISSING_MARKERS, slug
from segreform.data.writer import OBSERVATION_COLUMNS, ImportResult, Release, sha256_of, write_release

BASE_URL = "https://statistikdatabasen.scb.se/api/v2"
_SUFFIX = re.compile(r"^(?P<code>.+)_(?P<level>DeSO|RegSO)(?P<version>\d{4})$", re.IGNORECASE)
_LEVEL_BY_PATTERN = [
    (re.compile(r"^00$"), "riket"),
    (re.compile(r"^\d{2}$"), "lan"),
    (re.compile(r"^\d{4}$"), "kommun"),
    (re.compile(r"^\d{4}R\d{3}$"), "regso"),
    (re.compile(r"^\d{4}[A-C]\d{4}$"), "deso"),
]


class PxWebClient:
    """SCB PxWebApi 2 over httpx with retries and timeouts (pass ``transport`` to test against recordings)."""

    def __init__(self, base_url: str = BASE_URL, **client_options):
        self.http = JsonClient(base_url, **client_options)

    def table_data(self, table_id: str, selection: dict[str, list[str]] | None = None, *, lang: str = "sv",
                   codelists: dict[str, str] | None = None) -> dict:
        """The JSON-stat 2 answer for ``table_id`` with ``selection`` (dimension → value codes, "*" for all)."""
        params = {"lang": lang, "outputFormat": "json-stat2"}
        for dimension, codes in (selection or {}).items():
            params[f"valuecodes[{dimension}]"] = ",".join(codes)
        for dimension, codelist in (codelists or {}).items():
            params[f"codelist[{dimension}]"] = codelist
        return self.http.get_json(f"tables/{table_id}/data", params=params)

    def close(self) -> None:
        self.http.close()


def _categories(dimension: dict) -> list[str]:
    index = dimension["category"].get("index")
    if index is None:
        return list(dimension["category"]["label"])
    if isinstance(index, list):
        return index
    return [code for code, _ in sorted(index.items(), key=lambda item: item[1])]


def _cells(container, total: int) -> list:
    if container is None:
        return [None] * total
    if isinstance(container, list):
        return container
    if isinstance(container, str):
        return [container] * total
    cells = [None] * total
    for position, value in container.items():
        cells[int(position)] = value
    return cells


def area_of(code: str, versions: dict[str, str]) -> tuple[str, str, str] | None:
    """(level, version, code) of an SCB region code, or None when it is no known kind of code."""
    suffixed = _SUFFIX.match(code)
    if suffixed:
        return suffixed["level"].lower(), suffixed["version"], suffixed["code"]
    for pattern, level in _LEVEL_BY_PATTERN:
        if pattern.match(code):
            return level, versions.get(level, "2025"), code
    return None


def jsonstat_release(engine: Engine, answer: dict, *, table_id: str, name: str | None = None) -> Release:
    """Turn a JSON-stat 2 answer into a release; refuse it (nothing written) if it cannot be mapped fully."""
    source = f"SCB {table_id}"
    try:
        ids, sizes, dimensions = answer["id"], answer["size"], answer["dimension"]
    except KeyError as exc:
        raise DataInputError(Problem(source, None, str(exc.args[0]), "not a JSON-stat 2 dataset")) from None
    roles = answer.get("role", {})
    time_dim = (roles.get("time") or [d for d in ids if d.casefold() in ("tid", "time", "år")] or [None])[0]
    geo_dim = (roles.get("geo") or [d for d in ids if d.casefold() in ("region", "område")] or [None])[0]
    metric_dim = (roles.get("metric") or [d for d in ids if d.casefold() == "contentscode"] or [None])[0]
    if time_dim is None or geo_dim is None:
        raise DataInputError(Problem(source, None, "role", "the answer names no time or region dimension"))
    categories = {d: _categories(dimensions[d]) for d in ids}
    total = 1
    for size in sizes:
        total *= size
    values, statuses = _cells(answer.get("value"), total), _cells(answer.get("status"), total)
    if len(values) != total:
        raise DataInputError(Problem(source, None, "value", f"{len(values)} values for a cube of {total} cells"))
    other = [d for d in ids if d not in (time_dim, geo_dim, metric_dim) and len(categories[d]) > 1]
    versions = current_versions(engine)
    metric_labels = dimensions.get(metric_dim, {}).get("category", {}).get("label", {}) if metric_dim else {}
    metric_units = dimensions.get(metric_dim, {}).get("category", {}).get("unit", {}) if metric_dim else {}
    records, problems, variables = [], [], {}
    for position, combo in enumerate(itertools.product(*(categories[d] for d in ids))):
        cell = dict(zip(ids, combo))
        year_code = cell[time_dim]
        if not re.fullmatch(r"\d{4}", year_code):
            problems.append(Problem(source, None, time_dim, f"time {year_code!r} is not a year"))
            continue
        area = area_of(cell[geo_dim], versions)
        if area is None:
            problems.append(Problem(source, None, geo_dim, f"region code {cell[geo_dim]!r} is of no known kind"))
            continue
        content = cell[metric_dim] if metric_dim else table_id
        variable = slug(metric_labels.get(content, content))
        for d in other:
            value_label = dimensions[d]["category"].get("label", {}).get(cell[d], cell[d])
            variable += f"__{slug(dimensions[d].get('label', d))}_{slug(value_label)}"
        unit = (metric_units.get(content) or {}).get("base")
        variables.setdefault(variable, (unit, metric_labels.get(content, content)))
        value, status = values[position], statuses[position]
        marker = None
        if value is None:
            marker = status if status in MISSING_MARKERS else (status or "..")
        records.append((variable, area[0], area[1], area[2], int(year_code),
                        None if value is None else float(value), marker, int(year_code), None))
    if problems:
        raise DataInputError(problems)
    frame = pd.DataFrame(records, columns=OBSERVATION_COLUMNS)
    updated = answer.get("updated")
    return Release(
        name=name or f"scb_{table_id.lower()}",
        source=answer.get("source") or "SCB",
        source_table=f"{table_id}: {answer.get('label', '')}".strip(": "),
        content_sha256=sha256_of(json.dumps(answer, sort_keys=True)),
        observations=frame,
        variables=variables,
        vintage=updated.replace("T", " ").rstrip("Z") if updated else None,
        metadata={"label": answer.get("label"), "updated": updated, "note": answer.get("note"),
                  "extension": answer.get("extension"), "api": BASE_URL},
    )


def import_pxwebapi(engine: Engine, table_id: str, selection: dict[str, list[str]] | None = None, *,
                    name: str | None = None, client: PxWebClient | None = None, progress: bool = False,
                    codelists: dict[str, str] | None = None) -> ImportResult:
    """Fetch one table from SCB's PxWebApi 2 and store it in one transaction."""
    own_client = client is None
    client = client or PxWebClient()
    try:
        answer = client.table_data(table_id, selection, codelists=codelists)
    finally:
        if own_client:
            client.close()
    return write_release(engine, jsonstat_release(engine, answer, table_id=table_id, name=name), progress=progress)
