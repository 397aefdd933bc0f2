"""The table front end: long or wide data in, one long table of indices out."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from segreform.measure import inference
from segreform.measure._validate import settle_estimates
from segreform.measure.kernels import (
    TWO_GROUP_INDICES,
    check_names,
    check_params,
    compute_prepared,
    prepare,
)
from segreform.measure.table import (
    CountsTable,
    MeasureInputError,
    TableSpec,
    check_draws,
    check_options,
    checked,
    focal_columns,
    long_result,
    options_of,
    segment_position,
)


def _prepare_call(data, spec: TableSpec, focal, index, params, require_integer):
    names = checked(check_names, index)
    checked_params = checked(check_params, params)
    table = spec.read(data, require_integer)
    focal_positions = focal_columns(focal, table.groups)
    prepared = prepare(table.counts, table.segment_ids, table.n_segments)
    estimates = compute_prepared(prepared, names, checked_params)
    estimates = settle_estimates(table, estimates, TWO_GROUP_INDICES, totals=prepared.N)
    return names, checked_params, table, focal_positions, estimates


def _split_params(function, atkinson_b, base, unknown: dict) -> dict[str, float]:
    check_options(unknown, list(options_of(function)))
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
        group of a two-group index, ``""`` for a multigroup index) and ``estimate``; with bootstrap
        also ``se``, ``ci_low``, ``ci_high`` and ``bias_corrected``. Undefined values are NaN
        (see docs/measure.md, edge cases).

    Raises
    ------
    MeasureInputError
        A ValueError naming the column and row of bad input, an unknown index name or an
        unknown parameter.
    """
    params = _split_params(indices, atkinson_b, base, unknown)
    bootstrap = check_draws(bootstrap)
    names, params, table, focal_positions, estimates = _prepare_call(
        data, TableSpec.of(unit, groups, group_col, count_col, by), focal, index, params, require_integer=bootstrap > 0
    )
    columns: dict[str, Mapping[str, np.ndarray]] = {"estimate": estimates}
    if bootstrap:
        columns.update(_bootstrap(table, names, estimates, focal_positions, params, bootstrap, seed, ci, n_jobs,
                                  progress, bootstrap_by))
    return long_result(table, names, columns, focal_positions)


def _bootstrap(table, names, estimates, focal_positions, params, draws, seed, ci, n_jobs, progress,
               bootstrap_by="individuals"):
    """Bootstrap summaries, on (focal, rest) pairs where that gives the same bootstrap (see inference)."""
    if bootstrap_by not in inference.BOOTSTRAP_UNITS:
        raise MeasureInputError(
            f"unknown bootstrap_by {bootstrap_by!r}; choose one of: {', '.join(inference.BOOTSTRAP_UNITS)}"
        )
    pair = inference.focal_pair(table.counts, estimates, names, focal_positions, TWO_GROUP_INDICES)
    counts, boot_estimates = pair if pair else (table.counts, estimates)
    summary = checked(
        inference.bootstrap_summary, boot_estimates, counts, table.segment_ids, table.n_segments,
        params, draws, seed, ci, n_jobs, progress, bootstrap_by,
    )
    return inference.expand_focal_pair(summary, estimates, focal_positions[0]) if pair else summary


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
        ``by`` columns, ``index``, ``group``, ``estimate``, ``expected``, ``null_sd`` and
        ``p_value`` (share of random allocations at least as segregated, ``(k+1)/(n+1)``).
    """
    params = _split_params(expected_indices, atkinson_b, base, unknown)
    names, params, table, focal_positions, estimates = _prepare_call(
        data, TableSpec.of(unit, groups, group_col, count_col, by), focal, index, params, require_integer=True
    )
    columns: dict[str, Mapping[str, np.ndarray]] = {"estimate": estimates}
    columns.update(checked(
        inference.null_summary, estimates, table.counts, table.segment_ids, table.n_segments,
        params, draws, seed, n_jobs, progress,
    ))
    return long_result(table, names, columns, focal_positions)


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
        ``index``, ``group``, ``estimate_first``, ``estimate_second``, ``difference`` (second minus
        first), ``se``, ``ci_low``, ``ci_high`` (of the difference) and ``p_value``
        (two-sided, ``(k+1)/(n+1)``, never 0).
    """
    params = _split_params(compare_segments, atkinson_b, base, unknown)
    if not by:
        raise MeasureInputError("compare_segments needs by= columns that tell the two segments apart")
    names, params, table, focal_positions, _ = _prepare_call(
        data, TableSpec.of(unit, groups, group_col, count_col, by), focal, index, params, require_integer=True
    )
    draws = check_draws(draws, "draws", minimum=1)
    bounds = np.searchsorted(table.segment_ids, np.arange(table.n_segments + 1))
    parts = []
    for key, role in ((first, "first"), (second, "second")):
        s = segment_position(table, key, role)
        parts.append(table.counts[bounds[s] : bounds[s + 1]])
    result = checked(inference.difference_test, parts[0], parts[1], names, params, draws, seed, ci, n_jobs)
    single = CountsTable(table.counts[:0], table.segment_ids[:0], table.units[:0], pd.DataFrame(index=range(1)),
                         table.groups, [])
    columns = {c: {n: np.asarray(v)[None, ...] for n, v in arrays.items()} for c, arrays in result.items()}
    return long_result(single, names, columns, focal_positions)
