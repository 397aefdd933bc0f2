"""Turn a user's table (wide or long) into a sorted counts matrix, with errors that point at the cell."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from segreform.measure._keys import first_repeat, row_codes

EXACT_COUNT_LIMIT = 2**53
"""Above 2**53 a 64-bit float no longer holds every whole number, and sums of squares overflow."""


class MeasureInputError(ValueError):
    """Bad input to a measure function, naming the column and the row where it was found.

    ``column`` is the column name (or None), ``row`` the 0-based row position in the table the
    user passed (or None) and ``label`` that row's index label; ``problem`` says what is wrong
    and what to do. ``str()`` gives the whole message.
    """

    def __init__(self, problem: str, column: str | None = None, row: int | None = None, label=None):
        self.problem = problem
        self.column = column
        self.row = row
        self.label = label
        where = []
        if column is not None:
            where.append(f"column {column!r}")
        if row is not None:
            where.append(f"row {plain(label)!r}" if label is not None else f"row {row}")
        super().__init__(f"{', '.join(where)}: {problem}" if where else problem)


@dataclass(frozen=True)
class CountsTable:
    """Units sorted by segment: ``counts`` (n_units, n_groups), ``segment_ids`` (n_units,),
    ``units`` (unit id per row), ``keys`` (one row per segment with the ``by`` columns) and
    ``groups`` (column names of ``counts``)."""

    counts: np.ndarray
    segment_ids: np.ndarray
    units: np.ndarray
    keys: pd.DataFrame
    groups: list[str]
    by: list[str]

    @property
    def n_segments(self) -> int:
        return len(self.keys)


def as_list(value, what: str) -> list[str]:
    """Accept one column name or a list of names."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    try:
        return list(value)
    except TypeError:
        raise MeasureInputError(f"{what} must be a column name or a list of column names, got {value!r}") from None


def _require_columns(data: pd.DataFrame, columns: Sequence[str], role: str) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise MeasureInputError(
            f"{role} column {missing[0]!r} is not in the data; columns are: {', '.join(map(str, data.columns))}"
        )


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def check_counts(data: pd.DataFrame, column: str, require_integer: bool, out: np.ndarray | None = None) -> np.ndarray:
    """Return a column as float counts (written into ``out`` when given), or raise naming the first bad row."""
    raw = data[column]
    if raw.dtype == bool:
        raise MeasureInputError("counts must be numbers, not true/false", column, 0, data.index[0])
    values = out if out is not None else np.empty(len(raw))
    if isinstance(raw.dtype, np.dtype) and raw.dtype.kind in "iu":
        # whole numbers cannot be missing, text, infinite or fractions: one conversion, and the range
        # checks below run only when the smallest or largest count is out of range
        whole = raw.to_numpy()
        values[...] = whole
        if whole.size == 0 or (whole.min() >= 0 and whole.max() <= EXACT_COUNT_LIMIT):
            return values
    elif isinstance(raw.dtype, np.dtype) and raw.dtype.kind == "f":
        values[...] = raw.to_numpy()
        _refuse_missing_or_infinite(data, raw, column, values)
    else:
        values[...] = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        bad_text = np.isnan(values) & raw.notna().to_numpy()
        if bad_text.any():
            i = _first_bad(bad_text)
            raise MeasureInputError(f"count {raw.iloc[i]!r} is not a number", column, i, data.index[i])
        _refuse_missing_or_infinite(data, raw, column, values)
    if (values < 0).any():
        i = _first_bad(values < 0)
        raise MeasureInputError(f"count is negative ({values[i]:g}); counts must be 0 or more", column, i, data.index[i])
    if (values > EXACT_COUNT_LIMIT).any():
        i = _first_bad(values > EXACT_COUNT_LIMIT)
        raise MeasureInputError(
            f"count {values[i]:g} is larger than 2^53 ({EXACT_COUNT_LIMIT:,}); counts must be at most 2^53, "
            "where every whole number is exact (is the column in the right unit?)",
            column, i, data.index[i],
        )
    if require_integer and (values != np.round(values)).any():
        i = _first_bad(values != np.round(values))
        raise MeasureInputError(
            f"count {values[i]:g} is not a whole number; resampling individuals needs whole counts "
            "(round them, or compute without bootstrap/null draws)",
            column, i, data.index[i],
        )
    return values


def _refuse_missing_or_infinite(data, raw, column, values) -> None:
    if not np.isfinite(values).all():
        if np.isnan(values).any():
            i = _first_bad(np.isnan(values))
            raise MeasureInputError("count is missing (NaN); fill in 0 if the group has no members there", column, i, data.index[i])
        i = _first_bad(np.isinf(values))
        raise MeasureInputError("count is infinite", column, i, data.index[i])


