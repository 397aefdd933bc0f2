"""Area types 1–5 (SCB/Delmos): the socioeconomic index, the types, status × trend, time in type.

SCB and Delmos (Delegationen mot segregation) classify every RegSO each year by a socioeconomic index:
the mean of three shares of the area's population,

1. with low economic standard (disposable income per consumption unit under 60 % of the national median),
2. aged 20–64 with at most compulsory schooling,
3. aged 20–64 on long-term social assistance or in long-term unemployment.

The higher the index, the harder the conditions. An area's type comes from how many standard deviations
its index lies from the national mean of that year (SCB: "Områdestyperna baseras på hur många
standardavvikelser från indexets medelvärde ett RegSO ligger"):

====  ================================================  ==============================
type  name                                              default rule (z = SDs from mean)
====  ================================================  ==============================
1     major socioeconomic challenges                    z > 2
2     socioeconomic challenges                          1 < z <= 2
3     socioeconomically mixed                           0 < z <= 1
4     good socioeconomic conditions                     -1 < z <= 0
5     very good socioeconomic conditions                z <= -1
====  ================================================  ==============================

The default cut-points (2, 1, 0, -1) are our reading of SCB's description; the index is right-skewed, which
is why most areas fall in type 4 (SCB's 2022 counts: 160 / 289 / 855 / 1,770 / 289 of 3,363). Pass other
``cutpoints`` to use another rule. Everything here is pure: arrays and DataFrames in, the same out.
"""

from __future__ import annotations

from collections import Counter
from typing import Sequence

import numpy as np
import pandas as pd

DEFAULT_CUTPOINTS: tuple[float, float, float, float] = (2.0, 1.0, 0.0, -1.0)
AREA_TYPES = (1, 2, 3, 4, 5)
AREA_TYPE_NAMES = {
    1: {"sv": "Stora socioekonomiska utmaningar", "en": "Major socioeconomic challenges"},
    2: {"sv": "Socioekonomiska utmaningar", "en": "Socioeconomic challenges"},
    3: {"sv": "Socioekonomiskt blandade områden", "en": "Socioeconomically mixed"},
    4: {"sv": "Goda socioekonomiska förutsättningar", "en": "Good socioeconomic conditions"},
    5: {"sv": "Mycket goda socioekonomiska förutsättningar", "en": "Very good socioeconomic conditions"},
}
TRENDS = ("improving", "stable", "worsening", "single_year")


