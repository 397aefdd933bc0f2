"""The table front end: long or wide data in, one long table of indices out."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from segreform.measure import inference
from segreform.measure._validate import CountsTable, MeasureInputError, as_list, counts_table, settle_estimates
from segreform.measure.kernels import (
    TWO_GROUP_INDICES,
    check_names,
    check_params,
    compute_prepared,
    prepare,
)


def _checked(check, *args):
    """Re-raise a kernel's ValueError as an input error (same message)."""
    try:
        return check(*args)
    except MeasureInputError:
        raise
    except ValueError as exc:
        raise MeasureInputError(str(exc)) from None


def _focal_columns(focal, groups: list[str]) -> list[int]:
    if focal is None:
        return list(range(len(groups)))
    wanted = [str(f) for f in as_list(focal, "focal")]
    unknown = [f for f in wanted if f not in groups]
    if unknown:
        raise MeasureInputError(f"focal group {unknown[0]!r} is not one of the groups {groups!r}")
    return [groups.index(f) for f in wanted]


def long_result(
    table: CountsTable,
    names: Sequence[str],
    columns: Mapping[str, Mapping[str, np.ndarray]],
    focal_columns: list[int],
) -> pd.DataFrame:
    """Stack per-segment arrays into the long output: by keys, index, group, then ``columns``.

    ``columns`` maps an output column (e.g. ``value``, ``se``) to name -> array, ``(S,)`` for a
    multigroup index or ``(S, n_groups)`` for a two-group index (one column per focal group).
    """
    n_segments = table.n_segments
    segment_rows, index_col, group_col = [], [], []
    data: dict[str, list[np.ndarray]] = {c: [] for c in columns}
    for name in names:
        two_group = name in TWO_GROUP_INDICES
        n_focal = len(focal_columns) if two_group else 1
        segment_rows.append(np.repeat(np.arange(n_segments), n_focal))
        index_col.append(np.full(n_segments * n_focal, name, dtype=object))
        group_names = [table.groups[k] for k in focal_columns] if two_group else [""]
        group_col.append(np.tile(np.array(group_names, dtype=object), n_segments))
        for column, arrays in columns.items():
            values = arrays[name]
            data[column].append(values[:, focal_columns].ravel() if two_group else values)
    rows = np.concatenate(segment_rows)
    out = table.keys.iloc[rows].reset_index(drop=True) if table.by else pd.DataFrame(index=range(len(rows)))
    out["index"] = np.concatenate(index_col)
    out["group"] = np.concatenate(group_col)
    for column, parts in data.items():
        out[column] = np.concatenate(parts).astype(float)
    return out


def _prepare_call(data, unit, groups, group_col, count_col, by, focal, index, params, require_integer):
    names = _checked(check_names, index)
    checked_params = _checked(check_params, params)
    table = counts_table(data, unit, groups, group_col, count_col, by, require_integer)
    focal_columns = _focal_columns(focal, table.groups)
    estimates = compute_prepared(prepare(table.counts, table.segment_ids, table.n_segments), names, checked_params)
    estimates = settle_estimates(table, estimates, TWO_GROUP_INDICES)
    return names, checked_params, table, focal_columns, estimates


def _split_params(atkinson_b, base, unknown: dict) -> dict[str, float]:
    if unknown:
        raise MeasureInputError(
            f"unknown parameter {next(iter(unknown))!r}; parameters are: atkinson_b, base, bootstrap, bootstrap_by, seed, ci, n_jobs"
        )
    return {"atkinson_b": atkinson_b, "base": base}


