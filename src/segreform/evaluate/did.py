"""Staggered difference-in-differences after Callaway & Sant'Anna (2021).

Group-time ATTs ATT(g, t) with never-treated or not-yet-treated comparisons, doubly robust,
inverse-probability or outcome-regression estimation (:mod:`segreform.evaluate.drdid`), their
simple, group, dynamic (event-study) and calendar aggregations, analytic standard errors from the
influence functions and an optional multiplier bootstrap with uniform (sup-t) bands. The
definitions follow R's ``did`` (varying base period, no anticipation, balanced panel), so that its
published numbers are reproduced exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import chi2

from segreform.evaluate.bootstrap import multiplier_draws, summarise
from segreform.evaluate.drdid import ESTIMATORS, METHODS, att_unconditional
from segreform.evaluate.panel import DesignError, require_columns, require_numeric, to_wide, unit_constant, z_value
from segreform.evaluate.results import Estimate, EvaluationResult

CONTROLS = ("never", "notyet")
AGGREGATIONS = ("simple", "group", "dynamic", "calendar")
FEW_TREATED = 5


@dataclass
class GroupTime:
    """ATT(g, t) with the n × K influence matrix; the input of every aggregation."""

    group: np.ndarray
    time: np.ndarray
    att: np.ndarray
    influence: np.ndarray
    cohorts: np.ndarray  # each unit's first treated period (0 = never treated)
    notes: list[str] = field(default_factory=list)

    @property
    def n_units(self) -> int:
        return self.influence.shape[0]


def group_time_att(
    data: pd.DataFrame,
    unit: str,
    time: str,
    cohort: str,
    outcome: str,
    *,
    control: str = "never",
    method: str = "dr",
    covariates: list[str] | None = None,
) -> GroupTime:
    """Estimate every ATT(g, t) on a balanced long panel.

    Parameters
    ----------
    data : long panel, one row per unit and period.
    unit, time, outcome : column names.
    cohort : column with the first treated period of each unit; 0 or missing = never treated.
    control : 'never' (never-treated units) or 'notyet' (never- and not-yet-treated units).
    method : 'dr', 'ipw' or 'reg'.
    covariates : columns used in the propensity score and outcome regression (base-period values).
    """
    if control not in CONTROLS:
        raise DesignError(f"control must be one of {', '.join(CONTROLS)}, not {control!r}")
    if method not in METHODS:
        raise DesignError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    covariates = list(covariates or [])
    require_columns(data, {"--cohort": cohort, **{f"covariate {c}": c for c in covariates}})
    panel = to_wide(data, unit, time, outcome)
    data = data.copy()
    data[cohort] = np.nan_to_num(require_numeric(data, cohort, allow_missing=True), nan=0.0)
    cohorts = unit_constant(data, unit, cohort).reindex(panel.units).to_numpy(dtype=float)
    times = panel.times
    notes: list[str] = []
    # As R's did: a cohort after the last period is never treated within the data.
    cohorts = np.where(cohorts > times[-1], 0.0, cohorts)
    always = (cohorts > 0) & (cohorts <= times[0])
    if always.any():
        notes.append(f"{int(always.sum())} unit(s) treated in or before the first period {times[0]:g} were dropped (no pre-period)")
    keep = ~always
    y = panel.outcome[keep]
    cohorts = cohorts[keep]
    x_by_time = _covariates_by_time(data, unit, time, covariates, panel.units[keep], times)
    if control == "notyet" and not (cohorts == 0).any() and (cohorts > 0).any():
        # As R's did: without never-treated units the last cohort serves as the comparison until it starts.
        last = cohorts.max()
        notes.append(f"no never-treated units: cohort {last:g} is the comparison group and periods from {last:g} on are dropped")
        in_window = times < last
        times, y = times[in_window], y[:, in_window]
        x_by_time = {c: m[:, in_window] for c, m in x_by_time.items()}
        cohorts = np.where(cohorts == last, 0.0, cohorts)
    groups = np.unique(cohorts[cohorts > 0])
    if len(times) < 2:
        raise DesignError("the panel has one period only; difference-in-differences needs at least two")
    if groups.size == 0:
        raise DesignError(f"no unit is treated after the first period {times[0]:g}: there is no pre-period to compare")
    if control == "never" and not (cohorts == 0).any():
        raise DesignError(
            "there are no never-treated units to compare with; use --control notyet or add never-treated units"
        )
    n = len(cohorts)
    estimator = ESTIMATORS[method]
    rows_g, rows_t, atts, columns = [], [], [], []
    for g in groups:
        last_pre = times[times < g][-1]
        for i in range(1, len(times)):
            t = times[i]
            base = times[i - 1] if t < g else last_pre
            treated = cohorts == g
            if control == "never":
                comparison = cohorts == 0
            else:
                comparison = ((cohorts == 0) | (cohorts > max(t, base))) & ~treated
            if not comparison.any():
                notes.append(f"ATT({g:g},{t:g}) not estimated: no comparison units left in {t:g}")
                continue
            subset = treated | comparison
            delta = (y[subset, i] - y[subset, np.searchsorted(times, base)])
            if covariates:
                x = np.column_stack([np.ones(subset.sum())] + [x_by_time[c][subset, np.searchsorted(times, base)] for c in covariates])
                att, psi = estimator(delta, treated[subset].astype(float), x)
            else:
                att, psi = att_unconditional(delta, treated[subset].astype(float))
            full = np.zeros(n)
            full[subset] = psi * n / subset.sum()
            rows_g.append(g)
            rows_t.append(t)
            atts.append(att)
            columns.append(full)
    n_treated = int((cohorts > 0).sum())
    if n_treated < FEW_TREATED:
        notes.append(
            f"only {n_treated} treated unit(s): asymptotic standard errors are unreliable; "
            "prefer permutation inference (synthetic control placebos)"
        )
    return GroupTime(np.array(rows_g), np.array(rows_t), np.array(atts), np.column_stack(columns), cohorts, notes)


def _covariates_by_time(data, unit, time, covariates, units, times) -> dict[str, np.ndarray]:
    out = {}
    for c in covariates:
        values = require_numeric(data, c)
        wide = pd.DataFrame({unit: data[unit], time: data[time].astype(float), c: values}).pivot(index=unit, columns=time, values=c)
        out[c] = wide.reindex(index=units, columns=times).to_numpy(dtype=float)
    return out


def _weight_influence(keepers, pg, cohorts, group) -> np.ndarray:
    """Influence of estimating the aggregation weights P(G = g) (R did's ``wif``)."""
    indicators = np.column_stack([(cohorts == group[k]).astype(float) - pg[k] for k in keepers])
    total = pg[keepers].sum()
    return indicators / total - np.outer(indicators.sum(axis=1), pg[keepers] / total**2)


def _combine(att, influence, which, weights, wif=None) -> np.ndarray:
    psi = influence[:, which] @ weights
    if wif is not None:
        psi = psi + wif @ att[which]
    return psi


@dataclass
class Aggregation:
    """One aggregation: its overall estimate and, where it has them, its parts (by group, event time or period)."""

    kind: str
    overall: float
    overall_influence: np.ndarray
    labels: np.ndarray
    parts: np.ndarray
    parts_influence: np.ndarray


def aggregate(gt: GroupTime, kind: str) -> Aggregation:
    """Simple, group, dynamic or calendar aggregation of ATT(g, t), with influence functions."""
    cohorts, group, t, att, inf = gt.cohorts, gt.group, gt.time, gt.att, gt.influence
    glist = np.unique(group)
    pg_group = np.array([np.mean(cohorts == g) for g in glist])
    pg = pg_group[np.searchsorted(glist, group)]
    post = group <= t
    if kind == "simple":
        keep = np.flatnonzero(post)
        w = pg[keep] / pg[keep].sum()
        psi = _combine(att, inf, keep, w, _weight_influence(keep, pg, cohorts, group))
        return Aggregation(kind, float(att[keep] @ w), psi, np.array([]), np.array([]), np.zeros((len(cohorts), 0)))
    if kind == "group":
        labels, parts, cols = [], [], []
        glist = np.array([g for g in glist if ((group == g) & post).any()])
        pg_group = np.array([np.mean(cohorts == g) for g in glist])
        for g in glist:
            which = np.flatnonzero((group == g) & post)
            labels.append(g)
            parts.append(att[which].mean())
            cols.append(_combine(att, inf, which, pg[which] / pg[which].sum()))
        parts, cols = np.array(parts), np.column_stack(cols)
        keep = np.arange(len(glist))
        wif = _weight_influence(keep, pg_group, cohorts, glist)
        overall = float(parts @ pg_group / pg_group.sum())
        psi = _combine(parts, cols, keep, pg_group / pg_group.sum(), wif)
        return Aggregation(kind, overall, psi, np.array(labels), parts, cols)
    if kind == "dynamic":
        event = t - group
        labels = np.unique(event)
        parts, cols = [], []
        for e in labels:
            which = np.flatnonzero(event == e)
            w = pg[which] / pg[which].sum()
            parts.append(att[which] @ w)
            cols.append(_combine(att, inf, which, w, _weight_influence(which, pg, cohorts, group)))
        parts, cols = np.array(parts), np.column_stack(cols)
        positive = np.flatnonzero(labels >= 0)
        psi = _combine(parts, cols, positive, np.full(len(positive), 1 / len(positive)))
        return Aggregation(kind, float(parts[positive].mean()), psi, labels, parts, cols)
    if kind == "calendar":
        labels = np.unique(t[post])
        parts, cols = [], []
        for period in labels:
            which = np.flatnonzero((t == period) & post)
            w = pg[which] / pg[which].sum()
            parts.append(att[which] @ w)
            cols.append(_combine(att, inf, which, w, _weight_influence(which, pg, cohorts, group)))
        parts, cols = np.array(parts), np.column_stack(cols)
        keep = np.arange(len(labels))
        psi = _combine(parts, cols, keep, np.full(len(labels), 1 / len(labels)))
        return Aggregation(kind, float(parts.mean()), psi, labels, parts, cols)
    raise DesignError(f"aggregation must be one of {', '.join(AGGREGATIONS)}, not {kind!r}")


def _analytic_se(psi: np.ndarray) -> np.ndarray:
    psi = psi if psi.ndim == 2 else psi[:, None]
    return np.sqrt(np.mean(psi**2, axis=0) / psi.shape[0])


def callaway_santanna(
    data: pd.DataFrame,
    unit: str,
    time: str,
    cohort: str,
    outcome: str,
    *,
    control: str = "never",
    method: str = "dr",
    covariates: list[str] | None = None,
    bootstrap: int = 0,
    seed: int | None = None,
    bootstrap_weights: str = "rademacher",
    ci: float = 0.95,
) -> EvaluationResult:
    """Callaway & Sant'Anna staggered DiD with all four aggregations, as one tidy result.

    Analytic standard errors always; with ``bootstrap`` > 0 also multiplier-bootstrap standard
    errors and uniform (simultaneous) bands over ATT(g, t) and over the event-study coefficients.
    Pre-treatment ATT(g, t) (t < g) form the pre-trend test reported in the diagnostics.
    """
    z = z_value(ci)
    gt = group_time_att(data, unit, time, cohort, outcome, control=control, method=method, covariates=covariates)
    estimates: list[Estimate] = []
    aggregations = {kind: aggregate(gt, kind) for kind in AGGREGATIONS}
    # Each family of estimates: (kind, labels, values, influence columns, uniform band?).
    families = [("group_time", [f"{g:g}:{t:g}" for g, t in zip(gt.group, gt.time)], gt.att, gt.influence, True)]
    for kind, agg in aggregations.items():
        if agg.parts.size:
            families.append((kind, [f"{label:g}" for label in agg.labels], agg.parts, agg.parts_influence, True))
        families.append((kind, ["overall"], np.array([agg.overall]), agg.overall_influence[:, None], False))
    if bootstrap:
        # One set of multiplier draws for every column, so all estimates share the same bootstrap world.
        stacked = np.column_stack([f[3] for f in families])
        bounds = np.cumsum([0] + [f[3].shape[1] for f in families])
        summaries = summarise(multiplier_draws(stacked, bootstrap, seed, bootstrap_weights), gt.n_units, 1 - ci,
                              [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])])
    for index, (kind, labels, values, psi, uniform) in enumerate(families):
        width = psi.shape[1]
        se = _analytic_se(psi)
        critical = np.full(width, z)
        if bootstrap:
            summary = summaries[index]
            se = np.where(np.isnan(summary.se), se, summary.se)
            if uniform and np.isfinite(summary.critical_value):
                critical[:] = summary.critical_value
        band = "uniform" if bootstrap and uniform else "pointwise"
        for label, value, s_e, c in zip(labels, values, se, critical):
            estimates.append(Estimate(kind, label, float(value), float(s_e), float(value - c * s_e),
                                      float(value + c * s_e), band=band))
    pre = gt.group > gt.time
    diagnostics = {
        "n_units": gt.n_units,
        "n_treated_units": int((gt.cohorts > 0).sum()),
        "n_comparison_units": int((gt.cohorts == 0).sum()),
        "cohorts": [float(g) for g in np.unique(gt.group)],
        "pre_trend_test": _pre_trend_test(gt.att[pre], gt.influence[:, pre]),
    }
    return EvaluationResult(
        estimator="callaway_santanna",
        settings={"unit": unit, "time": time, "cohort": cohort, "outcome": outcome, "control": control,
                  "method": method, "covariates": list(covariates or []), "bootstrap": bootstrap, "seed": seed,
                  "bootstrap_weights": bootstrap_weights if bootstrap else None, "ci": ci},
        estimates=estimates,
        diagnostics=diagnostics,
        notes=gt.notes,
    )


def _pre_trend_test(att_pre: np.ndarray, psi_pre: np.ndarray) -> dict:
    """Wald test that every pre-treatment ATT(g, t) is zero (chi-squared, pseudo-inverse covariance)."""
    if att_pre.size == 0:
        return {"statistic": None, "df": 0, "p_value": None, "note": "no pre-treatment periods to test"}
    n = psi_pre.shape[0]
    covariance = psi_pre.T @ psi_pre / n**2
    inverse = np.linalg.pinv(covariance)
    statistic = float(att_pre @ inverse @ att_pre)
    df = int(np.linalg.matrix_rank(covariance))
    return {"statistic": statistic, "df": df, "p_value": float(chi2.sf(statistic, df))}
