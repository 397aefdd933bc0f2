"""Plain two-way fixed effects and its event study, with the warning they deserve under staggered timing.

On a balanced panel the unit and period effects are removed exactly by two-way demeaning (Frisch–
Waugh–Lovell); standard errors are clustered by unit (CR1: G/(G-1)·(N-1)/(N-K), K counting the
period effects and the constant but not the unit effects, which are nested in the clusters, as
fixest/pyfixest do). Under staggered adoption with effects that change over time, the TWFE coefficient
is a weighted average of cell effects with possibly negative weights (de Chaisemartin &
D'Haultfœuille 2020; Goodman-Bacon 2021); the result reports how many, and warns.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from segreform.evaluate.panel import DesignError, require_columns, require_numeric, to_wide, unit_constant, z_value
from segreform.evaluate.results import Estimate, EvaluationResult


class StaggeredTimingWarning(UserWarning):
    """TWFE or its event study used where treatment starts in different periods."""


def _demean(matrix: np.ndarray) -> np.ndarray:
    """Two-way demeaning of an (n_units, n_times, k) array."""
    return matrix - matrix.mean(axis=1, keepdims=True) - matrix.mean(axis=0, keepdims=True) + matrix.mean(axis=(0, 1), keepdims=True)


def _clustered_ols(y: np.ndarray, x: np.ndarray, n_absorbed: int):
    """OLS of demeaned y (n, T) on demeaned x (n, T, k), SEs clustered by unit."""
    n, t, k = x.shape
    xf = x.reshape(n * t, k)
    yf = y.reshape(n * t)
    xtx_inv = np.linalg.pinv(xf.T @ xf)
    beta = xtx_inv @ xf.T @ yf
    resid = (yf - xf @ beta).reshape(n, t)
    scores = np.einsum("ntk,nt->nk", x, resid)
    meat = scores.T @ scores
    adjustment = n / (n - 1) * (n * t - 1) / (n * t - k - n_absorbed)
    vcov = adjustment * xtx_inv @ meat @ xtx_inv
    return beta, np.sqrt(np.diag(vcov))


def _design(data, unit, time, cohort, outcome):
    require_columns(data, {"--cohort": cohort})
    panel = to_wide(data, unit, time, outcome)
    data = data.copy()
    data[cohort] = np.nan_to_num(require_numeric(data, cohort, allow_missing=True), nan=0.0)
    cohorts = unit_constant(data, unit, cohort).reindex(panel.units).to_numpy(dtype=float)
    if not (cohorts > 0).any():
        raise DesignError(f"no unit is ever treated (column {cohort!r} is 0 or missing everywhere)")
    return panel, cohorts


def _warn_if_staggered(cohorts, times) -> list[str]:
    """Warn (and return the note) when treatment starts in more than one period."""
    starts = np.unique(cohorts[(cohorts > 0) & (cohorts <= times[-1])])
    if len(starts) < 2:
        return []
    note = (f"treatment starts in {len(starts)} different periods: two-way fixed effects compare later with "
            "earlier treated units and are biased when effects change over time; prefer callaway_santanna")
    warnings.warn(note, StaggeredTimingWarning, stacklevel=3)
    return [note]


def twfe(data: pd.DataFrame, unit: str, time: str, cohort: str, outcome: str, ci: float = 0.95) -> EvaluationResult:
    """Static TWFE: outcome on unit and period effects and the treated-and-started indicator."""
    z = z_value(ci)
    panel, cohorts = _design(data, unit, time, cohort, outcome)
    treated_now = ((cohorts[:, None] > 0) & (panel.times[None, :] >= cohorts[:, None])).astype(float)
    x = _demean(treated_now[:, :, None])
    y = _demean(panel.outcome[:, :, None])[:, :, 0]
    beta, se = _clustered_ols(y, x, len(panel.times))
    residual_d = x[:, :, 0]
    cells = treated_now == 1
    weights = residual_d[cells] / residual_d[cells].sum()
    notes = _warn_if_staggered(cohorts, panel.times)
    return EvaluationResult(
        estimator="twfe",
        settings={"unit": unit, "time": time, "cohort": cohort, "outcome": outcome},
        estimates=[Estimate("twfe", "overall", float(beta[0]), float(se[0]), float(beta[0] - z * se[0]), float(beta[0] + z * se[0]))],
        diagnostics={"treated_cells": int(cells.sum()), "negative_weight_cells": int((weights < 0).sum()),
                     "negative_weight_sum": float(weights[weights < 0].sum())},
        notes=notes,
    )


def event_study(data: pd.DataFrame, unit: str, time: str, cohort: str, outcome: str, ci: float = 0.95,
                reference: int = -1) -> EvaluationResult:
    """TWFE event study: one coefficient per event time (period minus start), ``reference`` left out."""
    z = z_value(ci)
    panel, cohorts = _design(data, unit, time, cohort, outcome)
    treated = cohorts > 0
    event = np.where(treated[:, None], panel.times[None, :] - cohorts[:, None], np.nan)
    leads_lags = sorted(int(e) for e in np.unique(event[~np.isnan(event)]) if int(e) != reference)
    if not (cohorts == 0).any() and len(np.unique(cohorts[treated])) < 2:
        raise DesignError("an event study needs never-treated units or at least two start periods to identify period effects")
    x = np.stack([(event == e).astype(float) for e in leads_lags], axis=2)
    beta, se = _clustered_ols(_demean(panel.outcome[:, :, None])[:, :, 0], _demean(x), len(panel.times))
    notes = _warn_if_staggered(cohorts, panel.times)
    return EvaluationResult(
        estimator="twfe_event_study",
        settings={"unit": unit, "time": time, "cohort": cohort, "outcome": outcome, "reference": reference},
        estimates=[Estimate("event", str(e), float(b), float(s), float(b - z * s), float(b + z * s))
                   for e, b, s in zip(leads_lags, beta, se)],
        notes=notes,
    )