def _check_keys(data: pd.DataFrame, columns: Sequence[str]) -> None:
    for column in columns:
        if isinstance(data[column].dtype, np.dtype) and data[column].dtype.kind in "iub":
            continue  # numpy integers and booleans cannot be missing
        missing = data[column].isna().to_numpy()
        if missing.any():
            i = _first_bad(missing)
            raise MeasureInputError("value is missing; every row needs an area id and segment keys", column, i, data.index[i])


def _segment_codes(data: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Segment code per row (codes follow sorted key order) and the key table."""
    if not by:
        return np.zeros(len(data), dtype=np.int64), pd.DataFrame(index=range(1))
    try:
        codes = row_codes(data, by, sort=True)
    except TypeError:  # keys that do not sort with each other (e.g. numbers and text): pandas decides
        codes = data.groupby(by, sort=True, dropna=False, observed=True).ngroup().to_numpy(dtype=np.int64)
    first_rows = np.empty(int(codes.max()) + 1, dtype=np.int64)
    first_rows[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)  # the last write, the first row, wins
    keys = data.iloc[first_rows][by].reset_index(drop=True)
    return codes, keys


def plain(value):
    """A numpy scalar as the Python value it holds, so messages read ``1``, not ``np.int64(1)``."""
    return value.item() if isinstance(value, np.generic) else value


def _duplicate_error(data: pd.DataFrame, subset: list[str], what: str) -> None:
    if first_repeat(row_codes(data, subset)) < 0:
        return
    duplicated = data.duplicated(subset=subset, keep="first").to_numpy()
    if duplicated.any():
        i = _first_bad(duplicated)
        row = data.iloc[i]
        key = ", ".join(f"{c}={plain(row[c])!r}" for c in subset)
        first = _first_bad(data.duplicated(subset=subset, keep="last").to_numpy() & (data[subset] == row[subset]).all(axis=1).to_numpy())
        raise MeasureInputError(
            f"{what} appears twice ({key}; first at row {data.index[first]!r}); "
            "each area may appear once per segment: aggregate or pass the right by= columns",
            subset[-1], i, data.index[i],
        )


def counts_table(
    data: pd.DataFrame,
    unit: str,
    groups,
    group_col: str | None,
    count_col: str | None,
    by,
    require_integer: bool = False,
) -> CountsTable:
    """Validate a wide or long table and return units sorted by segment."""
    if not isinstance(data, pd.DataFrame):
        raise MeasureInputError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if len(data) == 0:
        raise MeasureInputError("data has no rows")
    by = as_list(by, "by")
    groups = as_list(groups, "groups")
    _require_columns(data, [unit], "unit")
    _require_columns(data, by, "by")
    if unit in by:
        raise MeasureInputError(f"unit column {unit!r} cannot also be a by= segment column")
    long_form = group_col is not None or count_col is not None
    if long_form:
        if group_col is None or count_col is None:
            raise MeasureInputError("long data needs both group_col= and count_col=")
        _require_columns(data, [group_col, count_col], "long-format")
        _check_keys(data, [unit, *by, group_col])
        values = check_counts(data, count_col, require_integer)
        present = list(pd.unique(data[group_col]))
        if not groups:
            groups = present
        unknown = [g for g in groups if g not in set(present)]
        if unknown:
            raise MeasureInputError(f"group {unknown[0]!r} never occurs in column {group_col!r}")
        _duplicate_error(data, [*by, unit, group_col], "the same area and group")
    else:
        if not groups:
            raise MeasureInputError("pass groups=[...] (wide data) or group_col= and count_col= (long data)")
        _require_columns(data, groups, "group")
        _check_keys(data, [unit, *by])
        _duplicate_error(data, [*by, unit], "the same area")
    if len(groups) < 2:
        raise MeasureInputError(f"need at least two groups, got {groups!r}")
    if len(set(groups)) != len(groups):
        raise MeasureInputError(f"groups are listed twice: {groups!r}")

    codes, keys = _segment_codes(data, by)
    if long_form:
        keep = data[group_col].isin(groups).to_numpy()
        row_codes = codes[keep]
        unit_rows = data.loc[keep, [*by, unit]]
        unit_index = unit_rows.groupby([*by, unit], sort=False, dropna=False, observed=True).ngroup().to_numpy()
        group_index = pd.Categorical(data.loc[keep, group_col], categories=groups).codes
        counts = np.zeros((unit_index.max() + 1, len(groups)))
        counts[unit_index, group_index] = values[keep]
        first = pd.Series(np.arange(len(unit_index))).groupby(unit_index).first().to_numpy()
        seg = row_codes[first]
        units = unit_rows[unit].to_numpy()[first]
    else:
        counts = np.empty((len(data), len(groups)))
        for k, group in enumerate(groups):
            check_counts(data, group, require_integer, out=counts[:, k])
        seg = codes
        units = data[unit].to_numpy()
    if require_integer:
        _check_segment_totals(data, counts, seg, codes, keys, by)
    if by and (np.diff(seg) < 0).any():
        order = np.argsort(seg, kind="stable")
        counts, seg, units = counts[order], seg[order], units[order]
    return CountsTable(counts, seg, units, keys, [str(g) for g in groups], by)


def _segment_label(keys: pd.DataFrame, by: list[str], s: int) -> str:
    if not by:
        return "the table"
    return "segment " + ", ".join(f"{c}={plain(keys[c].iloc[s])!r}" for c in by)


def _check_segment_totals(data, counts, seg, row_codes, keys, by) -> None:
    """Resampling draws every individual of a segment: its total must be an exact whole number."""
    totals = np.bincount(seg, weights=counts.sum(axis=1), minlength=len(keys))
    too_large = totals > EXACT_COUNT_LIMIT
    if too_large.any():
        s = _first_bad(too_large)
        i = _first_bad(row_codes == s)
        raise MeasureInputError(
            f"{_segment_label(keys, by, s)} has {totals[s]:g} individuals in all, more than 2^53 "
            f"({EXACT_COUNT_LIMIT:,}); resampling individuals needs a total within 2^53 "
            "(compute without bootstrap/null draws, or check the counts' unit)",
            None, i, data.index[i],
        )


# Indices that are 0 or more by definition (all of them) and those that also stay at or below 1.
UNIT_INTERVAL_INDICES = frozenset({
    "dissimilarity", "gini", "entropy", "atkinson", "isolation", "exposure", "correlation_ratio",
    "multi_dissimilarity", "multi_gini", "theil_h", "normalized_exposure", "relative_diversity",
    "diversity_normalized", "simpson_concentration", "simpson_interaction",
})
# Two-group indices whose definition is the same with the two groups swapped.
SYMMETRIC_TWO_GROUP_INDICES = frozenset({"dissimilarity", "gini", "entropy", "correlation_ratio"})
ROUNDING_SLACK = 1e-9
"""Rounding error of a ratio of sums; larger excursions past 0 or 1 are left visible, never hidden."""


def _group_totals(table: CountsTable) -> np.ndarray:
    """``(n_segments, n_groups)`` sums of each group's counts."""
    totals = np.zeros((table.n_segments, table.counts.shape[1]))
    for k in range(table.counts.shape[1]):
        totals[:, k] = np.bincount(table.segment_ids, weights=table.counts[:, k], minlength=table.n_segments)
    return totals


def _defined_mask(totals: np.ndarray, name: str, two_group: bool) -> np.ndarray:
    """Where an index has a value by definition (see docs/measure.md, edge cases)."""
    segment_total = totals.sum(axis=1)
    if two_group:
        return (totals > 0) & (totals < segment_total[:, None])
    if name in ("diversity", "simpson_concentration", "simpson_interaction"):
        return segment_total > 0
    return (segment_total > 0) & ((totals > 0).sum(axis=1) >= 2)


def settle_estimates(table: CountsTable, estimates: dict[str, np.ndarray], two_group_names,
                     totals: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Check and tidy computed indices before anyone sees them.

    Every index is finite wherever it is defined (else a :class:`MeasureInputError` names the
    index, group and segment instead of a silent blank); rounding just below 0 (or just above 1 for
    indices bounded by 1) is clamped; for exactly two groups the symmetric two-group indices
    (D, Gini, H, V) are the same number for both groups. ``totals`` are the ``(n_segments, n_groups)``
    group sums where the caller has them already.
    """
    settled = {}
    totals = _group_totals(table) if totals is None else totals
    for name, values in estimates.items():
        two_group = name in two_group_names
        values = np.array(values, dtype=np.float64, copy=True)
        defined = _defined_mask(totals, name, two_group)
        broken = defined & ~np.isfinite(values)
        if broken.any():
            position = np.argwhere(broken)[0]
            s = int(position[0])
            group = f" for group {table.groups[int(position[1])]!r}" if two_group else ""
            raise MeasureInputError(
                f"{name}{group} in {_segment_label(table.keys, table.by, s)} is {values[tuple(position)]} "
                "although it is defined there; the counts are too far apart in size for 64-bit arithmetic "
                "(check for a mistyped count)"
            )
        values[(values < 0) & (values > -ROUNDING_SLACK)] = 0.0
        if name in UNIT_INTERVAL_INDICES:
            values[(values > 1) & (values < 1 + ROUNDING_SLACK)] = 1.0
        if two_group and name in SYMMETRIC_TWO_GROUP_INDICES and values.shape[1] == 2:
            apart = np.abs(values[:, 0] - values[:, 1]) > ROUNDING_SLACK
            if apart.any():
                s = _first_bad(apart)
                raise MeasureInputError(
                    f"{name} differs between the two groups in {_segment_label(table.keys, table.by, s)} "
                    f"({values[s, 0]} and {values[s, 1]}) although it is symmetric; the counts are too far "
                    "apart in size for 64-bit arithmetic (check for a mistyped count)"
                )
            values[:, 1] = values[:, 0]
        settled[name] = values
    return settled
