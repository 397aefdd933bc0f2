"""Decompositions of the mutual information index M (and Theil's H = M / E).

* :func:`decompose_nested`: M of areas nested in kommuner nested in län splits exactly into
  between-län, between-kommun-within-län and between-area-within-kommun parts (the chain rule of
  mutual information; Theil 1971, Mora & Ruiz-Castillo 2011, Elbers 2023).
* :func:`decompose_change`: the change in M between two segments (two years, two places) splits
  into areas that appear or disappear (additions, removals), a change of group shares
  (group_marginal), of area sizes (unit_marginal) and of the association itself (structural),
  using iterative proportional fitting and the Shapley value over the three factors
  (Deutsch et al. 2006; Elbers 2023, "A method for studying differences in segregation across
  time and space", Sociological Methods & Research 52(1)).
"""

from __future__ import annotations

import itertools
from typing import Sequence

import numpy as np
import pandas as pd

from segreform.measure.kernels import check_params, prepare, segment_sums
from segreform.measure.multigroup import _entropy, _mutual_information_nat
from segreform.measure.resample import bootstrap_statistic
from segreform.measure.table import MeasureInputError, TableSpec, as_list, check_draws, checked, segment_position


def _log_base(base: float) -> float:
    return float(np.log(checked(check_params, {"base": base})["base"]))


