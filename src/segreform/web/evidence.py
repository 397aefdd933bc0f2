"""The evidence parts of the barometer: indicator time series per kommun and the police areas by polygon.

``kommun_context`` feeds ``templates/barometer/_evidence.html`` (included from the kommun page); the JSON routes
give the same figures to scripts: ``/api/kommun/{code}/series`` and ``/api/kommun/{code}/police.geojson``.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from segreform.barometer import police as police_overlay
from segreform.barometer import series as indicator_series
from segreform.data import police_panel
from segreform.web.i18n import gettext, language

router = APIRouter()


def _checked_kommun(data, code: str) -> dict:
    try:
        return data.kommun(code)
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc))


def kommun_context(data, code: str, lang: str, compare: tuple[str, ...] = ()) -> dict:
    """Everything the kommun page's evidence sections show: series by focus area with status and trend, the chart
    payload, the police lists 2015–2025 and the police polygons for the map."""
    nation = gettext(lang, "Sweden")
    groups = indicator_series.kommun_series(data, code, lang, nation, tuple(compare))
    history = police_overlay.list_history(code)
    matches = data.police_matches(code)
    return {
        "groups": groups,
        "charts": indicator_series.chart_payload(groups),
        "start": indicator_series.PROGRAMME_START,
        "police_history": history.to_dict("records"),
        "police_years": [str(y) for y in (*police_panel.LIST_YEARS, police_panel.CURRENT_LIST_YEAR)],
        "police_polygons": police_overlay.kommun_polygons(code),
        "police_unmatched": sorted(set(matches.loc[matches["regso_code"] == "", "name"])),
        "police_source": police_panel.POLICE_PANEL_SOURCE,
        "police_licence": police_panel.POLICE_PANEL_LICENCE,
    }


def _barometer(request: Request):
    return request.app.state.barometer.data


@router.get("/api/kommun/{code}/series", tags=["barometer"],
            summary="The kommun's focus-area indicators as time series, with status and trend since 2018")
def api_kommun_series(request: Request, code: str):
    data = _barometer(request)
    _checked_kommun(data, code)
    lang = language(request)
    return {"kommun": code, "programme_start": indicator_series.PROGRAMME_START,
            "focus_areas": indicator_series.kommun_series(data, code, lang, gettext(lang, "Sweden"))}


@router.get("/api/kommun/{code}/police.geojson", tags=["maps"],
            summary="The police's vulnerable areas of a kommun as polygons (2015–2023 lists; Källa: Polisen)")
def api_kommun_police(request: Request, code: str):
    data = _barometer(request)
    _checked_kommun(data, code)
    return police_overlay.kommun_polygons(code)