def _as_share_array(values, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    finite = array[np.isfinite(array)]
    if finite.size and (finite.min() < 0 or finite.max() > 1):
        raise ValueError(
            f"{name} must be a share between 0 and 1 (got values from {finite.min():g} to {finite.max():g}); "
            "divide percentages by 100"
        )
    return array


def socioeconomic_index(low_economic_standard, low_education, long_term_support) -> np.ndarray:
    """SCB/Delmos' socioeconomic index: the mean of three population shares per area.

    Parameters
    ----------
    low_economic_standard : array-like of float in [0, 1]
        Share of the area's population with low economic standard.
    low_education : array-like of float in [0, 1]
        Share of those aged 20–64 with at most compulsory (förgymnasial) schooling.
    long_term_support : array-like of float in [0, 1]
        Share of those aged 20–64 on long-term social assistance or in long-term unemployment.

    Returns
    -------
    ndarray of float
        The index per area, in [0, 1]; NaN where any input is NaN (SCB leaves such areas unclassified).

    Raises
    ------
    ValueError
        When the inputs differ in shape or a share lies outside [0, 1] (percentages must be divided by 100).
    """
    shares = [
        _as_share_array(low_economic_standard, "low_economic_standard"),
        _as_share_array(low_education, "low_education"),
        _as_share_array(long_term_support, "long_term_support"),
    ]
    if len({share.shape for share in shares}) != 1:
        raise ValueError(f"the three shares must have the same shape, got {[s.shape for s in shares]}")
    return (shares[0] + shares[1] + shares[2]) / 3.0


def _validate_cutpoints(cutpoints: Sequence[float]) -> np.ndarray:
    cuts = np.asarray(cutpoints, dtype=float)
    if cuts.shape != (4,) or not np.all(np.diff(cuts) < 0) or not np.all(np.isfinite(cuts)):
        raise ValueError(
            f"cutpoints must be four finite, strictly decreasing numbers of standard deviations "
            f"(type 1 above the first, type 5 at or below the last), got {list(cutpoints)}"
        )
    return cuts


def standard_scores(index) -> np.ndarray:
    """How many standard deviations (sample SD, ddof=1) each area's index lies from the mean of all areas.

    NaN areas are left out of the mean and SD and stay NaN.
    """
    values = np.asarray(index, dtype=float)
    finite = values[np.isfinite(values)]
    if finite.size < 2:
        raise ValueError("need the index of at least two areas to compute standard deviations")
    spread = finite.std(ddof=1)
    # Rounding leaves a tiny non-zero SD for equal values; treat that as zero.
    if spread <= 1e-12 * max(1.0, float(np.abs(finite).max())):
        raise ValueError("every area has the same index; the standard deviation is zero and types are undefined")
    return (values - finite.mean()) / spread


def area_types(index, cutpoints: Sequence[float] = DEFAULT_CUTPOINTS) -> np.ndarray:
    """Area type 1–5 for one year's index values (one value per area, the whole country).

    Parameters
    ----------
    index : array-like of float
        The socioeconomic index of every area in the country for one year (see :func:`socioeconomic_index`).
    cutpoints : four decreasing floats, default ``(2, 1, 0, -1)``
        Standard-deviation thresholds: type 1 when z > cutpoints[0], type 2 when cutpoints[1] < z <= cutpoints[0],
        ..., type 5 when z <= cutpoints[3].

    Returns
    -------
    ndarray of int
        Type 1–5 per area; 0 where the index is NaN (unclassified).
    """
    cuts = _validate_cutpoints(cutpoints)
    scores = standard_scores(index)
    # Count how many thresholds each score does NOT exceed: z > c0 -> 0 -> type 1; z <= c3 -> 4 -> type 5.
    types = 1 + (scores[:, None] <= cuts[None, :]).sum(axis=1)
    return np.where(np.isfinite(scores), types, 0).astype(int)


def area_types_by_year(
    frame: pd.DataFrame,
    *,
    area: str = "area_code",
    year: str = "year",
    index: str = "index",
    cutpoints: Sequence[float] = DEFAULT_CUTPOINTS,
) -> pd.DataFrame:
    """Types for a long table of index values, standardised within each year against that year's national mean.

    Returns ``frame[[area, year, index]]`` with ``z`` and ``area_type`` columns added.
    """
    missing = [c for c in (area, year, index) if c not in frame.columns]
    if missing:
        raise ValueError(f"columns {missing} are missing; the table has {list(frame.columns)}")
    result = frame[[area, year, index]].copy()
    result["z"] = np.nan
    result["area_type"] = 0
    for _, rows in result.groupby(year, sort=True):
        result.loc[rows.index, "z"] = standard_scores(rows[index].to_numpy())
        result.loc[rows.index, "area_type"] = area_types(rows[index].to_numpy(), cutpoints)
    result["area_type"] = result["area_type"].astype(int)
    return result


def status_and_trend(
    types: pd.DataFrame, *, area: str = "area_code", year: str = "year", area_type: str = "area_type"
) -> pd.DataFrame:
    """Each area's status (its type in its latest year) and trend, and how long it has been in that type.

    ``trend`` compares the latest type with the type in the area's first year: a lower type number
    now is ``"worsening"``, a higher one ``"improving"``, equal is ``"stable"``; an area with one year only
    is ``"single_year"``. ``years_in_type`` counts the consecutive years up to the latest in which the area
    had its current type, and ``in_type_since`` the first of them (gaps in the years break the run).

    Returns
    -------
    DataFrame[area, latest_year, status, first_year, first_type, trend, years_in_type, in_type_since]
    """
    missing = [c for c in (area, year, area_type) if c not in types.columns]
    if missing:
        raise ValueError(f"columns {missing} are missing; the table has {list(types.columns)}")
    ordered = types[[area, year, area_type]].dropna().sort_values([area, year])
    ordered = ordered[ordered[area_type].astype(int) > 0]
    if ordered.empty:
        return pd.DataFrame(
            columns=[area, "latest_year", "status", "first_year", "first_type", "trend", "years_in_type", "in_type_since"]
        )
    ordered[year] = ordered[year].astype(int)
    ordered[area_type] = ordered[area_type].astype(int)
    grouped = ordered.groupby(area, sort=False)
    # A run breaks where the type changes or a year is skipped; number runs within each area.
    new_run = (
        (grouped[area_type].diff() != 0) | (grouped[year].diff() != 1)
    )
    ordered["run"] = new_run.astype(int).groupby(ordered[area]).cumsum()
    last_run = ordered.groupby(area)["run"].transform("max")
    current = ordered[ordered["run"] == last_run].groupby(area)
    summary = pd.DataFrame(
        {
            "latest_year": grouped[year].last(),
            "status": grouped[area_type].last(),
            "first_year": grouped[year].first(),
            "first_type": grouped[area_type].first(),
            "years_in_type": current[year].size(),
            "in_type_since": current[year].min(),
            "n_years": grouped[year].size(),
        }
    )
    change = summary["status"] - summary["first_type"]
    summary["trend"] = np.select(
        [summary["n_years"] == 1, change > 0, change < 0], ["single_year", "improving", "worsening"], "stable"
    )
    summary = summary.drop(columns="n_years").reset_index()
    return summary[[area, "latest_year", "status", "first_year", "first_type", "trend", "years_in_type", "in_type_since"]]


def status_trend_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Counts of areas by status (rows, types 1–5) and trend (columns), from :func:`status_and_trend`."""
    counts = Counter(zip(summary["status"].astype(int), summary["trend"]))
    return pd.DataFrame(
        [[counts.get((status, trend), 0) for trend in TRENDS] for status in AREA_TYPES],
        index=pd.Index(AREA_TYPES, name="status"), columns=pd.Index(TRENDS, name="trend"),
    )
