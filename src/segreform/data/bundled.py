"""Paths and readers for the data shipped inside the package (works offline, without ../shared)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

BUNDLED_DIR = Path(__file__).parent / "bundled"

KOMMUNER = BUNDLED_DIR / "kommuner_2025.csv"
LAN = BUNDLED_DIR / "lan_2025.csv"
REGSO_2025_KEY = BUNDLED_DIR / "regso_2025_key.csv"
DESO2018_REGSO2020_KEY = BUNDLED_DIR / "deso2018_regso2020_key.csv"
POLICE_AREAS_2025 = BUNDLED_DIR / "polisen_utsatta_omraden_2025.csv"
FODELSELAND_TABLE = BUNDLED_DIR / "scb" / "tables" / "regso_fodelseland_2020_2023.csv"
LONEINKOMST_TABLE = BUNDLED_DIR / "scb" / "tables" / "regso_medel_loneinkomst_2020_2023.csv"
UPPLATELSEFORM_TABLE = BUNDLED_DIR / "scb" / "tables" / "regso_upplatelseform_2020_2023.csv"
FODELSEREGION_PX_EXPORT = BUNDLED_DIR / "scb" / "raw" / "regso_fodelseregion_2020_2023_px_export.csv"
OMRADESTYP_PX_EXPORT = BUNDLED_DIR / "scb" / "raw" / "regso_omradestyp_2022_px_export.csv"
KOMMUN_POPULATION_SERIES = BUNDLED_DIR / "kommun_series" / "scb_folkmangd_kommun_1968_2025.csv"
KOMMUN_TURNOUT_SERIES = BUNDLED_DIR / "kommun_series" / "scb_valdeltagande_kommun_1973_2022.csv"
KOMMUN_INCOME_SERIES = BUNDLED_DIR / "kommun_series" / "scb_disponibel_hushallsinkomst_median_kommun_2011_2024.csv"
KOMMUN_RENTED_SHARE_SERIES = BUNDLED_DIR / "kommun_series" / "scb_andel_hyresratter_kommun_1990_2025.csv"
SKOLVERKET_AK9 = BUNDLED_DIR / "skolverket" / "skolverket_ak9_kommun_2016_2025_long.csv.gz"
POLICE_PANEL = BUNDLED_DIR / "police_panel" / "polisen_utsatta_omraden_panel_2015_2023.csv"
POLICE_PANEL_POLYGONS = BUNDLED_DIR / "police_panel" / "polisen_utsatta_omraden_polygoner_2015_2023_wgs84.geojson"

BOUNDARY_FILES = {
    "regso": BUNDLED_DIR / "geo" / "regso_2025_wgs84.geojson",
    "kommun": BUNDLED_DIR / "geo" / "kommuner_2025_land_wgs84.geojson",
    "lan": BUNDLED_DIR / "geo" / "lan_2025_from_regso_wgs84.geojson",
}
_CODE_AND_NAME_PROPERTIES = {
    "regso": ("regsokod", "regsonamn"),
    "kommun": ("kommunkod", "kommun"),
    "lan": ("lanskod", "lan"),
}


def read_csv(path: Path) -> pd.DataFrame:
    """A shipped CSV with every column as text (codes keep their leading zeros)."""
    return pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)


@lru_cache(maxsize=None)
def _boundaries(level: str) -> dict:
    path = BOUNDARY_FILES[level]
    collection = json.loads(path.read_text(encoding="utf-8"))
    code_key, name_key = _CODE_AND_NAME_PROPERTIES[level]
    for feature in collection["features"]:
        props = feature["properties"]
        props["code"] = props[code_key]
        props["name"] = props[name_key]
    return collection


def boundaries(level: str) -> dict:
    """The shipped boundaries of ``level`` ("regso", "kommun" or "lan") as a GeoJSON FeatureCollection (WGS84).

    Each feature's properties carry ``code`` and ``name`` besides SCB's own attribute names. "kommun" is SCB's
    land-only layer (the one to draw); "lan" is dissolved from RegSO. The file is read once and the same object is
    returned on every call: treat it as read-only (``copy.deepcopy`` it before changing it).
    """
    if level not in BOUNDARY_FILES:
        raise ValueError(f"no shipped boundaries for level {level!r}; choose one of {sorted(BOUNDARY_FILES)}")
    return _boundaries(level)
