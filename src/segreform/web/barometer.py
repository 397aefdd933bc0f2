"""The barometer's pages (server-rendered, Swedish and English) and its JSON API and downloads.

Pages: ``/`` (Sweden overview), ``/kommun/{code}``, ``/area/{code}``, ``/search``, ``/indicators``,
``/downloads``. API under ``/api/`` (in the OpenAPI spec at ``/openapi.json``, browsable at ``/docs``).
Files: ``/download/{table}.{csv|xlsx|geojson}``. Map geometry: ``/api/map/{level}.geojson``, simplified
once per process, with an ETag and gzip.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from functools import lru_cache
from typing import Literal

import numpy as np
import pandas as pd
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from segreform.barometer import downloads as files
from segreform.barometer import indicators as registry
from segreform.barometer import typology
from segreform.barometer import search as area_search
from segreform.barometer.profiles import (
    BOOTSTRAP_DRAWS,
    INDEX_LABELS,
    NATION_CODE,
    PROFILE_INDICES,
    SEGREFORM_SOURCE,
    Barometer,
    licence_for,
    map_layer,
    map_layer_ready,
)
from segreform.barometer.maps import union_bounds
from segreform.web import evidence
from segreform.web.i18n import LANG_COOKIE, LANGUAGES, PageCache, gettext, language, register, render, t
from segreform.web.params import YearQuery

router = APIRouter()
register({
    "bar.nation": {"sv": "Riket", "en": "Sweden"},
    "bar.overview.title": {"sv": "Segregation i Sverige", "en": "Segregation in Sweden"},
    "bar.overview.intro": {
        "sv": "Välj vad kartan ska visa och vilket år. Klicka på en kommun eller välj den i listan för att se dess profil.",
        "en": "Choose what the map shows and the year. Click a kommun or pick it from the list to see its profile.",
    },
    "bar.layer": {"sv": "Visa", "en": "Show"},
    "bar.year": {"sv": "År", "en": "Year"},
    "bar.pick_kommun": {"sv": "Välj kommun", "en": "Choose a municipality"},
    "bar.go": {"sv": "Gå", "en": "Go"},
    "bar.ranking": {"sv": "Rangordning av kommuner", "en": "Municipalities ranked"},
    "bar.rank": {"sv": "Rang", "en": "Rank"},
    "bar.kommun": {"sv": "Kommun", "en": "Municipality"},
    "bar.lan": {"sv": "Län", "en": "County"},
    "bar.value": {"sv": "Värde", "en": "Value"},
    "bar.map_of": {"sv": "Karta över kommunerna: {label}, {year}", "en": "Map of the municipalities: {label}, {year}"},
    "bar.map_alt_overview": {
        "sv": "Koropletkarta över Sveriges 290 kommuner färgade efter {label} {year}. Samma värden finns i tabellen nedan.",
        "en": "Choropleth map of Sweden's 290 municipalities coloured by {label} {year}. The same values are in the table below.",
    },
    "bar.no_data": {
        "sv": "Inga data är inlästa ännu. Läs in de medföljande uppgifterna med kommandot",
        "en": "No data are loaded yet. Load the bundled data with the command",
    },
    "bar.no_data_indicator": {"sv": "Inga data inlästa – läs in med", "en": "No data loaded – import with"},
    "bar.area_type": {"sv": "Områdestyp", "en": "Area type"},
    "bar.area_types": {"sv": "Områdestyper", "en": "Area types"},
    "bar.map.by_type": {"sv": "Områdestyp", "en": "Area type"},
    "bar.map.colour_by": {"sv": "Färga kartan efter", "en": "Colour the map by"},
    "bar.map_alt_kommun": {
        "sv": "Karta över {kommun}s regionala statistikområden (RegSO) färgade efter {label}; områden med polisens utsatta områden har tjock kant. Samma uppgifter finns i tabellen Områden.",
        "en": "Map of the regional statistical areas (RegSO) of {kommun} coloured by {label}; areas with the police's vulnerable areas have a thick outline. The same figures are in the table Areas.",
    },
    "bar.type_basis.published": {"sv": "SCB:s publicerade områdestyper", "en": "SCB's published area types"},
    "bar.type_basis.computed": {
        "sv": "beräknade av segreform ur SCB:s tre andelar", "en": "computed by segreform from SCB's three shares",
    },
    "bar.type_shown": {"sv": "Visar {basis}, {year}.", "en": "Showing {basis}, {year}."},
    "bar.population_by_type": {"sv": "Befolkning per områdestyp", "en": "Population by area type"},
    "bar.share": {"sv": "Andel", "en": "Share"},
    "bar.population": {"sv": "Folkmängd", "en": "Population"},
    "bar.areas": {"sv": "Områden (RegSO)", "en": "Areas (RegSO)"},
    "bar.area": {"sv": "Område", "en": "Area"},
    "bar.code": {"sv": "Kod", "en": "Code"},
    "bar.trend": {"sv": "Trend", "en": "Trend"},
    "bar.trend.improving": {"sv": "förbättras", "en": "improving"},
    "bar.trend.worsening": {"sv": "försämras", "en": "worsening"},
    "bar.trend.stable": {"sv": "oförändrad", "en": "stable"},
    "bar.trend.single_year": {"sv": "ett år (ingen trend)", "en": "one year (no trend)"},
    "bar.in_type_since": {"sv": "I typen sedan", "en": "In type since"},
    "bar.years_in_type": {"sv": "År i typen", "en": "Years in type"},
    "bar.share_foreign_born": {"sv": "Andel utrikes födda", "en": "Share born abroad"},
    "bar.police": {"sv": "Polisens utsatta områden", "en": "The police's vulnerable areas"},
    "bar.police_note": {
        "sv": "Polisens lista (december 2025) anger namn, inte RegSO; områdena är kopplade till RegSO genom namnet och är därför ungefärliga. Källa: Polisen.",
        "en": "The police's list (December 2025) gives names, not RegSO; areas are linked to RegSO by name and are approximate. Source: the Police (Polisen).",
    },
    "bar.police_none": {"sv": "Inga utsatta områden i kommunen på polisens lista.", "en": "No vulnerable areas in this municipality on the police's list."},
    "bar.category": {"sv": "Kategori", "en": "Category"},
    "bar.matched_regso": {"sv": "RegSO (namnmatchning)", "en": "RegSO (name match)"},
    "bar.no_match": {"sv": "ingen namnträff", "en": "no name match"},
    "bar.indices": {"sv": "Segregationsindex över åren", "en": "Segregation indices over the years"},
    "bar.indices_note": {
        "sv": "Utrikes födda jämfört med inrikes födda, mellan kommunens RegSO. Kommunens värden har 95 % bootstrap-intervall (200 dragningar). Källa: segreform, beräknat ur SCB BE0101.",
        "en": "Foreign-born compared with Swedish-born, across the municipality's RegSO. The municipality's values have 95 % bootstrap intervals (200 draws). Source: segreform, computed from SCB BE0101.",
    },
    "bar.chart_alt_indices": {
        "sv": "Linjediagram: segregationsindex per år för {kommun}, länet och riket, med osäkerhetsintervall. Samma siffror finns i tabellen.",
        "en": "Line chart: segregation indices per year for {kommun}, the county and Sweden, with uncertainty intervals. The same figures are in the table.",
    },
    "bar.index": {"sv": "Index", "en": "Index"},
    "bar.interval": {"sv": "95 %-intervall", "en": "95 % interval"},
    "bar.comparison": {"sv": "Jämförelse", "en": "Comparison"},
    "bar.compare_with": {"sv": "Jämför med kommuner", "en": "Compare with municipalities"},
    "bar.indicator": {"sv": "Indikator", "en": "Indicator"},
    "bar.unit": {"sv": "Enhet", "en": "Unit"},
    "bar.direction": {"sv": "Riktning", "en": "Direction"},
    "bar.direction.higher_is_better": {"sv": "högre är bättre", "en": "higher is better"},
    "bar.direction.higher_is_worse": {"sv": "högre är sämre", "en": "higher is worse"},
    "bar.direction.neutral": {"sv": "neutral", "en": "neutral"},
    "bar.downloads_here": {"sv": "Ladda ned tabellerna", "en": "Download the tables"},
    "bar.kommun_profile": {"sv": "Kommunprofil", "en": "Municipality profile"},
    "bar.area_profile": {"sv": "Områdesprofil", "en": "Area profile"},
    "bar.status": {"sv": "Status och trend", "en": "Status and trend"},
    "bar.status_trend_note": {
        "sv": "Antal RegSO per områdestyp (status, senaste året) och trend (typ nu jämfört med första året med typ). Med ett enda år finns ingen trend.",
        "en": "Number of RegSO by area type (status, latest year) and trend (type now against the first year with a type). With a single year there is no trend.",
    },
    "bar.type_history": {"sv": "Områdestyp över åren", "en": "Area type over the years"},
    "bar.basis": {"sv": "Grund", "en": "Basis"},
    "bar.observations": {"sv": "Statistik över åren", "en": "Statistics over the years"},
    "bar.indicators_here": {"sv": "Indikatorer", "en": "Indicators"},
    "bar.search.title": {"sv": "Sök kommun eller område", "en": "Find a municipality or area"},
    "bar.search.label": {"sv": "Namn eller kod", "en": "Name or code"},
    "bar.search.button": {"sv": "Sök", "en": "Search"},
    "bar.search.none": {"sv": "Inga träffar för “{q}”.", "en": "No matches for “{q}”."},
    "bar.level.kommun": {"sv": "kommun", "en": "municipality"},
    "bar.level.regso": {"sv": "område (RegSO)", "en": "area (RegSO)"},
    "bar.indicators.title": {"sv": "Fokusområden och indikatorer", "en": "Focus areas and indicators"},
    "bar.indicators.intro": {
        "sv": "Reformprogrammets fem fokusområden och indikatorerna som följer dem. Varje indikator anger källa, enhet och riktning.",
        "en": "The reform programme's five focus areas and the indicators that follow them. Each indicator states its source, unit and direction.",
    },
    "bar.loaded": {"sv": "Inläst", "en": "Loaded"},
    "bar.origin": {"sv": "Kolada-id / SCB-tabell", "en": "Kolada id / SCB table"},
    "bar.typology.title": {"sv": "Så bestäms områdestyperna", "en": "How area types are set"},
    "bar.typology.text": {
        "sv": "SCB:s och Delmos socioekonomiska index är medelvärdet av tre andelar: låg ekonomisk standard; 20–64 år med högst förgymnasial utbildning; 20–64 år med långvarigt ekonomiskt bistånd eller långvarig arbetslöshet. Typen anger hur många standardavvikelser (z) området ligger från rikets medelvärde samma år.",
        "en": "SCB's and Delmos' socioeconomic index is the mean of three shares: low economic standard; aged 20–64 with at most compulsory schooling; aged 20–64 on long-term social assistance or long-term unemployment. The type says how many standard deviations (z) the area lies from the national mean that year.",
    },
    "bar.downloads.title": {"sv": "Ladda ned", "en": "Downloads"},
    "bar.downloads.intro": {
        "sv": "Varje tabell finns som CSV, Excel och (för tabeller över områden) GeoJSON. Varje fil anger källa och licens. Allt finns också i JSON-API:t.",
        "en": "Every table is available as CSV, Excel and (for tables of areas) GeoJSON. Every file states its source and licence. Everything is also in the JSON API.",
    },
    "bar.map_layers": {"sv": "Kartlager (gränser)", "en": "Map layers (boundaries)"},
    "bar.table": {"sv": "Tabell", "en": "Table"},
    "bar.formats": {"sv": "Format", "en": "Formats"},
    "bar.api_docs": {"sv": "API-dokumentation (OpenAPI)", "en": "API documentation (OpenAPI)"},
})

IMPORT_HINT = "segreform init"
MAP_LEVELS = ("regso", "kommun", "lan")


# -- helpers ----------------------------------------------------------------------------------------------
def barometer(request: Request):
    """The app's barometer snapshot (cached data, rebuilt when the loaded data change)."""
    state = request.app.state
    if getattr(state, "barometer", None) is None:
        state.barometer = Barometer(state.engine)
    data = state.barometer.data
    ensure_page_cache(data)
    return data