def _sorted_codes(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    if not columns:
        return np.zeros(len(frame), dtype=np.int64)
    return frame.groupby(columns, sort=True, dropna=False, observed=True).ngroup().to_numpy(dtype=np.int64)


def _aggregate(counts: np.ndarray, codes: np.ndarray) -> np.ndarray:
    return segment_sums(counts, codes, int(codes.max()) + 1)


def _weighted_within_m(counts: np.ndarray, keys: pd.DataFrame, parent: list[str], top: list[str]) -> np.ndarray:
    """sum over parent segments of (T_parent / T_top) * M(units within parent), per top segment (nats)."""
    parent_codes = _sorted_codes(keys, parent)
    order = np.argsort(parent_codes, kind="stable")
    seg = prepare(counts[order], parent_codes[order])
    with np.errstate(divide="ignore", invalid="ignore"):
        m = np.nan_to_num(_mutual_information_nat(seg))
    parent_keys = keys.iloc[order].groupby(parent_codes[order], sort=True).first() if parent else keys.iloc[:1]
    top_codes = _sorted_codes(parent_keys.reset_index(drop=True), top)
    weighted = np.bincount(top_codes, weights=m * seg.T)
    totals = np.bincount(top_codes, weights=seg.T)
    with np.errstate(divide="ignore", invalid="ignore"):
        return weighted / totals


def decompose_nested(
    data: pd.DataFrame,
    unit: str = "area",
    groups: Sequence[str] | None = None,
    group_col: str | None = None,
    count_col: str | None = None,
    nesting: str | Sequence[str] = (),
    by: str | Sequence[str] | None = None,
    base: float = 2.0,
    bootstrap: int = 0,
    seed=None,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Split M and H into one between-part per level of a nesting, for every segment.

    Parameters
    ----------
    nesting : str or list of str
        Columns from the coarsest to the finest level that contain the areas, e.g.
        ``["lan", "kommun"]`` for RegSO areas within kommuner within län. Every area must
        belong to exactly one value of each level.
    bootstrap, seed, ci : as in :func:`segreform.measure.indices` (residents resampled within each
        ``by`` segment, see :mod:`segreform.measure.resample`).
    Other parameters are those of :func:`segreform.measure.indices`.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``component`` (``"between <level>"`` for the coarsest level, then
        ``"between <level> within <parent>"``, and ``"total"``), ``index`` (``"M"`` or ``"H"``) and
        ``estimate``; with bootstrap also ``se``, ``ci_low`` and ``ci_high``. The parts sum to the total.
    """
    nesting = as_list(nesting, "nesting")
    by = as_list(by, "by")
    if not nesting:
        raise MeasureInputError("nesting= needs at least one column (e.g. ['kommun'])")
    log_base = _log_base(base)
    bootstrap = check_draws(bootstrap)
    for column in nesting:
        if column in data.columns and data.groupby([*by, unit], dropna=False, observed=True)[column].nunique(dropna=False).gt(1).any():
            bad = data.groupby([*by, unit], dropna=False, observed=True)[column].transform("nunique").gt(1).to_numpy()
            i = int(np.flatnonzero(bad)[0])
            raise MeasureInputError(f"area {data[unit].iloc[i]!r} lies in more than one {column!r}", column, i, data.index[i])
    table = TableSpec.of(unit, groups, group_col, count_col, [*by, *nesting]).read(data, require_integer=bootstrap > 0)
    result = _nested_parts(table.counts, table, by, nesting, unit, log_base)
    if bootstrap:
        top_segments = _sorted_codes(table.keys, by)[table.segment_ids]
        summary = bootstrap_statistic(
            lambda counts: _nested_parts(counts, table, by, nesting, unit, log_base)["estimate"].to_numpy(),
            table.counts, top_segments, bootstrap, seed, ci,
        )
        for column, values in summary.items():
            result[column] = values
    return result


def _nested_parts(counts: np.ndarray, table, by: list[str], nesting: list[str], unit: str, log_base: float) -> pd.DataFrame:
    """The long table of :func:`decompose_nested` for ``counts`` laid out as ``table``."""
    seg = prepare(counts, table.segment_ids, table.n_segments)
    finest_keys = table.keys
    levels = [*nesting, unit]
    rows = []
    top_codes = _sorted_codes(finest_keys, by)
    top_keys = finest_keys.groupby(top_codes, sort=True).first()[by].reset_index(drop=True) if by else pd.DataFrame(index=range(1))
    top_totals = np.bincount(top_codes, weights=seg.T)
    with np.errstate(divide="ignore", invalid="ignore"):
        top_entropy = _entropy(prepare(_aggregate(seg.N, top_codes), np.arange(top_codes.max() + 1)))
    parts = []
    for depth, level in enumerate(levels):
        parent = [*by, *nesting[:depth]]
        if level == unit:
            with np.errstate(divide="ignore", invalid="ignore"):
                m = np.bincount(top_codes, weights=np.nan_to_num(_mutual_information_nat(seg)) * seg.T) / top_totals
        else:
            level_cols = [*by, *nesting[: depth + 1]]
            level_codes = _sorted_codes(finest_keys, level_cols)
            level_counts = _aggregate(seg.N, level_codes)
            level_keys = finest_keys.groupby(level_codes, sort=True).first().reset_index(drop=True)
            m = _weighted_within_m(level_counts, level_keys, parent, by)
        name = f"between {level}" if depth == 0 else f"between {level} within {levels[depth - 1]}"
        parts.append(m)
        rows.append((name, m))
    rows.append(("total", np.sum(parts, axis=0)))
    frames = []
    for name, m in rows:
        with np.errstate(divide="ignore", invalid="ignore"):
            h = np.where(top_entropy > 0, m / top_entropy, np.nan)
        for index, values in (("M", m / log_base), ("H", h)):
            frame = top_keys.copy()
            frame["component"] = name
            frame["index"] = index
            frame["estimate"] = values
            frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(by, kind="stable").reset_index(drop=True) if by else out


def ipf(seed: np.ndarray, row_totals: np.ndarray, column_totals: np.ndarray, tol: float = 1e-13, max_iter: int = 100_000) -> np.ndarray:
    """Iterative proportional fitting: the table with ``seed``'s odds ratios and the given margins.

    Margins are shares (each sums to 1). Raises ValueError when the margins cannot be reached
    (zero cells in ``seed`` that make them infeasible).
    """
    table = seed / seed.sum()
    for _ in range(max_iter):
        rows = table.sum(axis=1)
        table = table * np.divide(row_totals, rows, out=np.zeros_like(rows), where=rows > 0)[:, None]
        cols = table.sum(axis=0)
        table = table * np.divide(column_totals, cols, out=np.zeros_like(cols), where=cols > 0)[None, :]
        if np.abs(table.sum(axis=1) - row_totals).max() < tol:
            return table
    raise ValueError("iterative proportional fitting did not converge: the zero cells of one table make the other's margins unreachable")


def _m_nats(table: np.ndarray) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.nan_to_num(_mutual_information_nat(prepare(table)))[0])


def shapley_change(first: np.ndarray, second: np.ndarray) -> dict[str, float]:
    """Decompose M(second) - M(first) for two tables over the same units and groups (nats).

    Returns ``group_marginal``, ``unit_marginal`` and ``structural``, which sum to the difference.
    """
    tables = (first / first.sum(), second / second.sum())
    row_margins = [t.sum(axis=1) for t in tables]
    col_margins = [t.sum(axis=0) for t in tables]
    value = {}
    for s, u, g in itertools.product((0, 1), repeat=3):
        if (s, u, g) in ((0, 0, 0), (1, 1, 1)):
            value[s, u, g] = _m_nats(tables[s])
        else:
            value[s, u, g] = _m_nats(ipf(tables[s], row_margins[u], col_margins[g]))
    weights = {0: 1 / 3, 1: 1 / 6, 2: 1 / 3}

    def shapley(position: int) -> float:
        total = 0.0
        for others in itertools.product((0, 1), repeat=2):
            low, high = list(others), list(others)
            low.insert(position, 0)
            high.insert(position, 1)
            total += weights[sum(others)] * (value[tuple(high)] - value[tuple(low)])
        return total

    return {"structural": shapley(0), "unit_marginal": shapley(1), "group_marginal": shapley(2)}


def _segment_table(table, key, role: str) -> tuple[np.ndarray, np.ndarray]:
    s = segment_position(table, key, role)
    lo, hi = np.searchsorted(table.segment_ids, [s, s + 1])
    return table.counts[lo:hi], table.units[lo:hi]


def decompose_change(
    data: pd.DataFrame,
    first,
    second,
    unit: str = "area",
    groups: Sequence[str] | None = None,
    group_col: str | None = None,
    count_col: str | None = None,
    by: str | Sequence[str] | None = None,
    base: float = 2.0,
    bootstrap: int = 0,
    seed=None,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Decompose the change in M from segment ``first`` to segment ``second`` (Elbers 2023, Shapley method).

    ``first`` and ``second`` are segment keys (one value per ``by`` column). Areas present (with
    residents) in only one segment give ``additions`` (``M2 - M2 on common areas``) and
    ``removals`` (``M1 on common areas - M1``); on the common areas and groups the rest splits into
    ``group_marginal``, ``unit_marginal`` and ``structural`` parts. With ``bootstrap`` draws, both
    segments are resampled independently (as in :func:`segreform.measure.compare_segments`).

    Returns
    -------
    pandas.DataFrame
        Columns ``component``, ``index`` (``"M"``) and ``estimate`` (with bootstrap also ``se``,
        ``ci_low``, ``ci_high``); rows ``M1``, ``M2``, ``diff``, ``additions``, ``removals``,
        ``group_marginal``, ``unit_marginal``, ``structural``. ``diff`` equals the sum of the last five.
    """
    log_base = _log_base(base)
    bootstrap = check_draws(bootstrap)
    if not by:
        raise MeasureInputError("decompose_change needs by= columns that tell the two segments apart")
    table = TableSpec.of(unit, groups, group_col, count_col, by).read(data, require_integer=bootstrap > 0)
    (c1, u1), (c2, u2) = _segment_table(table, first, "first"), _segment_table(table, second, "second")
    values = _change_parts(c1, u1, c2, u2, first, second)
    result = pd.DataFrame({"component": list(values), "index": "M", "estimate": np.array(list(values.values())) / log_base})
    if bootstrap:
        n1 = len(c1)

        def statistic(counts: np.ndarray) -> np.ndarray:
            parts = _change_parts(counts[:n1], u1, counts[n1:], u2, first, second)
            return np.array(list(parts.values())) / log_base

        segments = np.repeat([0, 1], [len(c1), len(c2)])
        summary = bootstrap_statistic(statistic, np.vstack([c1, c2]), segments, bootstrap, seed, ci)
        for column, values in summary.items():
            result[column] = values
    return result


def _change_parts(c1, u1, c2, u2, first, second) -> dict[str, float]:
    """M1, M2, their difference and its five parts, in nats."""
    m1, m2 = _m_nats(c1), _m_nats(c2)
    live1 = pd.Index(u1[c1.sum(axis=1) > 0])
    live2 = pd.Index(u2[c2.sum(axis=1) > 0])
    common = live1.intersection(live2)
    if len(common) == 0:
        raise MeasureInputError(f"segments {first!r} and {second!r} share no area with residents; nothing to decompose")
    o1 = c1[pd.Index(u1).get_indexer(common)]
    o2 = c2[pd.Index(u2).get_indexer(common)]
    shared_groups = (o1.sum(axis=0) > 0) & (o2.sum(axis=0) > 0)
    o1, o2 = o1[:, shared_groups], o2[:, shared_groups]
    keep = (o1.sum(axis=1) > 0) & (o2.sum(axis=1) > 0)
    o1, o2 = o1[keep], o2[keep]
    m1_common, m2_common = _m_nats(o1), _m_nats(o2)
    parts = checked(shapley_change, o1, o2)
    return {
        "M1": m1,
        "M2": m2,
        "diff": m2 - m1,
        "additions": m2 - m2_common,
        "removals": m1_common - m1,
        **{k: parts[k] for k in ("group_marginal", "unit_marginal", "structural")},
    }