def indices(
    data: pd.DataFrame,
    unit: str = "area",
    groups: Sequence[str] | None = None,
    group_col: str | None = None,
    count_col: str | None = None,
    by: str | Sequence[str] | None = None,
    focal: str | Sequence[str] | None = None,
    index: str | Sequence[str] = "all",
    atkinson_b: float = 0.5,
    base: float = 2.0,
    bootstrap: int = 0,
    seed=None,
    ci: float = 0.95,
    n_jobs: int = 1,
    progress: bool = False,
    bootstrap_by: str = "individuals",
    **unknown,
) -> pd.DataFrame:
    """Compute segregation indices for every segment of a table in one vectorised pass.

    Parameters
    ----------
    data : pandas.DataFrame
        Wide (one count column per group) or long (``group_col``/``count_col``) table of areas.
    unit : str
        Column with area ids; an id may appear once per segment.
    groups : list of str
        Wide data: the count columns. Long data: optional subset/order of group labels.
    group_col, count_col : str, optional
        Long data: the column with group labels and the column with counts.
    by : str or list of str, optional
        Segment key columns (e.g. ``["kommun", "year"]``); every segment gets its own indices.
    focal : str or list of str, optional
        Two-group indices are computed for these groups against the rest of ``groups``
        (default: every group). For a pair of groups, pass just those two as ``groups``.
    index : str or list of str
        Index names (see ``INDEX_NAMES``) or ``"all"``.
    atkinson_b : float
        Atkinson's shape parameter, 0 < b < 1.
    base : float
        Base of logarithms for ``mutual_information`` and ``diversity`` (2: bits; ``math.e``: nats
        as in Elbers' R package). Ratios (``theil_h``, ``entropy``) do not depend on it.
    bootstrap : int
        Number of bootstrap draws (multinomial resampling of individuals); 0 for none. Counts
        must then be whole numbers.
    bootstrap_by : {"individuals", "areas"}
        What the bootstrap resamples: residents (multinomial draws with the observed cell shares,
        the default) or whole areas with replacement (a cluster bootstrap, as PySAL's).
    seed : int, numpy SeedSequence, numpy Generator or None
        Seed for the draws; the same seed gives the same numbers for any ``n_jobs``.
    ci : float
        Level of the percentile interval.
    n_jobs : int
        Threads for bootstrap draws.
    progress : bool
        Show a progress bar over segments while drawing.

    Returns
    -------
    pandas.DataFrame
        One row per segment, index and group: the ``by`` columns, ``index``, ``group`` (the focal
        group of a two-group index, ``""`` for a multigroup index) and ``value``; with bootstrap
        also ``se``, ``ci_low``, ``ci_high`` and ``bias_corrected``. Undefined values are NaN
        (see docs/measure.md, edge cases).

    Raises
    ------
    MeasureInputError
        A ValueError naming the column and row of bad input, an unknown index name or an
        unknown parameter.
    """
    params = _split_params(atkinson_b, base, unknown)
    if not isinstance(bootstrap, (int, np.integer)) or isinstance(bootstrap, bool) or bootstrap < 0:
        raise MeasureInputError(f"bootstrap must be a whole number of draws >= 0, got {bootstrap!r}")
    names, params, table, focal_columns, estimates = _prepare_call(
        data, unit, groups, group_col, count_col, by, focal, index, params, require_integer=bootstrap > 0
    )
    columns: dict[str, Mapping[str, np.ndarray]] = {"value": estimates}
    if bootstrap:
        columns.update(_bootstrap(table, names, estimates, focal_columns, params, int(bootstrap), seed, ci, n_jobs,
                                  progress, bootstrap_by))
    return long_result(table, names, columns, focal_columns)


def _bootstrap(table, names, estimates, focal_columns, params, draws, seed, ci, n_jobs, progress,
               bootstrap_by="individuals"):
    """Bootstrap summaries, on (focal, rest) pairs where that gives the same bootstrap (see inference)."""
    if bootstrap_by not in inference.BOOTSTRAP_UNITS:
        raise MeasureInputError(
            f"unknown bootstrap_by {bootstrap_by!r}; choose one of: {', '.join(inference.BOOTSTRAP_UNITS)}"
        )
    pair = inference.focal_pair(table.counts, estimates, names, focal_columns, TWO_GROUP_INDICES)
    counts, boot_estimates = pair if pair else (table.counts, estimates)
    summary = _checked(
        inference.bootstrap_summary, boot_estimates, counts, table.segment_ids, table.n_segments,
        params, draws, seed, ci, n_jobs, progress, bootstrap_by,
    )
    return inference.expand_focal_pair(summary, estimates, focal_columns[0]) if pair else summary