async def barometer_nonblocking(request: Request):
    """:func:`barometer` without blocking the event loop: the data stamp (a database query, at most once a
    second) and a first snapshot are looked at on a worker thread; otherwise the snapshot is at hand."""
    state = request.app.state
    current = getattr(state, "barometer", None)
    if current is None or current.check_due():
        return await run_in_threadpool(barometer, request)
    data = current.data
    ensure_page_cache(data)
    return data


# Every kommun page in both languages is pre-rendered per snapshot, so the cache holds them all with room to spare.
PAGE_CACHE_SIZE = 2048


def ensure_page_cache(data) -> PageCache:
    with PAGE_CACHE_LOCK:
        if data.pages is None:
            data.pages = PageCache(size=PAGE_CACHE_SIZE)
    return data.pages


PAGE_CACHE_LOCK = threading.Lock()


def records(frame: pd.DataFrame) -> list[dict]:
    """JSON-safe rows: NaN becomes null, numpy scalars become Python numbers."""
    if frame.empty:
        return []
    # pandas' own JSON writer turns NaN into null and numpy scalars into numbers in one fast pass.
    return json.loads(frame.to_json(orient="records", date_format="iso", force_ascii=False))


def not_found(message: str):
    raise HTTPException(status_code=404, detail=message)


def type_label(area_type, lang: str) -> str:
    if area_type is None or pd.isna(area_type) or int(area_type) not in typology.AREA_TYPE_NAMES:
        return "–"
    return f"{int(area_type)} – {typology.AREA_TYPE_NAMES[int(area_type)][lang]}"


