"""Local (per-area) indices: location quotients, local entropy, Elbers' local segregation scores."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from segreform.measure.kernels import Segments, check_params, prepare
from segreform.measure.resample import bootstrap_statistic
from segreform.measure.table import MeasureInputError, TableSpec, check_draws, checked

LOCAL_INDEX_NAMES: tuple[str, ...] = ("location_quotient", "local_entropy", "local_segregation")


def location_quotient(seg: Segments, params: Mapping[str, float]) -> np.ndarray:
    """LQ_ik = p_ik / P_k: the group's share in the area relative to the segment (Isard 1960). ``(n, K)``."""
    return np.where((seg.t[:, None] > 0) & (seg.P_unit > 0), seg.p / seg.P_unit, np.nan)


def local_entropy(seg: Segments, params: Mapping[str, float]) -> np.ndarray:
    """E_i = -sum_k p_ik ln p_ik / ln K, the area's diversity between 0 and 1 (K: groups with members)."""
    present = (seg.N > 0).sum(axis=1)[seg.seg]
    raw = -np.where(seg.p > 0, seg.p * np.log(np.where(seg.p > 0, seg.p, 1.0)), 0.0).sum(axis=1)
    return np.where((seg.t > 0) & (present >= 2), raw / np.log(np.maximum(present, 2)), np.nan)


def local_segregation(seg: Segments, params: Mapping[str, float]) -> np.ndarray:
    """ls_i = sum_k p_ik log_base(p_ik / P_k) (Elbers 2023); sum_i (t_i / T) ls_i = M."""
    ratio = np.where(seg.p > 0, seg.p / np.where(seg.P_unit > 0, seg.P_unit, 1.0), 1.0)
    value = (seg.p * np.log(ratio)).sum(axis=1) / np.log(params["base"])
    return np.where(seg.t > 0, value, np.nan)


FORMULAS = {
    "location_quotient": location_quotient,
    "local_entropy": local_entropy,
    "local_segregation": local_segregation,
}


def local_indices(
    data: pd.DataFrame,
    unit: str = "area",
    groups: Sequence[str] | None = None,
    group_col: str | None = None,
    count_col: str | None = None,
    by: str | Sequence[str] | None = None,
    index: str | Sequence[str] = "all",
    base: float = 2.0,
    bootstrap: int = 0,
    seed=None,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Per-area indices for every segment at once.

    Parameters are those of :func:`segreform.measure.indices`; ``index`` takes names from
    ``LOCAL_INDEX_NAMES`` or ``"all"``. With ``bootstrap`` draws the residents of each segment are
    resampled (see :mod:`segreform.measure.resample`).

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, the unit column, ``index``, ``group`` (the group for location quotients,
        ``""`` otherwise), ``estimate`` and ``weight`` (the area's share ``t_i / T`` of its segment's
        population, so that ``(weight * estimate).sum()`` of ``local_segregation`` per segment is M);
        with bootstrap also ``se``, ``ci_low`` and ``ci_high``.
    """
    if isinstance(index, str):
        names = list(LOCAL_INDEX_NAMES) if index == "all" else [index]
    else:
        names = list(index)
    unknown = [n for n in names if n not in LOCAL_INDEX_NAMES]
    if unknown:
        raise MeasureInputError(f"unknown local index {unknown[0]!r}; choose from: {', '.join(LOCAL_INDEX_NAMES)}")
    params = checked(check_params, {"base": base})
    bootstrap = check_draws(bootstrap)
    table = TableSpec.of(unit, groups, group_col, count_col, by).read(data, require_integer=bootstrap > 0)
    result = _local_table(table.counts, table, names, params, unit)
    if bootstrap:
        summary = bootstrap_statistic(
            lambda counts: _local_table(counts, table, names, params, unit)["estimate"].to_numpy(),
            table.counts, table.segment_ids, bootstrap, seed, ci,
        )
        for column, values in summary.items():
            result[column] = values
    return result


def _local_table(counts: np.ndarray, table, names: list[str], params: Mapping[str, float], unit: str) -> pd.DataFrame:
    seg = prepare(counts, table.segment_ids, table.n_segments)
    n_units, n_groups = counts.shape
    pieces = []
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(seg.T[seg.seg] > 0, seg.t / seg.T[seg.seg], np.nan)
        for name in names:
            values = FORMULAS[name](seg, params)
            per_group = values.ndim == 2
            rows = np.repeat(np.arange(n_units), n_groups) if per_group else np.arange(n_units)
            piece = table.keys.iloc[table.segment_ids[rows]].reset_index(drop=True) if table.by else pd.DataFrame(index=range(len(rows)))
            piece[unit] = table.units[rows]
            piece["index"] = name
            piece["group"] = np.tile(np.array(table.groups, dtype=object), n_units) if per_group else ""
            piece["estimate"] = values.ravel()
            piece["weight"] = weight[rows]
            pieces.append(piece)
    return pd.concat(pieces, ignore_index=True)