def expected_indices(
    data: pd.DataFrame,
    unit: str = "area",
    groups: Sequence[str] | None = None,
    group_col: str | None = None,
    count_col: str | None = None,
    by: str | Sequence[str] | None = None,
    focal: str | Sequence[str] | None = None,
    index: str | Sequence[str] = "all",
    atkinson_b: float = 0.5,
    base: float = 2.0,
    draws: int = 200,
    seed=None,
    n_jobs: int = 1,
    progress: bool = False,
    **unknown,
) -> pd.DataFrame:
    """Each index next to its expected value under random allocation (Winship 1977).

    Random allocation keeps every area's size and draws each resident's group independently
    with the segment's group shares. Small areas show segregation even then; ``expected`` says
    how much. Parameters as in :func:`indices`, plus ``draws`` simulated allocations.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``index``, ``group``, ``value``, ``expected``, ``null_sd`` and
        ``p_value`` (share of random allocations at least as segregated, ``(k+1)/(n+1)``).
    """
    params = _split_params(atkinson_b, base, unknown)
    names, params, table, focal_columns, estimates = _prepare_call(
        data, unit, groups, group_col, count_col, by, focal, index, params, require_integer=True
    )
    columns: dict[str, Mapping[str, np.ndarray]] = {"value": estimates}
    columns.update(_checked(
        inference.null_summary, estimates, table.counts, table.segment_ids, table.n_segments,
        params, draws, seed, n_jobs, progress,
    ))
    return long_result(table, names, columns, focal_columns)


def _segment_position(table: CountsTable, key, role: str) -> int:
    wanted = tuple(key) if isinstance(key, (tuple, list)) else (key,)
    if len(wanted) != len(table.by):
        raise MeasureInputError(f"{role}={key!r} must give one value per by column {table.by!r}")
    matches = np.ones(table.n_segments, dtype=bool)
    for column, value in zip(table.by, wanted):
        matches &= (table.keys[column] == value).to_numpy()
    if not matches.any():
        raise MeasureInputError(f"{role}={key!r} matches no segment of {table.by!r}")
    return int(np.flatnonzero(matches)[0])


def compare_segments(
    data: pd.DataFrame,
    first,
    second,
    unit: str = "area",
    groups: Sequence[str] | None = None,
    group_col: str | None = None,
    count_col: str | None = None,
    by: str | Sequence[str] | None = None,
    focal: str | Sequence[str] | None = None,
    index: str | Sequence[str] = "all",
    atkinson_b: float = 0.5,
    base: float = 2.0,
    draws: int = 500,
    seed=None,
    ci: float = 0.95,
    n_jobs: int = 1,
    **unknown,
) -> pd.DataFrame:
    """Test whether an index differs between two segments (e.g. this year and last, two kommuner).

    ``first`` and ``second`` are segment keys: one value per ``by`` column (a tuple when ``by``
    has several columns). Both segments are bootstrapped independently.

    Returns
    -------
    pandas.DataFrame
        ``index``, ``group``, ``value_first``, ``value_second``, ``difference`` (second minus
        first), ``se``, ``ci_low``, ``ci_high`` (of the difference) and ``p_value``
        (two-sided, ``(k+1)/(n+1)``, never 0).
    """
    params = _split_params(atkinson_b, base, unknown)
    if not by:
        raise MeasureInputError("compare_segments needs by= columns that tell the two segments apart")
    names, params, table, focal_columns, _ = _prepare_call(
        data, unit, groups, group_col, count_col, by, focal, index, params, require_integer=True
    )
    if not isinstance(draws, (int, np.integer)) or draws < 1:
        raise MeasureInputError(f"draws must be a positive integer, got {draws!r}")
    bounds = np.searchsorted(table.segment_ids, np.arange(table.n_segments + 1))
    parts = []
    for key, role in ((first, "first"), (second, "second")):
        s = _segment_position(table, key, role)
        parts.append(table.counts[bounds[s] : bounds[s + 1]])
    result = _checked(inference.difference_test, parts[0], parts[1], names, params, int(draws), seed, ci, n_jobs)
    single = CountsTable(table.counts[:0], table.segment_ids[:0], table.units[:0], pd.DataFrame(index=range(1)),
                         table.groups, [])
    columns = {c: {n: np.asarray(v)[None, ...] for n, v in arrays.items()} for c, arrays in result.items()}
    return long_result(single, names, columns, focal_columns)