def checked_kommun(data, code: str):
    try:
        return data.kommun(code)
    except LookupError as exc:
        not_found(str(exc))


# -- map geometry --------------------------------------------------------------------------------------------
@router.get("/api/map/{level}.geojson", tags=["maps"], summary="Simplified boundaries (GeoJSON, cached, ETag)")
async def map_geometry(level: Literal["regso", "kommun", "lan"], request: Request):
    """Boundaries of RegSO (3,363), kommuner (290) or län (21), coverage-simplified once per process.

    Properties: ``code``, ``name``. Values are served separately (``/api/overview``, ``/api/kommun/{code}``),
    so the geometry is cached by the browser (ETag; gzip when accepted). Source: SCB, CC0.
    """
    layer = map_layer(level) if map_layer_ready(level) else await run_in_threadpool(map_layer, level)
    headers = {"ETag": layer.etag, "Cache-Control": "public, max-age=3600", "Vary": "Accept-Encoding"}
    if etag_matches(request.headers.get("if-none-match"), layer.etag):
        return Response(status_code=304, headers=headers)
    accepted = {part.split(";")[0].strip() for part in request.headers.get("accept-encoding", "").split(",")}
    if "br" in accepted and HAVE_BROTLI and (compressed := await run_in_threadpool(brotli_body, level)) is not None:
        return Response(compressed, media_type="application/geo+json", headers={**headers, "Content-Encoding": "br"})
    if "gzip" in accepted:
        return Response(layer.gzipped, media_type="application/geo+json", headers={**headers, "Content-Encoding": "gzip"})
    return Response(layer.body, media_type="application/geo+json", headers=headers)


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison against an If-None-Match list ("*", several tags, W/ prefixes)."""
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag.removeprefix("W/") in tags


HAVE_BROTLI = importlib.util.find_spec("brotli") is not None


@lru_cache(maxsize=None)
def brotli_body(level: str) -> bytes | None:
    """The layer compressed with Brotli once per process, where the optional ``brotli`` package is installed."""
    try:
        import brotli
    except ImportError:
        return None
    return brotli.compress(map_layer(level).body, quality=9)


@lru_cache(maxsize=None)
def parsed_map(level: str) -> dict:
    return json.loads(map_layer(level).body)


# -- overview ------------------------------------------------------------------------------------------------
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


@router.get("/api/layers", tags=["barometer"], summary="What the overview map can show")
def api_layers(request: Request):
    """Every loaded layer: indicators at kommun level, segregation indices, share in area types 1–2."""
    data = barometer(request)
    return [
        {"id": layer.id, "label": layer.label, "unit": layer.unit, "direction": layer.direction,
         "source": layer.source, "licence": licence_for(layer.source), "years": list(layer.years)}
        for layer in data.layers.values()
    ]


@router.get("/api/overview", tags=["barometer"], summary="Kommun values and ranking of one layer and year")
async def api_overview(request: Request, layer: str = Query(..., description="a layer id from /api/layers"),
                       year: YearQuery = None):
    data = await barometer_nonblocking(request)
    body = data.responses.get(("api_overview", layer, year))
    if body is not None:
        return Response(body, media_type="application/json")
    return await run_in_threadpool(overview_answer, data, layer, year)


def overview_answer(data, layer: str, year: int | None) -> Response:
    asked_year = year
    try:
        found, year, table = data.layer_values(layer, year)
    except KeyError as exc:
        not_found(exc.args[0])
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc))
    # Serialised once per snapshot, under the key as asked and as resolved (both checked above: bounded keys).
    body = JSONResponse({
        "layer": found.id, "year": year, "unit": found.unit, "source": found.source,
        "licence": licence_for(found.source), "rows": records(table),
    }).body
    data.responses[("api_overview", layer, asked_year)] = data.responses[("api_overview", found.id, year)] = body
    return Response(body, media_type="application/json")


# -- kommun profile -----------------------------------------------------------------------------------------
def kommun_profile(data, code: str, compare: list[str]) -> dict:
    kommun = checked_kommun(data, code)
    compare = [c for c in dict.fromkeys(compare) if c and c != code]
    for other in compare:
        checked_kommun(data, other)
    areas = data.kommun_areas(code)
    by_type = data.population_by_type()
    lan_code = kommun["parent_code"]
    type_shares = by_type[
        ((by_type["level"] == "kommun") & by_type["code"].isin([code, *compare]))
        | ((by_type["level"] == "lan") & (by_type["code"] == lan_code))
        | (by_type["level"] == "riket")
    ]
    indices = pd.concat(
        [
            data.segregation_indices("kommun", code, bootstrap=BOOTSTRAP_DRAWS),
            data.segregation_indices("lan", lan_code),
            data.segregation_indices("riket"),
            *[data.segregation_indices("kommun", other) for other in compare],
        ],
        ignore_index=True,
    )
    bounds = map_layer("regso").bounds
    return {
        "kommun": kommun,
        "compare": compare,
        "areas": areas,
        "type_shares": type_shares,
        "indices": indices,
        "comparison": data.comparison(code, compare),
        "status_trend": typology.status_trend_table(
            areas.dropna(subset=["area_type"]).rename(columns={"area_type": "status"})
        ),
        "police": data.police_matches(code),
        "bounds": union_bounds([bounds.get(c) for c in areas["code"]]),
        "type_basis": sorted(set(areas["basis"].dropna())),
        "type_year": int(areas["type_year"].max()) if areas["type_year"].notna().any() else None,
    }


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
    from starlette.requests import Request as StarletteRequest

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
    map_options = [("type", t("bar.map.by_type", lang))] + [
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


def area_name(data, code: str, lang: str = "sv") -> str:
    """The name of a kommun, län or the nation ("00") by code."""
    if code == NATION_CODE:
        return t("bar.nation", lang)
    return data.area_names.get(code, code)


def kommun_map_values(data, areas: pd.DataFrame, map_by: str, lang: str):
    if map_by == "type":
        values = {c: (None if pd.isna(v) else int(v)) for c, v in zip(areas["code"], areas["area_type"])}
        return values, t("bar.area_type", lang), ""
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


@router.get("/api/kommun/{code}", tags=["barometer"], summary="Kommun profile")
def api_kommun(request: Request, code: str, compare: list[str] = Query(default=[])):
    """Everything on the kommun page: RegSO with area type, status × trend and time in type, population share
    per area type (kommun, county, nation, chosen kommuner), segregation indices over the years with 95 %
    bootstrap intervals, indicator comparison, and the police's vulnerable areas matched to RegSO by name."""
    data = barometer(request)
    profile = kommun_profile(data, code, compare)
    kommun = profile["kommun"]
    return {
        "code": code, "name": kommun["name"], "lan_code": kommun["parent_code"], "lan_name": kommun["lan_name"],
        "area_types": {"basis": profile["type_basis"], "year": profile["type_year"],
                       "cutpoints_sd": list(typology.DEFAULT_CUTPOINTS)},
        "areas": records(profile["areas"]),
        "population_by_type": records(profile["type_shares"]),
        "segregation_indices": {"groups": "utrikes_fodda vs inrikes_fodda across RegSO", "source": SEGREFORM_SOURCE,
                                 "rows": records(profile["indices"])},
        "comparison": records(profile["comparison"]),
        "police_areas": {"source": "Polisen", "licence": licence_for("Polisen"), "rows": records(profile["police"])},
        "bounds": profile["bounds"],
    }


