"""Client and importer for Kolada's API v3 (key figures per municipality and year). Källa: Kolada.

``GET /v3/kpi/{id}`` gives a KPI's metadata (its ``title`` is checked against ``kolada_kpis.yaml``);
``GET /v3/data/kpi/{id}/year/{y1,y2,...}`` gives ``values``: one entry per municipality and period, each with
``values`` split by gender (T total, K women, M men). Municipality id "0000" is the nation, "00LL" the region
(län LL), other ids are kommunkoder. Long answers are paged (``next_url``/``next_page``).
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import httpx
import pandas as pd
import yaml
from sqlalchemy import Engine

from segreform.data.errors import DataInputError, Problem, RemoteSourceError
from segreform.data.geography import current_versions, normalise_label
from segreform.data.http import JsonClient
from segreform.data.writer import OBSERVATION_COLUMNS, ImportResult, Release, sha256_of, write_release

BASE_URL = "https://api.kolada.se/v3"
SOURCE = "Kolada (Källa: Kolada)"
KPI_CONFIG = Path(__file__).with_name("kolada_kpis.yaml")
YEARS_PER_REQUEST = 25
TITLE_SIMILARITY = 0.85


@dataclass(frozen=True)
class KpiSpec:
    id: str
    variable: str
    title: str | None
    unit: str | None


@lru_cache(maxsize=1)
def configured_kpis() -> dict[str, KpiSpec]:
    """The KPIs in ``kolada_kpis.yaml`` by id."""
    entries = yaml.safe_load(KPI_CONFIG.read_text(encoding="utf-8"))["kpis"]
    return {e["id"]: KpiSpec(e["id"], e["variable"], e.get("title"), e.get("unit")) for e in entries}


def spec_for(kpi_id: str) -> KpiSpec:
    """The configured spec of ``kpi_id``, or a plain one (variable ``kolada_<id>``) for other KPIs."""
    return configured_kpis().get(kpi_id) or KpiSpec(kpi_id, f"kolada_{kpi_id.lower()}", None, None)


def parse_years(text: str) -> list[int]:
    """"2015-2024" or "2015,2018" → a sorted list of years."""
    years: set[int] = set()
    try:
        for part in str(text).split(","):
            part = part.strip()
            if "-" in part:
                first, last = (int(p) for p in part.split("-", 1))
                if last < first:
                    raise ValueError
                years.update(range(first, last + 1))
            elif part:
                years.add(int(part))
    except ValueError:
        raise DataInputError(Problem("--years", None, "years", f"{text!r} is not a year range like 2015-2024")) from None
    if not years:
        raise DataInputError(Problem("--years", None, "years", "no years given"))
    return sorted(years)


class KoladaClient:
    """Kolada API v3 over httpx with retries and timeouts (pass ``transport`` to test against recordings)."""

    def __init__(self, base_url: str = BASE_URL, **client_options):
        self.http = JsonClient(base_url, **client_options)

    def kpi(self, kpi_id: str) -> dict:
        answer = self.http.get_json(f"kpi/{kpi_id}")
        found = [v for v in answer.get("values", []) if v.get("id") == kpi_id]
        if not found:
            raise DataInputError(Problem("Kolada", None, "kpi", f"Kolada knows no KPI {kpi_id!r}"))
        return found[0]

    def values(self, kpi_id: str, years: list[int]) -> list[dict]:
        rows: list[dict] = []
        for start in range(0, len(years), YEARS_PER_REQUEST):
            chunk = ",".join(str(y) for y in years[start:start + YEARS_PER_REQUEST])
            answer = self.http.get_json(f"data/kpi/{kpi_id}/year/{chunk}")
            rows.extend(answer.get("values", []))
            next_url = answer.get("next_url") or answer.get("next_page")
            while next_url:
                answer = self.http.get_json(next_url)
                rows.extend(answer.get("values", []))
                next_url = answer.get("next_url") or answer.get("next_page")
        return rows

    def close(self) -> None:
        self.http.close()


def check_title(spec: KpiSpec, api_title: str) -> str | None:
    """None if the API's title fits the configured one; otherwise the reason to refuse the KPI."""
    if spec.title is None:
        return None
    ratio = difflib.SequenceMatcher(None, normalise_label(spec.title), normalise_label(api_title)).ratio()
    if ratio >= TITLE_SIMILARITY:
        return None
    return (f"KPI {spec.id}: Kolada calls it {api_title!r} but kolada_kpis.yaml expects {spec.title!r}; "
            "check the id and update the config")


