"""What the barometer's pages, API and downloads share: the data snapshot of a request, its page cache, the
lookups that answer 404, the kommun profile, and the msgids of labels chosen at run time (trend, direction, ...)."""

from __future__ import annotations

import json
import threading

import pandas as pd
from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool

from segreform.barometer import typology
from segreform.barometer.maps import union_bounds
from segreform.barometer.profiles import BOOTSTRAP_DRAWS, NATION_CODE, Barometer, map_layer
from segreform.web.i18n import N_, PageCache, gettext, templates

IMPORT_HINT = "segreform init"
MAP_LEVELS = ("regso", "kommun", "lan")

# Values that the data hold, with the msgid that the pages show for each (translated in the template).
TREND_NAMES = {"improving": N_("improving"), "worsening": N_("worsening"), "stable": N_("stable"),
               "single_year": N_("one year (no trend)")}
DIRECTION_NAMES = {"higher_is_better": N_("higher is better"), "higher_is_worse": N_("higher is worse"),
                   "neutral": N_("neutral")}
TYPE_BASIS_NAMES = {"published": N_("SCB's published area types"),
                    "computed": N_("computed by segreform from SCB's three shares")}
LEVEL_NAMES = {"kommun": N_("municipality"), "regso": N_("area (RegSO)")}
templates.env.globals.update(TREND_NAMES=TREND_NAMES, DIRECTION_NAMES=DIRECTION_NAMES,
                             TYPE_BASIS_NAMES=TYPE_BASIS_NAMES, LEVEL_NAMES=LEVEL_NAMES)


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


def area_name(data, code: str, lang: str = "sv") -> str:
    """The name of a kommun, län or the nation ("00") by code."""
    if code == NATION_CODE:
        return gettext(lang, "Sweden")
    return data.area_names.get(code, code)



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