# -- area profile and search ---------------------------------------------------------------------------------
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


@router.get("/api/area/{code}", tags=["barometer"], summary="RegSO profile")
def api_area(request: Request, code: str):
    data = barometer(request)
    try:
        area = data.area(code)
    except LookupError as exc:
        not_found(str(exc))
    return {
        "code": area["code"], "name": area["name"], "kommun_code": area["kommun_code"],
        "kommun_name": area["kommun_name"], "types": records(area["types"]),
        "status": {k: files._json_value(v) for k, v in (area["status"] or {}).items()},
        "observations": records(area["series"]), "indicators": records(area["indicators"]),
        "police_areas": records(area["police"]),
    }


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


MIN_SEARCH_LENGTH = 2


@router.get("/api/search", tags=["barometer"], summary="Find a kommun or RegSO by name or code")
def api_search(request: Request, q: str = Query(..., max_length=200, description="at least two characters, "
                                                                              "spaces at either end ignored"),
               limit: int = Query(50, ge=1, le=500)):
    text = q.strip()
    if len(text) < MIN_SEARCH_LENGTH:
        raise HTTPException(status_code=400, detail=gettext(language(request), "Search for at least %(n)s characters.",
                                                            n=MIN_SEARCH_LENGTH))
    try:
        return records(barometer(request).search(text, limit))
    except ValueError as exc:  # what the search itself refuses (e.g. only punctuation)
        raise HTTPException(status_code=400, detail=str(exc)) from None


