"""The boundary of :mod:`segreform.measure`: a user's table in, validated arrays out, the long result back.

Every way into the engine goes through here, the single-machine functions (``indices``, the
decompositions, local indices) and the Dask backend (:mod:`segreform.scale.dask_backend`) alike, so
both accept the same options and refuse bad input with the same :class:`MeasureInputError` and the
same message.

* :class:`TableSpec` says how to read the table: the area column, the groups (wide: count columns;
  long: ``group_col``/``count_col``) and the segment columns ``by``;
* :meth:`TableSpec.read` validates a pandas table into a :class:`CountsTable` (units sorted by
  segment), :meth:`TableSpec.check_columns` checks any frame's columns (a Dask frame too) first;
* :func:`require_columns`, :func:`check_counts` and :func:`check_keys` validate the columns, counts and keys of one (partition of a) table;
* :func:`segment_position` finds a segment by its key;
* :func:`focal_columns`, :func:`check_draws`, :func:`checked` and :func:`check_options` are the
  argument checks shared by every front end; :func:`long_result` builds the long output table.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from segreform.measure._validate import (
    CountsTable,
    MeasureInputError,
    _check_keys,
    _require_columns,
    as_list,
    check_counts,
    counts_table,
    plain,
)
from segreform.measure.kernels import TWO_GROUP_INDICES

__all__ = [
    "CountsTable",
    "MeasureInputError",
    "TableSpec",
    "as_list",
    "check_counts",
    "check_draws",
    "check_keys",
    "check_options",
    "checked",
    "focal_columns",
    "long_result",
    "options_of",
    "plain",
    "require_columns",
    "segment_position",
]


@dataclass(frozen=True)
class TableSpec:
    """How to read a table of areas: ``unit`` (area id column), ``groups``, ``group_col`` and
    ``count_col`` (long data) and ``by`` (segment key columns).

    Wide data: ``groups`` are the count columns. Long data: ``group_col`` holds the group labels,
    ``count_col`` the counts and ``groups`` (optional) picks and orders the labels.
    """

    unit: str = "area"
    groups: tuple[str, ...] = ()
    group_col: str | None = None
    count_col: str | None = None
    by: tuple[str, ...] = ()

    @classmethod
    def of(cls, unit: str = "area", groups=None, group_col: str | None = None, count_col: str | None = None,
           by=None) -> TableSpec:
        """A spec from the arguments as users pass them (one name or a list for ``groups`` and ``by``)."""
        return cls(unit, tuple(as_list(groups, "groups")), group_col, count_col, tuple(as_list(by, "by")))

    @property
    def long_form(self) -> bool:
        return self.group_col is not None or self.count_col is not None

    def with_by(self, by: Sequence[str]) -> TableSpec:
        """The same table read with other segment columns (e.g. ``by`` plus a nesting)."""
        return TableSpec(self.unit, self.groups, self.group_col, self.count_col, tuple(by))

    def check_columns(self, frame) -> list[str]:
        """Refuse a frame (pandas or Dask) that lacks a column the spec names; return the columns used.

        Checks in the order, and with the messages, of :meth:`read`.
        """
        by = list(self.by)
        _require_columns(frame, [self.unit], "unit")
        _require_columns(frame, by, "by")
        if self.unit in by:
            raise MeasureInputError(f"unit column {self.unit!r} cannot also be a by= segment column")
        if self.long_form:
            if self.group_col is None or self.count_col is None:
                raise MeasureInputError("long data needs both group_col= and count_col=")
            _require_columns(frame, [self.group_col, self.count_col], "long-format")
            return [self.unit, *by, self.group_col, self.count_col]
        if not self.groups:
            raise MeasureInputError("pass groups=[...] (wide data) or group_col= and count_col= (long data)")
        _require_columns(frame, list(self.groups), "group")
        return [self.unit, *by, *self.groups]

    def read(self, data: pd.DataFrame, require_integer: bool = False) -> CountsTable:
        """Validate ``data`` and return its units sorted by segment (raises :class:`MeasureInputError`)."""
        return counts_table(data, self.unit, list(self.groups) or None, self.group_col, self.count_col,
                            list(self.by), require_integer)


def require_columns(frame, columns: Sequence[str], role: str) -> None:
    """Refuse a frame (pandas or Dask) without one of ``columns``; ``role`` says what the column is for."""
    _require_columns(frame, columns, role)


def check_keys(data: pd.DataFrame, columns: Sequence[str]) -> None:
    """Refuse a missing area id or segment key, naming its column and row."""
    _check_keys(data, columns)


def checked(check: Callable, *args):
    """Call a kernel's check, re-raising its ValueError as a :class:`MeasureInputError` (same message)."""
    try:
        return check(*args)
    except MeasureInputError:
        raise
    except ValueError as exc:
        raise MeasureInputError(str(exc)) from None


def check_draws(value, name: str = "bootstrap", minimum: int = 0) -> int:
    """A number of draws as an int; refuse booleans, fractions and numbers below ``minimum``."""
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < minimum:
        raise MeasureInputError(f"{name} must be a whole number of draws >= {minimum}, got {value!r}")
    return int(value)


def focal_columns(focal, groups: Sequence[str]) -> list[int]:
    """Positions of the focal groups among ``groups`` (all groups when ``focal`` is None)."""
    if focal is None:
        return list(range(len(groups)))
    groups = list(groups)
    wanted = [str(f) for f in as_list(focal, "focal")]
    unknown = [f for f in wanted if f not in groups]
    if unknown:
        raise MeasureInputError(f"focal group {unknown[0]!r} is not one of the groups {groups!r}")
    return [groups.index(f) for f in wanted]


def options_of(function: Callable, leave_out: Sequence[str] = ("data",)) -> dict:
    """The keyword options of a front-end function with their defaults: the one definition of what it accepts."""
    return {
        name: parameter.default
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY) and name not in leave_out
    }


def check_options(unknown: Mapping, allowed: Sequence[str]) -> None:
    """Refuse the first unknown keyword, listing the ones that are allowed."""
    if unknown:
        raise MeasureInputError(f"unknown parameter {next(iter(unknown))!r}; parameters are: {', '.join(allowed)}")


def long_result(
    table: CountsTable,
    names: Sequence[str],
    columns: Mapping[str, Mapping[str, np.ndarray]],
    focal_columns: list[int],
) -> pd.DataFrame:
    """Stack per-segment arrays into the long output: by keys, index, group, then ``columns``.

    ``columns`` maps an output column (e.g. ``estimate``, ``se``) to name -> array, ``(S,)`` for a
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


def segment_position(table: CountsTable, key, role: str) -> int:
    """Position of the segment with key ``key`` (one value per ``by`` column); ``role`` names it in errors."""
    wanted = tuple(key) if isinstance(key, (tuple, list)) else (key,)
    if len(wanted) != len(table.by):
        raise MeasureInputError(f"{role}={key!r} must give one value per by column {table.by!r}")
    matches = np.ones(table.n_segments, dtype=bool)
    for column, value in zip(table.by, wanted):
        matches &= (table.keys[column] == value).to_numpy()
    if not matches.any():
        raise MeasureInputError(f"{role}={key!r} matches no segment of {table.by!r}")
    return int(np.flatnonzero(matches)[0])
