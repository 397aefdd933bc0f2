"""The police's vulnerable areas as polygons, list by list (2015, 2017, 2019, 2021, 2023), laid over RegSO 2025.

The polygons come from UO-Project/UO_panel (see ``bundled/PROVENANCE.md``); one shape per area, the same in
every list it is on (the source assumes shapes before 2021 unchanged). The overlay is computed in SWEREF 99 TM
(EPSG:3006, metres) against the shipped RegSO boundaries, whose polygons include lakes and coastal water: a
RegSO's *population inside* is its population times the share of its area inside, an area-weighted estimate.

The December 2025 list has attributes only; it joins the 2023 polygons where the area persists (same kommun, and
the same name or a shared name part: "Rosengård" ↔ "Rosengård söder om Amiralsgatan") and says so where not.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import shape

from segreform.data import bundled, queries
from segreform.data.writer import Release, sha256_of, sha256_of_file

LIST_YEARS = (2015, 2017, 2019, 2021, 2023)
LATEST_POLYGON_YEAR = 2023
CURRENT_LIST_YEAR = 2025
POLICE_PANEL_SOURCE = "Polisen (Källa: Polisen), via UO-Project/UO_panel"
POLICE_PANEL_LICENCE = ("Källa: Polisen (offentlig handling); categories before 2021 reconstructed from Swedish "
                        "Wikipedia lists (CC BY-SA 4.0)")
CATEGORIES = {
    "särskilt utsatt område": "Särskilt utsatt område",
    "utsatt område": "Utsatt område",
    "riskområde": "Riskområde",
}
SPECIALLY_VULNERABLE = "Särskilt utsatt område"
# How a 2025 area found (or did not find) its 2023 polygon.
JOIN_SAME_NAME = "same_name"
JOIN_NAME_PART = "shared_name_part"
JOIN_NONE = "no_2023_polygon"
_TO_METRES = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)


def normalise_name(name: str) -> str:
    return re.sub(r"\s+", " ", str(name).casefold().replace("(", " ").replace(")", " ")).strip()


def name_parts(name: str) -> set[str]:
    """The places a police area's name lists: "Södra Sofielund (Seved)" → {"södra sofielund", "seved"}."""
    parts = re.split(r"\s*(?:/|,|\(|\)|\boch\b)\s*", str(name).casefold())
    return {re.sub(r"\s+", " ", p).strip() for p in parts if len(p.strip()) >= 3}


def _parts_overlap(left: set[str], right: set[str]) -> bool:
    # "Rosengård" ↔ "Rosengård söder om Amiralsgatan", "Hässelby gård" ↔ "Hässelby": one part begins the other.
    return any(a == b or a.startswith(b + " ") or b.startswith(a + " ") for a in left for b in right)


@lru_cache(maxsize=1)
def panel() -> pd.DataFrame:
    """Every area on every list 2015–2023: DataFrame[uo_id, name, kommun_code, kommun_name, year, category]."""
    table = bundled.read_csv(bundled.POLICE_PANEL)
    category = table.police_category.str.casefold().map(CATEGORIES)
    if category.isna().any():
        line = int(np.flatnonzero(category.isna().to_numpy())[0]) + 2
        raise ValueError(f"{bundled.POLICE_PANEL.name}, line {line}, field 'police_category': unknown category")
    return pd.DataFrame({
        "uo_id": table.uo_id, "name": table.area_name, "kommun_code": table.kommun_code,
        "kommun_name": table.kommun_name, "year": table.year.astype(int), "category": category,
    })