# -- indicators ----------------------------------------------------------------------------------------------
@router.get("/indicators", include_in_schema=False)
def indicators_page(request: Request):
    data = barometer(request)
    return render(request, "barometer/indicators.html", status=data.indicator_status(), licence_for=licence_for,
                  cutpoints=typology.DEFAULT_CUTPOINTS, type_names=typology.AREA_TYPE_NAMES, init_command=IMPORT_HINT)


@router.get("/api/indicators", tags=["barometer"], summary="The focus-area indicator registry and what is loaded")
def api_indicators(request: Request):
    data = barometer(request)
    return [
        {
            "focus_area": row["focus_area"].key, "focus_area_name": row["focus_area"].name, "id": row["indicator"].id,
            "name": row["indicator"].name, "unit": row["indicator"].unit, "direction": row["indicator"].direction,
            "source": row["indicator"].source, "kolada": row["indicator"].kolada, "scb_table": row["indicator"].scb_table,
            "loaded": row["loaded"], "years_by_level": row["levels"],
            "import_command": None if row["loaded"] else row["indicator"].import_command,
        }
        for row in data.indicator_status()
    ]


@router.get("/api/area-types", tags=["barometer"], summary="Area type, status × trend and time in type per RegSO")
def api_area_types(request: Request, kommun: str | None = None):
    data = barometer(request)
    table = download_table(data, "area-types", {"kommun": kommun}, "en").frame
    return {"cutpoints_sd": list(typology.DEFAULT_CUTPOINTS), "rows": records(table)}


