"""The barometer's pages (server-rendered, Swedish and English): ``/`` (Sweden overview), ``/kommun/{code}``,
``/area/{code}``, ``/search``, ``/indicators``. The JSON API is in :mod:`segreform.web.barometer_api`, files in
:mod:`segreform.web.barometer_downloads`, map geometry in :mod:`segreform.web.barometer_maps`; every text is a
gettext msgid (``locale/*/LC_MESSAGES/barometer.po``).
"""

from __future__ import annotations

import pandas as pd
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request as StarletteRequest

from segreform.barometer import downloads as files
from segreform.barometer import indicators as registry
from segreform.barometer import typology
from segreform.barometer import search as area_search
from segreform.barometer.profiles import INDEX_LABELS, NATION_CODE, PROFILE_INDICES, licence_for, map_layer
from segreform.web import evidence
from segreform.web.barometer_common import (
    IMPORT_HINT,
    area_name,
    barometer,
    barometer_nonblocking,
    ensure_page_cache,
    kommun_profile,
    not_found,
    records,
    type_label,
)
from segreform.web.i18n import LANG_COOKIE, LANGUAGES, gettext, language, render
from segreform.web.params import YearQuery

router = APIRouter()


def overview_context(data, layer_id: str | None, year: int | None, lang: str) -> dict:
    if not data.layers:
        return {"layer": None}
    layer_id = layer_id if layer_id in data.layers else next(iter(data.layers))
    try:
        layer, year, table = data.layer_values(layer_id, year)
    except ValueError:
        layer, year, table = data.layer_values(layer_id)
    return {"layer": layer, "year": year, "table": table, "layers": data.layers}


@router.get("/", include_in_schema=False)
def overview_page(request: Request, layer: str | None = None, year: YearQuery = None):
    data = barometer(request)
    if cached := data.pages.response(request):
        return cached
    lang = language(request)
    context = overview_context(data, layer, year, lang)
    values = {}
    if context.get("layer"):
        values = {row["code"]: files._json_value(row["value"]) for row in context["table"].to_dict("records")}
    return render(
        request, "barometer/overview.html", values=values, kommuner=data.kommuner,
        rows=records(context["table"]) if context.get("layer") else [], cache=data.pages, **context,
    )



@router.get("/kommun", include_in_schema=False)
def kommun_pick(request: Request, code: str = ""):
    """The kommun picker's form target (works without JavaScript)."""
    code = code.strip()
    if not code:
        return RedirectResponse("/", status_code=303)
    return RedirectResponse(f"/kommun/{code}", status_code=303)


@router.get("/kommun/{code}", include_in_schema=False)
async def kommun_page(request: Request, code: str, compare: list[str] = Query(default=[]), map_by: str = "type"):
    # A cached page is answered on the event loop (no worker-thread hop); rendering runs on a worker thread.
    data = await barometer_nonblocking(request)
    if cached := data.pages.response(request):
        return cached
    return await run_in_threadpool(render_kommun_page, request, data, code, compare, map_by)


def prerender_kommun_pages(app, data, codes=None) -> int:
    """Render every kommun's page (as first visited: no comparison, map by area type) in every language into
    the snapshot's page cache, so that no visitor waits for one. Runs in the background when the data change
    (see :attr:`segreform.barometer.profiles.Barometer.prepare`); returns how many pages it rendered."""
    cache = ensure_page_cache(data)
    rendered = 0
    for code in data.kommuner["code"] if codes is None else codes:
        for lang in LANGUAGES:
            request = StarletteRequest({
                "type": "http", "method": "GET", "scheme": "http", "server": ("127.0.0.1", 80), "root_path": "",
                "path": f"/kommun/{code}", "raw_path": f"/kommun/{code}".encode(), "query_string": b"",
                "headers": [(b"host", b"127.0.0.1"), (b"cookie", f"{LANG_COOKIE}={lang}".encode())], "app": app,
            })
            if cache.response(request) is None:
                render_kommun_page(request, data, code, [], "type")
                rendered += 1
    return rendered


