"""The barometer's downloads: every table as CSV, Excel or GeoJSON (``/download/{table}.{fmt}``), each naming its
source and licence, and the page that lists them (``/downloads``)."""

from __future__ import annotations

from typing import Literal

import pandas as pd
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from segreform.barometer import downloads as files
from segreform.barometer import typology
from segreform.barometer.profiles import BOOTSTRAP_DRAWS, SEGREFORM_SOURCE, licence_for
from segreform.web.barometer_common import IMPORT_HINT, area_name, barometer, checked_kommun, not_found
from segreform.web.barometer_maps import parsed_map
from segreform.web.i18n import language, render
from segreform.web.params import YearQuery

router = APIRouter()


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
