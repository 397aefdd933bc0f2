"""Synthetic difference-in-differences (Arkhangelsky, Athey, Hirshberg, Imbens & Wager 2021).

Unit weights ω and time weights λ are found by Frank-Wolfe exactly as the R package ``synthdid``
does (its regularisation ζ = (N_tr·T_post)^(1/4)·σ with σ the standard deviation of the control
units' first differences before treatment, its stopping rule and its sparsification), so the three
estimators it defines (synthdid, synthetic control, DiD) give the same numbers. Standard errors are
its placebo (permutation) standard errors: refits with control units drawn as pseudo-treated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from segreform.evaluate.panel import DesignError, to_wide, treated_labels, z_value
from segreform.evaluate.results import Estimate, EvaluationResult

MIN_PRE_PERIODS = 2
MAX_ITER = 10_000
MAX_ITER_PRE_SPARSIFY = 100


@njit(cache=True)
def _frank_wolfe(y: np.ndarray, zeta: float, intercept: bool, start: np.ndarray, min_decrease: float, max_iter: int):
    """synthdid's ``sc.weight.fw``: weights λ on the simplex for min ζ²|λ|² + |A λ - b|²/N0 (A = Y[:, :-1], b = Y[:, -1])."""
    n0, t1 = y.shape
    t0 = t1 - 1
    if intercept:
        y = y - y.sum(axis=0) / n0
    a = np.ascontiguousarray(y[:, :t0])
    b = y[:, t0].copy()
    lam = start.copy()
    eta = n0 * zeta * zeta
    vals = np.full(max_iter, np.nan)
    t = 0
    while t < max_iter and (t < 2 or vals[t - 2] - vals[t - 1] > min_decrease * min_decrease):
        ax = a @ lam
        half_grad = (ax - b) @ a + eta * lam
        i = np.argmin(half_grad)
        d_x = -lam.copy()
        d_x[i] = 1.0 - lam[i]
        if np.any(d_x != 0.0):
            d_err = a[:, i] - ax
            step = -(half_grad @ d_x) / (np.sum(d_err**2) + eta * np.sum(d_x**2))
            lam = lam + min(1.0, max(0.0, step)) * d_x
        err = a @ lam - b
        vals[t] = zeta * zeta * np.sum(lam**2) + np.sum(err**2) / n0
        t += 1
    return lam


def _sparsify(v: np.ndarray) -> np.ndarray:
    v = np.where(v <= v.max() / 4, 0.0, v)
    return v / v.sum()


def _weights(y: np.ndarray, zeta: float, intercept: bool, start: np.ndarray | None, min_decrease: float) -> np.ndarray:
    if start is None:
        start = np.full(y.shape[1] - 1, 1.0 / (y.shape[1] - 1))
    first = _frank_wolfe(y, zeta, intercept, start, min_decrease, MAX_ITER_PRE_SPARSIFY)
    return _frank_wolfe(y, zeta, intercept, _sparsify(first), min_decrease, MAX_ITER)


@dataclass(frozen=True)
class SdidSettings:
    """synthdid's tuning: regularisation of ω and λ, intercepts, and which weights are estimated."""

    zeta_omega: float
    zeta_lambda: float
    min_decrease: float
    omega_intercept: bool = True
    update_omega: bool = True
    update_lambda: bool = True


def noise_level(y: np.ndarray, n0: int, t0: int) -> float:
    """σ: the standard deviation of the control units' period-to-period changes before treatment."""
    return float(np.std(np.diff(y[:n0, :t0], axis=1), ddof=1))


def _collapsed(y: np.ndarray, n0: int, t0: int) -> np.ndarray:
    top = np.column_stack([y[:n0, :t0], y[:n0, t0:].mean(axis=1)])
    bottom = np.append(y[n0:, :t0].mean(axis=0), y[n0:, t0:].mean())
    return np.vstack([top, bottom])


def estimate_matrix(y: np.ndarray, n0: int, t0: int, settings: SdidSettings, omega=None, lam=None):
    """The estimate and weights for a matrix whose first n0 rows are controls and first t0 columns pre-periods."""
    yc = _collapsed(y, n0, t0)
    if settings.update_lambda:
        lam = _weights(yc[:n0, :], settings.zeta_lambda, True, lam, settings.min_decrease)
    if settings.update_omega:
        omega = _weights(np.ascontiguousarray(yc[:, :t0].T), settings.zeta_omega, settings.omega_intercept, omega,
                         settings.min_decrease)
    n1, t1 = y.shape[0] - n0, y.shape[1] - t0
    unit_side = np.concatenate([-omega, np.full(n1, 1.0 / n1)])
    time_side = np.concatenate([-lam, np.full(t1, 1.0 / t1)])
    return float(unit_side @ y @ time_side), omega, lam


