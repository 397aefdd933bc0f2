"""Validation of the long panel every estimator takes: one row per (unit, time).

Errors are :class:`DesignError` (a ``ValueError``) whose message names the column, the row or the
unit, and says what to do; the CLI turns them into exit code 2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm


class DesignError(ValueError):
    """The data or the design cannot support the estimation asked for (message says what is missing)."""


def z_value(ci: float) -> float:
    """The normal quantile of a two-sided interval at level ``ci`` (e.g. 1.96 for 0.95)."""
    if isinstance(ci, bool) or not isinstance(ci, (int, float, np.floating)) or not 0 < ci < 1:
        raise DesignError(f"ci must be between 0 and 1 (e.g. 0.95), got {ci!r}")
    return float(norm.ppf(0.5 + ci / 2))


def treated_labels(treated) -> list:
    """``treated`` as a list of unit labels: one label or a list (the one meaning of ``treated`` in evaluate)."""
    if isinstance(treated, (list, tuple, set, np.ndarray, pd.Index, pd.Series)):
        labels = list(treated)
        if not labels:
            raise DesignError("treated is empty: name at least one treated unit")
        return labels
    return [treated]


def require_columns(frame: pd.DataFrame, columns: dict[str, str | None]) -> None:
    """Raise :class:`DesignError` naming the first role whose column is not in ``frame``."""
    for role, column in columns.items():
        if column is None:
            continue
        if column not in frame.columns:
            known = ", ".join(map(str, frame.columns))
            raise DesignError(f"column {column!r} (given as {role}) is not in the data; columns are: {known}")


def require_numeric(frame: pd.DataFrame, column: str, *, allow_missing: bool = False) -> np.ndarray:
    """The column as float64, or a :class:`DesignError` naming the first row that is not a number."""
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() & (frame[column].notna() if allow_missing else True)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DesignError(
            f"column {column!r}, row {row + 1}: {frame[column].iloc[row]!r} is not a number"
            + ("" if allow_missing else " (missing values are not allowed here)")
        )
    return values.to_numpy(dtype=float)


def require_unique(frame: pd.DataFrame, unit: str, time: str) -> None:
    """Refuse a second row for the same unit and period, naming the row."""
    duplicated = frame.duplicated([unit, time])
    if duplicated.any():
        row = int(np.flatnonzero(duplicated.to_numpy())[0])
        raise DesignError(
            f"row {row + 1}: unit {frame[unit].iloc[row]!r} appears twice in period {frame[time].iloc[row]:g}; "
            "give one row per unit and period"
        )


@dataclass(frozen=True)
class WidePanel:
    """A balanced panel as a units × periods matrix."""

    units: np.ndarray  # unit labels, sorted
    times: np.ndarray  # periods, sorted ascending
    outcome: np.ndarray  # (n_units, n_times)


def to_wide(frame: pd.DataFrame, unit: str, time: str, outcome: str) -> WidePanel:
    """Pivot the long panel to a balanced matrix; refuse duplicates and holes, naming one of each."""
    require_columns(frame, {"--unit": unit, "--time": time, "--outcome": outcome})
    data = frame[[unit, time, outcome]].copy()
    data[time] = require_numeric(data, time)
    data[outcome] = require_numeric(data, outcome)
    require_unique(data, unit, time)
    unit_codes, units = pd.factorize(data[unit], sort=True)
    time_codes, times = pd.factorize(data[time], sort=True)
    matrix = np.full((len(units), len(times)), np.nan)
    matrix[unit_codes, time_codes] = data[outcome].to_numpy(dtype=float)
    holes = np.isnan(matrix)
    if holes.any():
        i, j = np.argwhere(holes)[0]
        raise DesignError(
            f"the panel is unbalanced: unit {units[i]!r} has no {outcome!r} in period {times[j]:g} "
            f"({int(holes.sum())} unit-periods missing); fill or drop those units"
        )
    return WidePanel(units=np.asarray(units), times=np.asarray(times, dtype=float), outcome=matrix)


def unit_constant(frame: pd.DataFrame, unit: str, column: str) -> pd.Series:
    """A per-unit value (e.g. the treatment start) that must not change over time within a unit."""
    values = frame.groupby(unit, sort=True)[column]
    varies = values.nunique(dropna=False) > 1
    if varies.any():
        raise DesignError(
            f"column {column!r} changes over time within unit {varies[varies].index[0]!r}; "
            "it must be constant per unit (the first period of treatment)"
        )
    return values.first()
