"""The police's vulnerable areas on the barometer's pages: matched to RegSO by polygon, not by name.

A RegSO counts as part of a police area when a substantial share of either lies in the other (see
:data:`MATCH_SHARE`); slivers from the generalised boundaries do not. Every area keeps at least its largest piece,
so no area with a polygon goes unmatched. Areas of the December 2025 list reach their polygon through the 2023
list (:func:`segreform.data.police_panel.join_2025_list`); the two without one are listed as such.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from segreform.data import police_panel

# A RegSO is shown as part of a police area when this share of the RegSO's area, or of the police area, overlaps.
MATCH_SHARE = 0.2
MATCH_COLUMNS = ["name", "category", "regso_code", "regso_name", "share_of_regso_area", "share_of_police_area",
                 "join", "panel_name"]


@lru_cache(maxsize=1)
def substantial_overlay() -> pd.DataFrame:
    """The overlay without slivers: DataFrame[uo_id, regso_code, kommun_code, share_of_regso_area,
    share_of_police_area]."""
    overlay = police_panel.regso_overlay()
    keep = (overlay.share_of_regso_area >= MATCH_SHARE) | (overlay.share_of_police_area >= MATCH_SHARE)
    largest = overlay.loc[overlay.groupby("uo_id").share_of_police_area.idxmax()]
    kept = pd.concat([overlay[keep], largest]).drop_duplicates(["uo_id", "regso_code"])
    return kept.sort_values(["uo_id", "regso_code"]).reset_index(drop=True)


def regso_matches(police: pd.DataFrame, regso: pd.DataFrame, kommun_code: str) -> pd.DataFrame:
    """The current list's areas in a kommun with the RegSO each covers.

    ``police`` is ``queries.police_areas`` (columns name, category, kommunkod); ``regso`` has code and name.
    Returns DataFrame[name, category, regso_code, regso_name, share_of_regso_area, share_of_police_area, join,
    panel_name]; regso_code "" where the area has no polygon (``join`` == "no_2023_polygon").
    """
    here = police[police["kommunkod"] == kommun_code]
    if here.empty:
        return pd.DataFrame(columns=MATCH_COLUMNS)
    joined = police_panel.join_2025_list(here[["name", "category", "kommunkod"]].reset_index(drop=True))
    overlay = substantial_overlay()
    names = dict(zip(regso["code"], regso["name"]))
    rows = []
    for row in joined.itertuples(index=False):
        pieces = overlay[(overlay.uo_id == row.uo_id) & (overlay.kommun_code == kommun_code)] if row.uo_id else []
        if len(pieces) == 0:
            rows.append((row.name, row.category, "", "", float("nan"), float("nan"), row.join, row.panel_name))
            continue
        for piece in pieces.itertuples(index=False):
            rows.append((row.name, row.category, piece.regso_code, names.get(piece.regso_code, piece.regso_code),
                         piece.share_of_regso_area, piece.share_of_police_area, row.join, row.panel_name))
    return pd.DataFrame(rows, columns=MATCH_COLUMNS)


def list_history(kommun_code: str) -> pd.DataFrame:
    """Every area of the kommun on the lists 2015–2025: DataFrame[name, uo_id, <year>...] with the category (or
    "" when not listed) per list year; names as on the latest list the area is on."""
    areas = police_panel.list_areas()
    here = areas[areas.kommun_code == kommun_code]
    if here.empty:
        return pd.DataFrame(columns=["name", "uo_id"])
    here = here.assign(key=here.uo_id.where(here.uo_id != "", "name:" + here.name))
    latest_name = here.sort_values("year").groupby("key").name.last()
    table = here.pivot_table(index="key", columns="year", values="category", aggfunc=lambda c: "; ".join(sorted(set(c))))
    table = table.reindex(columns=[*police_panel.LIST_YEARS, police_panel.CURRENT_LIST_YEAR]).fillna("")
    table.insert(0, "uo_id", [k if not k.startswith("name:") else "" for k in table.index])
    table.insert(0, "name", latest_name.reindex(table.index).to_numpy())
    table.columns = [str(c) for c in table.columns]
    return table.sort_values("name").reset_index(drop=True)


def kommun_polygons(kommun_code: str) -> dict:
    """The police polygons of the kommun's areas as GeoJSON (WGS84) with name, list years and latest category,
    for drawing over the kommun map."""
    areas = police_panel.list_areas()
    here = areas[(areas.kommun_code == kommun_code) & (areas.uo_id != "")].sort_values("year")
    features = []
    by_id = {f["properties"]["uo_id"]: f for f in police_panel.polygon_collection()["features"]}
    for uo_id, rows in here.groupby("uo_id", sort=True):
        latest = rows.iloc[-1]
        features.append({
            "type": "Feature", "id": uo_id, "geometry": by_id[uo_id]["geometry"],
            "properties": {"id": uo_id, "name": latest["name"], "category": latest["category"],
                           "years": sorted(int(y) for y in rows.year.unique())},
        })
    return {"type": "FeatureCollection", "features": features,
            "metadata": {"source": police_panel.POLICE_PANEL_SOURCE, "licence": police_panel.POLICE_PANEL_LICENCE}}
