"""Multi-scalar segregation of every kommun from the bundled RegSO data (foreign- vs Swedish-born).

Each RegSO is a location at its polygon's centroid in SWEREF 99 TM (EPSG:3006, metres) carrying its
population by birth country (SCB, latest bundled year). Bespoke neighbourhoods (the k nearest persons,
see :mod:`segreform.measure.neighbourhoods`) are computed over the whole country, so a neighbourhood
crosses kommun borders as people do. A kommun's multi-scalar profile is the dissimilarity index and
the foreign-born's isolation of its residents' bespoke neighbourhoods, for k from 1,600 to 409,600
persons; the map layer is each RegSO's share of foreign-born among its k nearest persons. Beside it,
Reardon & O'Sullivan's spatial dissimilarity of the kommun's RegSO for kernel bandwidths of
1–16 km (biweight) gives the same profile in distance rather than persons.

RegSO are large (about 3,000 residents each), so for k below a RegSO's own population the
neighbourhood is the RegSO itself: the profile starts at the RegSO level, not at the block level.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import numpy as np
import pandas as pd

from segreform.data import bundled
from segreform.measure.neighbourhoods import bespoke_shares, bespoke_summary
from segreform.measure.spatial import kernel_profile

K_VALUES = (1_600, 3_200, 6_400, 12_800, 25_600, 51_200, 102_400, 204_800, 409_600)
BANDWIDTHS_M = (1_000, 2_000, 4_000, 8_000, 16_000)
MAP_K = 12_800
GROUPS = ("utrikes_fodda", "inrikes_fodda")  # foreign-born first: the focal group
SOURCE = "SCB, befolkning efter födelseland per RegSO (BE0101), RegSO 2025-gränser (CC0)"
METRIC_CRS = "EPSG:3006"


@lru_cache(maxsize=1)
def locations() -> pd.DataFrame:
    """One row per RegSO with population data: code, kommun, year, x, y (m), area (m²) and the two groups."""
    import geopandas  # optional heavy dependency, only for this page's locations

    table = bundled.read_csv(bundled.FODELSELAND_TABLE)
    year = table["ar"].astype(int).max()
    table = table[(table["ar"].astype(int) == year) & (table["regsokod_2025"] != "")]
    people = pd.DataFrame({
        "code": table["regsokod_2025"],
        "kommun": table["kommunkod"],
        "year": year,
        GROUPS[0]: pd.to_numeric(table[GROUPS[0]], errors="coerce"),
        GROUPS[1]: pd.to_numeric(table[GROUPS[1]], errors="coerce"),
    }).dropna()
    people = people.groupby(["code", "kommun", "year"], as_index=False)[list(GROUPS)].sum()
    shapes = geopandas.GeoDataFrame.from_features(bundled.boundaries("regso")["features"], crs="EPSG:4326")
    metric = shapes.to_crs(METRIC_CRS)
    geometry = pd.DataFrame({"code": shapes["code"], "x": metric.geometry.centroid.x, "y": metric.geometry.centroid.y,
                             "area": metric.geometry.area})
    merged = people.merge(geometry, on="code", how="inner").sort_values(["kommun", "code"], kind="stable")
    return merged.reset_index(drop=True)


_NATIONAL_LOCK = threading.Lock()


def national() -> dict:
    """Shares for every RegSO and k, and the per-kommun profiles (computed once per process).

    A request that arrives while the warm-up computes them waits for that one computation instead of starting
    a second one on the same cores."""
    with _NATIONAL_LOCK:
        return _national()


@lru_cache(maxsize=1)
def _national() -> dict:
    frame = locations()
    counts = frame[list(GROUPS)].to_numpy(dtype=float)
    x, y = frame["x"].to_numpy(), frame["y"].to_numpy()
    shares = bespoke_shares(x, y, counts, K_VALUES)
    kommuner, segment = np.unique(frame["kommun"].to_numpy(), return_inverse=True)
    summary = bespoke_summary(shares, counts, segment, len(kommuner))
    kernel = kernel_profile(counts, x, y, segment, len(kommuner), "biweight", BANDWIDTHS_M)
    return {"frame": frame, "shares": shares, "kommuner": list(kommuner), "summary": summary, "kernel": kernel}


def kommun_profile(code: str) -> dict | None:
    """The multi-scalar profile of one kommun, or None if the bundled data have no RegSO for it."""
    data = national()
    if code not in data["kommuner"]:
        return None
    s = data["kommuner"].index(code)
    frame = data["frame"]
    rows = np.flatnonzero(frame["kommun"].to_numpy() == code)
    map_column = K_VALUES.index(MAP_K)
    total = frame[list(GROUPS)].to_numpy(float)[rows].sum(axis=0)
    return {
        "kommun": code,
        "year": int(frame["year"].iloc[0]),
        "k": list(K_VALUES),
        "dissimilarity": _floats(data["summary"]["dissimilarity"][s, :, 0]),
        "isolation": _floats(data["summary"]["isolation"][s, :, 0]),
        "foreign_born_share": float(total[0] / total.sum()),
        "bandwidths_m": list(BANDWIDTHS_M),
        "spatial_dissimilarity": _floats(data["kernel"]["spatial_dissimilarity"][s]),
        "map_k": MAP_K,
        "map": {c: float(v) for c, v in zip(frame["code"].to_numpy()[rows], data["shares"][rows, map_column, 0])},
        "areas": int(rows.size),
        "source": SOURCE,
    }


def _floats(values) -> list[float | None]:
    return [None if not np.isfinite(v) else float(v) for v in values]