def render_kommun_page(request: Request, data, code: str, compare: list[str], map_by: str):
    """The kommun page from snapshot ``data`` (kept in its page cache)."""
    profile = kommun_profile(data, code, compare)
    lang = language(request)
    map_values, map_label, map_unit = kommun_map_values(data, profile["areas"], map_by, lang)
    police_codes = sorted(set(profile["police"]["regso_code"]) - {""})
    map_payload = {
        "kommun": code, "values": map_values, "byType": map_by == "type", "label": map_label, "unit": map_unit,
        "direction": "neutral" if map_by == "type" else registry.get_indicator(map_by).direction,
        "police": police_codes, "bounds": profile["bounds"],
        "names": dict(zip(profile["areas"]["code"], profile["areas"]["name"])),
        "typeNames": {k: type_label(k, lang) for k in typology.AREA_TYPES},
    }
    index_rows = index_table_rows(
        profile["indices"], [code, profile["kommun"]["parent_code"], NATION_CODE, *profile["compare"]]
    )
    chart_payload = index_chart_payload(index_rows, data, lang)
    map_options = [("type", gettext(lang, "Area type"))] + [
        (item.id, item.label(lang)) for item in registry.all_indicators().values()
        if "regso" in item.levels and not data.indicator_values(item, "regso").empty
    ]
    return render(
        request, "barometer/kommun.html", cache=data.pages, data=data, map_data=map_payload,
        chart_data=chart_payload, map_by=map_by, map_options=map_options, map_label=map_label,
        type_names=typology.AREA_TYPE_NAMES,
        type_share={(r["code"], int(r["area_type"])): r["share"] for r in profile["type_shares"].to_dict("records")},
        area_rows=records(profile["areas"]),
        index_years=sorted(profile["indices"]["year"].unique().tolist()),
        index_rows=index_rows,
        not_loaded=[row["indicator"] for row in data.indicator_status() if not row["loaded"]],
        comparison_rows=records(profile["comparison"]),
        indicator_label=lambda i: registry.get_indicator(i).label(lang), index_label=lambda i: INDEX_LABELS[i][lang],
        area_name=lambda c: area_name(data, c, lang),
        evidence=evidence.kommun_context(data, code, lang, tuple(profile["compare"])), **profile,
    )



def kommun_map_values(data, areas: pd.DataFrame, map_by: str, lang: str):
    if map_by == "type":
        values = {c: (None if pd.isna(v) else int(v)) for c, v in zip(areas["code"], areas["area_type"])}
        return values, gettext(lang, "Area type"), ""
    try:
        item = registry.get_indicator(map_by)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc))
    table = data.indicator_values(item, "regso")
    table = table[table["code"].isin(areas["code"])]
    if table.empty:
        return {}, item.label(lang), item.unit
    latest = table[table["year"] == table["year"].max()]
    label = f"{item.label(lang)} {int(latest['year'].iloc[0])}"
    return {c: (None if pd.isna(v) else float(v)) for c, v in zip(latest["code"], latest["value"])}, label, item.unit


def index_table_rows(indices: pd.DataFrame, order: list[str]) -> list[dict]:
    """One row per (index, area) with a cell per year: (value, low, high), areas in ``order``."""
    cells: dict = {}
    for r in records(indices):
        cells.setdefault((r["index"], r["code"]), {})[int(r["year"])] = (r["value"], r["ci_low"], r["ci_high"])
    return [
        {"index": name, "code": code, "cells": cells[(name, code)]}
        for name in PROFILE_INDICES for code in order if (name, code) in cells
    ]


def index_chart_payload(index_rows: list[dict], data, lang: str) -> dict:
    """The chart's series, from the same rows as the table under it."""
    series = []
    for row in index_rows:
        years = sorted(row["cells"])
        values, lows, highs = zip(*(row["cells"][year] for year in years))
        series.append({"index": row["index"], "code": row["code"], "name": area_name(data, row["code"], lang),
                       "years": years, "value": list(values), "low": list(lows), "high": list(highs)})
    return {"series": series, "indices": {name: INDEX_LABELS[name][lang] for name in PROFILE_INDICES}}



@router.get("/area/{code}", include_in_schema=False)
def area_page(request: Request, code: str):
    data = barometer(request)
    try:
        area = data.area(code)
    except LookupError as exc:
        not_found(str(exc))
    lang = language(request)
    wide = area["series"].pivot_table(index="year", columns="variable", values="value", aggfunc="first")
    return render(
        request, "barometer/area.html", area=area, wide=wide, type_label=type_label, type_names=typology.AREA_TYPE_NAMES,
        indicator_label=lambda i: registry.get_indicator(i).label(lang),
        map_data=({"code": code, "kommun": area["kommun_code"], "bounds": map_layer("regso").bounds.get(code)}),
    )



@router.get("/search", include_in_schema=False)
def search_page(request: Request, q: str = Query("", max_length=200)):
    data = barometer(request)
    results, error = None, None
    q = q.strip()
    if q:
        try:
            results = data.search(q)
        except ValueError as exc:
            error = str(exc)
        if results is not None and len(results) == 1:
            row = results.iloc[0]
            return RedirectResponse(area_search.result_url(row["level"], row["code"]), status_code=303)
    return render(request, "barometer/search.html", q=q, results=results, error=error,
                  result_url=area_search.result_url)



@router.get("/indicators", include_in_schema=False)
def indicators_page(request: Request):
    data = barometer(request)
    return render(request, "barometer/indicators.html", status=data.indicator_status(), licence_for=licence_for,
                  cutpoints=typology.DEFAULT_CUTPOINTS, type_names=typology.AREA_TYPE_NAMES, init_command=IMPORT_HINT)

