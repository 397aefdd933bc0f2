"""Time series of the focus-area indicators for one kommun, and their status and trend since the programme began.

Everything comes from a barometer snapshot (``Barometer.data``): the indicator values the registry computes from
the stored series, the kommun's own line beside Riket's where the nation has one, and the stored segregation
outcomes (D, H) as a sixth group. The programme's start (2018, the first development areas) is marked on every
chart and is the base year of the trend.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from segreform.barometer import indicators as registry

PROGRAMME_START = 2018
# A change smaller than this share of the base value is "stable".
STABLE_SHARE = 0.01
OUTCOME_DATASET_VARIABLES = {
    "segregation_d_utrikes_inrikes": {"sv": "Segregationsindex D (utrikes/inrikes födda)",
                                      "en": "Dissimilarity D (foreign/Swedish-born)"},
    "segregation_h_utrikes_inrikes": {"sv": "Theils H (utrikes/inrikes födda)",
                                      "en": "Theil's H (foreign/Swedish-born)"},
}
OUTCOME_GROUP = {"sv": "Segregation (utfall)", "en": "Segregation (outcome)"}


def trend(years: list[int], values: list[float], direction: str, start: int = PROGRAMME_START) -> dict:
    """Status and trend of one series: the latest value, the value at the programme's start (the last year up to
    ``start``, else the first year), the change, and a verdict.

    verdict: "one_year" (nothing to compare), "stable", "better"/"worse" (by the indicator's direction) or
    "up"/"down" (a neutral indicator).
    """
    pairs = [(int(y), float(v)) for y, v in zip(years, values) if v is not None and not math.isnan(float(v))]
    if not pairs:
        return {"latest_year": None, "latest": None, "base_year": None, "base": None, "change": None,
                "verdict": "no_data"}
    pairs.sort()
    latest_year, latest = pairs[-1]
    before = [p for p in pairs if p[0] <= start]
    base_year, base = before[-1] if before else pairs[0]
    result = {"latest_year": latest_year, "latest": latest, "base_year": base_year, "base": base}
    if base_year == latest_year:
        return {**result, "change": None, "verdict": "one_year"}
    change = latest - base
    result["change"] = change
    if abs(change) <= STABLE_SHARE * abs(base) or change == 0:
        verdict = "stable"
    elif direction == "neutral":
        verdict = "up" if change > 0 else "down"
    else:
        better = (change > 0) == (direction == "higher_is_better")
        verdict = "better" if better else "worse"
    return {**result, "verdict": verdict}


def lines_by_code(values: pd.DataFrame) -> dict[str, tuple[list[int], list[float]]]:
    """``{code: (years, values)}`` of a DataFrame[code, year, value], years ascending, missing values left out."""
    known = values[values["value"].notna()].sort_values(["code", "year"], kind="stable")
    codes = known["code"].to_numpy()
    years = known["year"].to_numpy().astype(int)
    numbers = known["value"].to_numpy(dtype=float)
    if not len(codes):
        return {}
    starts = np.r_[0, np.flatnonzero(codes[1:] != codes[:-1]) + 1, len(codes)]
    return {str(codes[a]): (years[a:b].tolist(), numbers[a:b].tolist()) for a, b in zip(starts[:-1], starts[1:])}


def _indicator_lines(data, item, level: str) -> dict[str, tuple[list[int], list[float]]]:
    """An indicator's lines at ``level``, grouped once per data snapshot (every kommun page reads them)."""
    return data.cached(("series-lines", item.id, level), lambda: lines_by_code(data.indicator_values(item, level)))


def _line(lines: dict, code: str, name: str) -> dict | None:
    found = lines.get(code)
    if found is None:
        return None
    return {"code": code, "name": name, "years": list(found[0]), "values": list(found[1])}


def kommun_series(data, code: str, lang: str, nation_name: str, compare: tuple[str, ...] = ()) -> list[dict]:
    """Every focus area's indicators with data for the kommun, each with its lines and status/trend.

    Returns [{"key", "label", "indicators": [{"id", "label", "measures", "unit", "direction", "source",
    "dataset", "lines": [{"code", "name", "years", "values"}], "trend": {...}}]}]; focus areas and indicators
    without data for this kommun are left out.
    """
    names = data.area_names
    groups = []
    for area in registry.registry():
        items = []
        for item in area.indicators:
            if "kommun" not in item.levels:
                continue
            values = _indicator_lines(data, item, "kommun")
            own = _line(values, code, names.get(code, code))
            if own is None:
                continue
            lines = [own]
            lines += [line for other in compare if (line := _line(values, other, names.get(other, other)))]
            if "riket" in item.levels:
                nation = _line(_indicator_lines(data, item, "riket"), "00", nation_name)
                if nation:
                    lines.append(nation)
            items.append({
                "id": item.id, "label": item.label(lang), "measures": item.description(lang), "unit": item.unit,
                "direction": item.direction, "source": item.origin, "dataset": item.dataset, "lines": lines,
                "trend": trend(own["years"], own["values"], item.direction),
            })
        if items:
            groups.append({"key": area.key, "label": area.label(lang), "indicators": items})
    outcomes = _outcome_group(data, code, lang, nation_name, compare)
    if outcomes:
        groups.append(outcomes)
    return groups


def _outcome_group(data, code: str, lang: str, nation_name: str, compare: tuple[str, ...]) -> dict | None:
    stored = data.cached(("series-outcomes",), lambda: _outcome_tables(data.observations))
    if not stored:
        return None
    names = data.area_names
    items = []
    for variable, label in OUTCOME_DATASET_VARIABLES.items():
        if variable not in stored:
            continue
        kommun_rows, riket_rows, source, dataset = stored[variable]
        own = _line(kommun_rows, code, names.get(code, code))
        if own is None:
            continue
        lines = [own] + [line for other in compare if (line := _line(kommun_rows, other, names.get(other, other)))]
        nation = _line(riket_rows, "00", nation_name)
        if nation:
            lines.append(nation)
        items.append({
            "id": variable, "label": label.get(lang) or label["sv"], "measures": "", "unit": "index 0–1",
            "direction": "higher_is_worse", "source": source, "dataset": dataset,
            "lines": lines, "trend": trend(own["years"], own["values"], "higher_is_worse"),
        })
    if not items:
        return None
    return {"key": "segregation", "label": OUTCOME_GROUP.get(lang) or OUTCOME_GROUP["sv"], "indicators": items}


def _outcome_tables(frame: pd.DataFrame) -> dict[str, tuple[dict, dict, str, str]]:
    """Per stored outcome variable: its kommun lines, its Riket lines, its source and its dataset."""
    stored = frame[frame["variable"].isin(list(OUTCOME_DATASET_VARIABLES))].rename(columns={"area_code": "code"})
    tables = {}
    for variable, rows in stored.groupby("variable", sort=False):
        source = str(rows["source"].iloc[0]) if "source" in rows.columns else ""
        tables[str(variable)] = (lines_by_code(rows[rows["level"] == "kommun"]),
                                 lines_by_code(rows[rows["level"] == "riket"]), source, str(rows["dataset"].iloc[0]))
    return tables


def chart_payload(groups: list[dict], start: int = PROGRAMME_START) -> dict:
    """What ``static/evidence.js`` draws: one small chart per indicator, with the programme's start marked."""
    charts = []
    for group in groups:
        for item in group["indicators"]:
            charts.append({"id": item["id"], "label": item["label"], "unit": item["unit"], "lines": item["lines"]})
    return {"start": start, "charts": charts}