# -- downloads -----------------------------------------------------------------------------------------------
DOWNLOADS = {
    "overview": "Kommun values and ranking of one overview layer (?layer=&year=)",
    "area-types": "Area type, basis, status × trend and time in type per RegSO (?kommun= to limit)",
    "kommun-areas": "A kommun's RegSO with type, population and police areas (?kommun=)",
    "kommun-indices": "Segregation indices with 95 % intervals for a kommun, its county and the nation (?kommun=)",
    "kommun-comparison": "Indicators: kommun, county, nation and chosen kommuner (?kommun=&compare=)",
    "population-by-type": "Population per area type for every kommun, county and the nation",
    "indicators": "The focus-area indicator registry with what is loaded",
    "police-areas": "The police's vulnerable areas (December 2025)",
    "area-observations": "Every loaded value of one RegSO (?area=)",
}


def download_table(data, name: str, params: dict, lang: str) -> files.Download:
    """Build the named download; HTTPException 404/422 for an unknown table or missing parameter."""
    def need(key):
        value = params.get(key)
        if not value:
            raise HTTPException(status_code=422, detail=f"the table {name!r} needs the parameter ?{key}=")
        return value

    scb = "SCB (RegSO, BE0101 and 000005QX)"
    if name == "overview":
        layer, year, table = overview_layer(data, params)
        return files.Download(name, layer.name(lang), table.assign(year=year), layer.source, licence_for(layer.source),
                              geometry_level="kommun", notes={"layer": layer.id, "year": year, "unit": layer.unit})
    if name == "area-types":
        table = data.area_types.merge(data.status.drop(columns=["status"]), on="area_code", how="left")
        table = table.merge(data.regso[["code", "name", "parent_code"]].rename(columns={"code": "area_code", "parent_code": "kommun"}),
                            on="area_code", how="left")
        if params.get("kommun"):
            table = table[table["kommun"] == params["kommun"]]
        table = table.rename(columns={"area_code": "code"})
        return files.Download(name, "Area types (områdestyper)", table, scb, licence_for("SCB"), geometry_level="regso",
                              notes={"cutpoints_sd": typology.DEFAULT_CUTPOINTS})
    if name == "kommun-areas":
        code = need("kommun")
        checked_kommun(data, code)
        return files.Download(name, f"RegSO in {area_name(data, code)}", data.kommun_areas(code),
                              scb + "; Polisen", licence_for("SCB") + "; " + licence_for("Polisen"), geometry_level="regso")
    if name == "kommun-indices":
        code = need("kommun")
        kommun = checked_kommun(data, code)
        table = pd.concat([data.segregation_indices("kommun", code, bootstrap=BOOTSTRAP_DRAWS),
                           data.segregation_indices("lan", kommun["parent_code"]), data.segregation_indices("riket")])
        return files.Download(name, f"Segregation indices, {kommun['name']}", table, SEGREFORM_SOURCE, licence_for("SCB"),
                              notes={"groups": "utrikes_fodda (focal) vs inrikes_fodda", "interval": "95 % bootstrap, 200 draws"})
    if name == "kommun-comparison":
        code = need("kommun")
        checked_kommun(data, code)
        compare = [c for c in str(params.get("compare") or "").split(",") if c]
        for other in compare:
            checked_kommun(data, other)
        return files.Download(name, f"Indicators, {area_name(data, code)}", data.comparison(code, compare),
                              "see the source column", "per source")
    if name == "population-by-type":
        return files.Download(name, "Population by area type", data.population_by_type(), scb, licence_for("SCB"))
    if name == "indicators":
        rows = [
            {"focus_area": r["focus_area"].key, "id": r["indicator"].id, "name": r["indicator"].label(lang),
             "unit": r["indicator"].unit, "direction": r["indicator"].direction, "source": r["indicator"].source,
             "kolada": r["indicator"].kolada, "scb_table": r["indicator"].scb_table, "loaded": r["loaded"],
             "import_command": r["indicator"].import_command}
            for r in data.indicator_status()
        ]
        return files.Download(name, "Indicator registry", pd.DataFrame(rows), "segreform registry", "MIT")
    if name == "police-areas":
        return files.Download(name, "Polisens utsatta områden", data.police, "Polisen", licence_for("Polisen"))
    if name == "area-observations":
        code = need("area")
        try:
            area = data.area(code)
        except LookupError as exc:
            not_found(str(exc))
        return files.Download(name, f"{area['name']} ({code})", area["series"].assign(code=code), scb, licence_for("SCB"),
                              geometry_level="regso")
    not_found(f"no download {name!r}; choose one of {sorted(DOWNLOADS)}")


