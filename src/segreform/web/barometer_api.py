"""The barometer's JSON API under ``/api/`` (in the OpenAPI spec at ``/openapi.json``, browsable at ``/docs``):
layers and overview values, kommun and RegSO profiles, search, the indicator registry, area types."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from segreform.barometer import downloads as files
from segreform.barometer import typology
from segreform.barometer.profiles import SEGREFORM_SOURCE, licence_for
from segreform.web.barometer_common import barometer, barometer_nonblocking, kommun_profile, not_found, records
from segreform.web.barometer_downloads import download_table
from segreform.web.i18n import gettext, language
from segreform.web.params import YearQuery

router = APIRouter()


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