def settings_for(kind: str, y: np.ndarray, n0: int, t0: int) -> tuple[SdidSettings, np.ndarray | None, np.ndarray | None]:
    """synthdid's settings and fixed weights for 'sdid', 'sc' (synthdid's sc_estimate) or 'did'."""
    sigma = noise_level(y, n0, t0)
    n1, t1 = y.shape[0] - n0, y.shape[1] - t0
    min_decrease = 1e-5 * sigma
    if kind == "sdid":
        eta_omega = (n1 * t1) ** 0.25
        return SdidSettings(eta_omega * sigma, 1e-6 * sigma, min_decrease), None, None
    if kind == "sc":
        return SdidSettings(1e-6 * sigma, 1e-6 * sigma, min_decrease, omega_intercept=False, update_lambda=False), None, np.zeros(t0)
    if kind == "did":
        return (SdidSettings(0.0, 0.0, min_decrease, update_omega=False, update_lambda=False),
                np.full(n0, 1.0 / n0), np.full(t0, 1.0 / t0))
    raise DesignError(f"estimator must be 'sdid', 'sc' or 'did', not {kind!r}")


def placebo_estimates(y: np.ndarray, n0: int, t0: int, n1: int, settings: SdidSettings, omega, lam,
                      permutations: list[np.ndarray]) -> np.ndarray:
    """Estimates with the last n1 of each permutation of the controls as pseudo-treated (pure function)."""
    out = np.empty(len(permutations))
    controls = y[:n0]
    for r, order in enumerate(permutations):
        n0_placebo = n0 - n1
        start = omega[order[:n0_placebo]] if omega is not None else None
        if start is not None:
            start = start / start.sum() if start.sum() > 0 else np.full(n0_placebo, 1.0 / n0_placebo)
        out[r] = estimate_matrix(controls[order], n0_placebo, t0, settings, start, lam)[0]
    return out


def permutations_for(n0: int, replications: int, seed: int | None) -> list[np.ndarray]:
    """The control orderings of the placebo replications, one child seed each (independent of any split)."""
    return [np.random.default_rng(s).permutation(n0) for s in np.random.SeedSequence(seed).spawn(replications)]


def synthetic_did(
    data: pd.DataFrame,
    unit: str,
    time: str,
    outcome: str,
    treated: list,
    start: float,
    *,
    estimators: tuple[str, ...] = ("sdid", "sc", "did"),
    replications: int = 200,
    seed: int | None = 0,
    ci: float = 0.95,
) -> EvaluationResult:
    """Synthetic DiD (and synthdid's SC and DiD) for units ``treated`` from period ``start`` on.

    Parameters
    ----------
    data : balanced long panel.
    treated : the treated unit's label, or a list of labels (all start in ``start``: a block design).
    replications : placebo replications for the standard error (0: none). Needs more controls than treated.
    """
    z = z_value(ci)
    panel = to_wide(data, unit, time, outcome)
    labels = panel.units.tolist()
    treated = treated_labels(treated)
    unknown = [t for t in treated if t not in labels]
    if unknown:
        raise DesignError(f"treated unit {unknown[0]!r} is not in column {unit!r}")
    is_treated = np.isin(panel.units, treated)
    order = np.concatenate([np.flatnonzero(~is_treated), np.flatnonzero(is_treated)])
    y = panel.outcome[order]
    n1 = int(is_treated.sum())
    n0 = len(order) - n1
    t0 = int((panel.times < start).sum())
    if t0 < MIN_PRE_PERIODS:
        raise DesignError(f"only {t0} period(s) before the start {start:g}; synthetic DiD needs at least {MIN_PRE_PERIODS}")
    if t0 == len(panel.times):
        raise DesignError(f"no period at or after the start {start:g}: there is nothing to evaluate yet")
    if n0 < 2:
        raise DesignError("fewer than two control units: there is no valid comparison group")
    notes = []
    if replications and n0 <= n1:
        raise DesignError(f"placebo standard errors need more control units ({n0}) than treated units ({n1})")
    if n1 < 5:
        notes.append(f"{n1} treated unit(s): the standard error is a placebo (permutation) standard error")
    permutations = permutations_for(n0, replications, seed) if replications else []
    estimates, weights = [], {}
    for kind in estimators:
        settings, omega0, lam0 = settings_for(kind, y, n0, t0)
        value, omega, lam = estimate_matrix(y, n0, t0, settings, omega0, lam0)
        se = None
        if permutations:
            placebo = placebo_estimates(y, n0, t0, n1, settings, omega, lam, permutations)
            se = float(np.sqrt((replications - 1) / replications) * np.std(placebo, ddof=1))
        estimates.append(Estimate(kind, "overall", value, se, value - z * se if se else None, value + z * se if se else None))
        weights[f"{kind}:unit"] = {str(panel.units[order[i]]): float(w) for i, w in enumerate(omega) if w > 0}
        weights[f"{kind}:time"] = {f"{panel.times[i]:g}": float(w) for i, w in enumerate(lam) if w > 0}
    sdid_omega = np.array(list(weights.get("sdid:unit", {}).values()) or [1.0])
    diagnostics = {
        "n_treated": n1, "n_controls": n0, "n_pre_periods": t0, "n_post_periods": len(panel.times) - t0,
        "noise_level": noise_level(y, n0, t0), "effective_controls": float(1.0 / np.sum(sdid_omega**2)),
        "placebo_replications": replications,
    }
    return EvaluationResult(
        estimator="synthetic_did",
        settings={"unit": unit, "time": time, "outcome": outcome, "treated": [str(t) for t in treated],
                  "start": float(start), "replications": replications, "seed": seed},
        estimates=estimates, diagnostics=diagnostics, weights=weights, notes=notes,
    )