def overview_layer(data, params: dict):
    if not data.layers:
        raise HTTPException(status_code=404, detail=f"no data loaded; run `{IMPORT_HINT}`")
    layer_id = params.get("layer") or next(iter(data.layers))
    try:
        return data.layer_values(layer_id, int(params["year"]) if params.get("year") else None)
    except KeyError as exc:
        not_found(exc.args[0])
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc))


@router.get("/download/{table}.{fmt}", tags=["downloads"], summary="Any table as CSV, Excel or GeoJSON")
def download(request: Request, table: str, fmt: Literal["csv", "xlsx", "geojson"], layer: str | None = None,
             year: YearQuery = None, kommun: str | None = None, compare: str | None = None, area: str | None = None):
    """Tables: see ``/downloads``. Every file names its source and licence (CSV: columns; Excel: sheet "about";
    GeoJSON: the ``metadata`` member). GeoJSON exists for tables of areas (joined to the simplified boundaries)."""
    data = barometer(request)
    params = {"layer": layer, "year": year, "kommun": kommun, "compare": compare, "area": area}
    item = download_table(data, table, params, language(request))
    boundaries = parsed_map(item.geometry_level) if fmt == "geojson" and item.geometry_level else None
    if fmt == "geojson" and boundaries is None:
        raise HTTPException(status_code=422, detail=f"the table {table!r} has no map layer; download it as csv or xlsx")
    body = files.render(item, fmt, boundaries)
    suffix = "-".join(str(v) for v in params.values() if v)
    filename = f"segreform-{table}{'-' + suffix if suffix else ''}.{fmt}".replace(":", "_").replace(",", "_")
    return Response(body, media_type=files.FORMATS[fmt], headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/downloads", include_in_schema=False)
def downloads_page(request: Request):
    data = barometer(request)
    example = data.kommuner["code"].iloc[0] if not data.kommuner.empty else "0180"
    return render(request, "barometer/downloads.html", downloads=DOWNLOADS, layers=data.layers, example=example,
                  has_geometry={"overview", "area-types", "kommun-areas", "area-observations"})