@lru_cache(maxsize=1)
def polygon_collection() -> dict:
    """The shipped polygons (WGS84 GeoJSON, property ``uo_id``); read once, treat as read-only."""
    return json.loads(bundled.POLICE_PANEL_POLYGONS.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def polygons() -> dict[str, shapely.Geometry]:
    """uo_id → polygon (WGS84)."""
    return {f["properties"]["uo_id"]: shape(f["geometry"]) for f in polygon_collection()["features"]}


def _to_metres(geometries):
    return shapely.transform(np.asarray(geometries, dtype=object), lambda xy: np.column_stack(
        _TO_METRES.transform(xy[:, 0], xy[:, 1])))


@lru_cache(maxsize=1)
def regso_overlay() -> pd.DataFrame:
    """Each police polygon × each RegSO 2025 it intersects.

    DataFrame[uo_id, regso_code, kommun_code, intersection_m2, share_of_regso_area, share_of_police_area].
    """
    regso = bundled.boundaries("regso")["features"]
    regso_codes = np.array([f["properties"]["code"] for f in regso])
    regso_kommun = np.array([f["properties"]["code"][:4] for f in regso])
    regso_shapes = np.array([shape(f["geometry"]) for f in regso], dtype=object)
    police = polygons()
    ids = list(police)
    police_shapes = np.array([police[i] for i in ids], dtype=object)
    tree = shapely.STRtree(regso_shapes)
    police_index, regso_index = tree.query(police_shapes, predicate="intersects")
    police_m = _to_metres(police_shapes)
    candidates = np.unique(regso_index)
    regso_m = dict(zip(candidates, _to_metres(regso_shapes[candidates])))
    regso_m_pairs = np.array([regso_m[i] for i in regso_index], dtype=object)
    overlap = shapely.area(shapely.intersection(police_m[police_index], regso_m_pairs))
    regso_area = shapely.area(regso_m_pairs)
    police_area = shapely.area(police_m[police_index])
    frame = pd.DataFrame({
        "uo_id": np.array(ids)[police_index], "regso_code": regso_codes[regso_index],
        "kommun_code": regso_kommun[regso_index], "intersection_m2": overlap,
        "share_of_regso_area": overlap / regso_area, "share_of_police_area": overlap / police_area,
    })
    return frame[frame.intersection_m2 > 0].sort_values(["uo_id", "regso_code"]).reset_index(drop=True)


def join_2025_list(current: pd.DataFrame) -> pd.DataFrame:
    """The 2025 list (``namn``/``kommunkod`` columns of the shipped CSV, or ``name``/``kommunkod``) joined to the
    2023 polygons: adds uo_id ("" where none), panel_name and ``join`` (same_name | shared_name_part |
    no_2023_polygon)."""
    names = current["namn"] if "namn" in current.columns else current["name"]
    by_kommun = _areas_2023_by_kommun()
    rows = []
    for name, kommun in zip(names, current["kommunkod"]):
        candidates = by_kommun.get(kommun, ())
        wanted_name, wanted_parts = normalise_name(name), name_parts(name)
        match = next((c for c in candidates if c[2] == wanted_name), None)
        how = JOIN_SAME_NAME
        if match is None:
            match = next((c for c in candidates if _parts_overlap(wanted_parts, c[3])), None)
            how = JOIN_NAME_PART
        rows.append((match[0], match[1], how) if match else ("", "", JOIN_NONE))
    joined = pd.DataFrame(rows, columns=["uo_id", "panel_name", "join"], index=current.index)
    return pd.concat([current, joined], axis=1)


@lru_cache(maxsize=1)
def _areas_2023_by_kommun() -> dict[str, list[tuple[str, str, str, set[str]]]]:
    latest = panel()[panel().year == LATEST_POLYGON_YEAR]
    result: dict = {}
    for uo_id, name, kommun in zip(latest.uo_id, latest.name, latest.kommun_code):
        result.setdefault(kommun, []).append((uo_id, name, normalise_name(name), name_parts(name)))
    return result


def population_year(list_year: int, available: list[int]) -> int | None:
    """The RegSO population year used for a list: the list's own year, else the nearest year loaded."""
    if not available:
        return None
    return min(available, key=lambda y: (abs(y - list_year), -y))


PANEL_DATASET = "polisen_utsatta_omraden_panel"
COUNT_VARIABLE = "polisen_utsatta_omraden_antal"
SPECIALLY_VULNERABLE_VARIABLE = "polisen_sarskilt_utsatta_omraden_antal"
POPULATION_VARIABLE = "befolkning_i_polisens_utsatta_omraden"


def panel_inputs_sha256() -> str:
    files = (bundled.POLICE_PANEL, bundled.POLICE_PANEL_POLYGONS, bundled.POLICE_AREAS_2025,
             bundled.REGSO_2025_KEY, bundled.BOUNDARY_FILES["regso"], bundled.FODELSELAND_TABLE)
    return sha256_of("".join(sha256_of_file(path) for path in files))


@lru_cache(maxsize=1)
def list_areas() -> pd.DataFrame:
    """Every area of every list 2015–2025 with its polygon id: DataFrame[year, name, kommun_code, category, uo_id,
    join]; 2025 from the shipped attribute list, joined through the 2023 polygons. Read once: treat as read-only."""
    earlier = panel().assign(join="")[["year", "name", "kommun_code", "category", "uo_id", "join"]]
    current = join_2025_list(bundled.read_csv(bundled.POLICE_AREAS_2025))
    latest = pd.DataFrame({
        "year": CURRENT_LIST_YEAR, "name": current.namn, "kommun_code": current.kommunkod,
        "category": current.kategori.str.casefold().map(CATEGORIES), "uo_id": current.uo_id, "join": current["join"],
    })
    return pd.concat([earlier, latest], ignore_index=True)


def panel_release(engine):
    """Per kommun (all 290, zero where none), län and Riket, per list year 2015–2025: the number of listed areas, of
    specially vulnerable ones, and the population living in them (area-weighted RegSO population)."""
    kommun_table = bundled.read_csv(bundled.KOMMUNER)
    kommuner = kommun_table.kommunkod
    lan_of = kommun_table.set_index("kommunkod").lanskod
    areas = list_areas()
    population = queries.observations(engine, "folkmangd", level="regso")
    available = sorted(population.year.unique().tolist())
    # uo_id × year → people, all years in one merge.
    overlay = regso_overlay()[["uo_id", "regso_code", "share_of_regso_area"]]
    weighted = overlay.merge(population[["area_code", "year", "value"]].astype({"area_code": object}),
                             left_on="regso_code", right_on="area_code")
    people_by_area_year = (weighted.share_of_regso_area * weighted.value).groupby(
        [weighted.uo_id, weighted.year]).sum()
    frames, used_years, without_polygon = [], {}, {}
    for year, listed in areas.groupby("year"):
        pop_year = population_year(int(year), available)
        used_years[int(year)] = pop_year
        counts = listed.groupby("kommun_code").size().reindex(kommuner, fill_value=0)
        severe = (listed[listed.category == SPECIALLY_VULNERABLE].groupby("kommun_code").size()
                  .reindex(kommuner, fill_value=0))
        people = pd.Series(np.nan, index=kommuner)
        if pop_year is not None:
            by_area = people_by_area_year.xs(pop_year, level="year")
            # An area the 2025 list splits in two (Rinkeby, Tensta) shares one polygon: count its people once.
            people = (listed[listed.uo_id != ""].drop_duplicates(["kommun_code", "uo_id"])
                      .assign(people=lambda f: f.uo_id.map(by_area).fillna(0.0))
                      .groupby("kommun_code").people.sum().reindex(kommuner, fill_value=0.0))
        missing = listed[listed.uo_id == ""]
        if not missing.empty:
            without_polygon[int(year)] = [f"{n} ({k})" for n, k in zip(missing.name, missing.kommun_code)]
        for variable, values in ((COUNT_VARIABLE, counts.astype(float)), (SPECIALLY_VULNERABLE_VARIABLE,
                                 severe.astype(float)), (POPULATION_VARIABLE, people)):
            by_lan = values.groupby(values.index.map(lan_of)).sum(min_count=1)
            for level, codes, numbers in (("kommun", values.index, values.to_numpy()),
                                          ("lan", by_lan.index, by_lan.to_numpy()),
                                          ("riket", ["00"], [values.sum(min_count=1)])):
                frames.append(pd.DataFrame({
                    "variable": variable, "area_level": level, "area_version": "2025", "area_code": list(codes),
                    "year": int(year), "value": numbers, "missing_marker": None, "reference_year": int(year),
                    "area_match": None,
                }))
    observations = pd.concat(frames, ignore_index=True)
    return Release(
        name=PANEL_DATASET, source=POLICE_PANEL_SOURCE,
        source_table="Polisen: lägesbild utsatta områden 2015, 2017, 2019, 2021, 2023 (polygons, UO-Project/UO_panel) "
                     "and 2025 (attributes, joined through the 2023 polygons)",
        content_sha256=panel_inputs_sha256(), observations=observations,
        variables={
            COUNT_VARIABLE: ("areas", "The police's vulnerable areas (utsatta, riskområden, särskilt utsatta) on the list"),
            SPECIALLY_VULNERABLE_VARIABLE: ("areas", "Of these, specially vulnerable areas (särskilt utsatta)"),
            POPULATION_VARIABLE: ("persons", "Population living in the police's vulnerable areas: RegSO population "
                                             "× share of the RegSO's area inside (area-weighted estimate)"),
        },
        vintage="bundled", file_name=bundled.POLICE_PANEL.name,
        metadata={
            "provenance": "bundled/PROVENANCE.md", "licence": POLICE_PANEL_LICENCE, "years": "2015–2025 (list years)",
            "population_year_by_list": used_years, "areas_without_polygon": without_polygon,
            "method": "polygon × RegSO 2025 overlay in EPSG:3006; population area-weighted",
        },
    )