def kolada_release(engine: Engine, kpi_id: str, meta: dict, rows: list[dict], years: list[int],
                   genders: tuple[str, ...] = ("T",)) -> Release:
    """Turn Kolada's answer for one KPI into a release on kommun/län/riket areas (current versions)."""
    spec = spec_for(kpi_id)
    versions = current_versions(engine)
    records = []
    problems = []
    for position, entry in enumerate(rows, start=1):
        municipality = str(entry.get("municipality") or entry.get("municipality_id") or "")
        period = entry.get("period") or entry.get("year")
        level, code = _area_of(municipality)
        if level is None or period is None:
            problems.append(Problem(f"Kolada {kpi_id}", position, "municipality/period",
                                    f"unusable entry {json.dumps(entry)[:120]}"))
            continue
        for value in entry.get("values", []):
            gender = value.get("gender", "T")
            if gender not in genders:
                continue
            variable = spec.variable if gender == "T" else f"{spec.variable}_{'kvinnor' if gender == 'K' else 'man'}"
            number = value.get("value")
            marker = None if number is not None else (value.get("status") or "null")
            records.append((variable, level, versions.get(level, "2025"), code, int(period),
                            None if number is None else float(number), marker, int(period), None))
    if problems:
        raise DataInputError(problems)
    frame = pd.DataFrame(records, columns=OBSERVATION_COLUMNS)
    title = meta.get("title") or spec.title or kpi_id
    variables = {v: (spec.unit, title + ("" if v == spec.variable else f" ({v.rsplit('_', 1)[1]})"))
                 for v in frame.variable.unique()}
    canonical = json.dumps(sorted(records, key=lambda r: (r[0], r[3], r[4])), default=str)
    digest = sha256_of(canonical)
    return Release(
        name=f"kolada_{kpi_id.lower()}",
        source=SOURCE,
        source_table=f"Kolada KPI {kpi_id}: {title}",
        content_sha256=digest,
        observations=frame,
        variables=variables,
        vintage=f"{date.today().isoformat()} sha256:{digest[:8]}",
        file_name=None,
        metadata={"kpi": meta, "years_requested": years, "api": BASE_URL},
    )


def _area_of(municipality: str) -> tuple[str | None, str | None]:
    if municipality == "0000":
        return "riket", "00"
    if len(municipality) == 4 and municipality.startswith("00"):
        return "lan", municipality[2:]
    if len(municipality) == 4 and municipality.isdigit():
        return "kommun", municipality
    return None, None


def import_kolada(engine: Engine, kpi_ids: list[str], years: list[int], *, client: KoladaClient | None = None,
                  check_titles: bool = True, progress: bool = False) -> list[ImportResult]:
    """Fetch and store each KPI (one transaction per KPI); every KPI is validated before it is written."""
    own_client = client is None
    client = client or KoladaClient()
    results = []
    try:
        for kpi_id in kpi_ids:
            meta = client.kpi(kpi_id)
            if check_titles:
                reason = check_title(spec_for(kpi_id), meta.get("title", ""))
                if reason:
                    raise DataInputError(Problem(str(KPI_CONFIG.name), None, "title", reason))
            rows = client.values(kpi_id, years)
            if not rows:
                raise DataInputError(Problem(f"Kolada {kpi_id}", None, "values",
                                             f"no values for years {years[0]}–{years[-1]}"))
            results.append(write_release(engine, kolada_release(engine, kpi_id, meta, rows, years),
                                         progress=progress))
    except httpx.HTTPError as exc:  # pragma: no cover - JsonClient converts these; kept as a last guard
        raise RemoteSourceError(str(exc)) from exc
    finally:
        if own_client:
            client.close()
    return results
