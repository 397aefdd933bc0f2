"""Synthetic control after Abadie, Diamond & Hainmueller (2010).

Donor weights W on the simplex minimise the V-weighted distance between the treated unit's
predictors and the synthetic one's (an exact active-set solver, :mod:`synth_kernels`); the
predictor weights V minimise the pre-period outcome fit (the nested search), from several starts
because that search has local optima. Inference is by in-space placebos: every donor in turn is
treated as if treated, and the treated unit's post/pre RMSPE ratio is ranked among all of them.

Placebo and leave-one-out refits are pure functions of (prepared data, list of units), so a
distributed run over any split of the units gives the same results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm import tqdm

from segreform.evaluate.panel import DesignError, require_columns, require_numeric, require_unique, treated_labels
from segreform.evaluate.results import Estimate, EvaluationResult
from segreform.evaluate.synth_kernels import nested_search, v_from_theta, weights_for_v

MIN_PRE_PERIODS = 5
MAX_EVALS = 4000
FTOL = 1e-10
TIE_WEIGHT = 1e-6


@dataclass(frozen=True)
class Predictor:
    """One predictor: ``variable`` averaged over the periods first..last (missing values skipped)."""

    variable: str
    first: float
    last: float

    @property
    def label(self) -> str:
        span = f"{self.first:g}" if self.first == self.last else f"{self.first:g}-{self.last:g}"
        return f"{self.variable}:{span}"


def parse_predictors(spec: str) -> list[Predictor]:
    """Parse ``"retprice:1980-1988,cigsale:1975"`` into predictors (variable:first[-last], comma-separated)."""
    out = []
    for item in filter(None, (s.strip() for s in spec.split(","))):
        match = re.fullmatch(r"(.+?):(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?", item)
        if not match:
            raise DesignError(f"predictor {item!r} is not of the form variable:year or variable:first-last")
        first = float(match.group(2))
        last = float(match.group(3) or first)
        if last < first:
            raise DesignError(f"predictor {item!r}: the last year {last:g} is before the first {first:g}")
        out.append(Predictor(match.group(1), first, last))
    if not out:
        raise DesignError("the predictor specification is empty")
    return out


@dataclass(frozen=True)
class SynthData:
    """Predictors (K × N) and outcomes (T × N) of all units; column ``treated`` is the treated unit."""

    units: np.ndarray
    times: np.ndarray
    predictors: np.ndarray
    predictor_labels: list[str]
    outcomes: np.ndarray
    treated: int
    start: float
    nested: bool  # False when the predictors are the pre-period outcomes themselves (V fixed)

    @property
    def pre(self) -> np.ndarray:
        return self.times < self.start


def synth_data(data, unit, time, outcome, treated, start, predictors: list[Predictor] | None = None) -> SynthData:
    """Check the design and build the matrices; :class:`DesignError` says what is missing."""
    require_columns(data, {"--unit": unit, "--time": time, "--outcome": outcome})
    treated = treated_labels(treated)
    if len(treated) != 1:
        raise DesignError(f"a synthetic control is for one treated unit; got {len(treated)}: use synthetic_did")
    treated = treated[0]
    data = data.copy()
    data[time] = require_numeric(data, time)
    data[outcome] = require_numeric(data, outcome, allow_missing=True)
    require_unique(data, unit, time)
    wide = data.pivot(index=time, columns=unit, values=outcome).sort_index()
    units = wide.columns.to_numpy()
    times = wide.index.to_numpy(dtype=float)
    if treated not in set(units.tolist()):
        raise DesignError(f"treated unit {treated!r} is not in column {unit!r}")
    if len(units) < 3:
        raise DesignError(f"only {len(units) - 1} donor(s): a synthetic control needs at least two comparison units")
    pre = times < start
    if pre.sum() < MIN_PRE_PERIODS:
        raise DesignError(
            f"only {int(pre.sum())} period(s) before the start {start:g}; the synthetic control needs at least "
            f"{MIN_PRE_PERIODS} pre-treatment periods to be fitted"
        )
    if not (times >= start).any():
        raise DesignError(f"no period at or after the start {start:g}: there is nothing to evaluate yet")
    missing = wide.isna()
    if missing.any().any():
        holes = missing.stack()
        period, label = holes[holes].index[0]
        raise DesignError(f"unit {label!r} has no {outcome!r} in period {period:g}; the outcome panel must be complete")
    if predictors:
        require_columns(data, {f"predictor {p.label}": p.variable for p in predictors})
        rows = []
        for p in predictors:
            if p.last >= start:
                raise DesignError(f"predictor {p.label} reaches into the treatment period (start {start:g})")
            values = data.assign(_v=require_numeric(data, p.variable, allow_missing=True))
            window = values[(values[time] >= p.first) & (values[time] <= p.last)]
            means = window.groupby(unit)["_v"].mean().reindex(units)
            if means.isna().any():
                raise DesignError(f"predictor {p.label}: unit {means[means.isna()].index[0]!r} has no value in those years")
            rows.append(means.to_numpy(dtype=float))
        matrix, labels, nested = np.vstack(rows), [p.label for p in predictors], True
    else:
        matrix = wide.to_numpy(dtype=float)[pre]
        labels, nested = [f"{outcome}:{t:g}" for t in times[pre]], False
    return SynthData(units, times, matrix, labels, wide.to_numpy(dtype=float), int(np.flatnonzero(units == treated)[0]), start, nested)


@dataclass(frozen=True)
class SynthFit:
    treated: int
    donors: np.ndarray
    weights: np.ndarray
    v: np.ndarray
    pre_mspe: float
    gaps: np.ndarray  # treated minus synthetic, every period
    start_losses: np.ndarray

    def rmspe_ratio(self, pre: np.ndarray) -> float:
        """Post/pre root mean squared prediction error (inf for a perfect pre-period fit)."""
        pre_rmspe = np.sqrt(np.mean(self.gaps[pre] ** 2))
        post_rmspe = np.sqrt(np.mean(self.gaps[~pre] ** 2))
        return float(post_rmspe / pre_rmspe) if pre_rmspe > 0 else float("inf")


def _starts(x0s, x1s, z0, z1, n_random, seed) -> np.ndarray:
    """Equal V, Synth's regression-based V, each predictor dominant, and random Dirichlet draws (log scale)."""
    k = x0s.shape[0]
    starts = [np.zeros(k)]
    design = np.column_stack([np.ones(x0s.shape[1] + 1), np.column_stack([x1s, x0s]).T])
    target = np.column_stack([z1, z0]).T
    beta = np.linalg.lstsq(design, target, rcond=None)[0][1:]
    regression_v = np.diag(beta @ beta.T)
    if np.all(np.isfinite(regression_v)) and regression_v.sum() > 0:
        starts.append(np.log(np.maximum(regression_v / regression_v.sum(), 1e-8)))
    for i in range(k):
        dominant = np.full(k, -np.log(k))
        dominant[i] = np.log(k)
        starts.append(dominant)
    rng = np.random.default_rng(seed)
    for _ in range(n_random):
        starts.append(np.log(rng.dirichlet(np.ones(k))))
    return np.array(starts)


def fit_unit(data: SynthData, treated: int, donors: np.ndarray, *, n_random_starts: int = 4, seed: int = 0,
             max_evals: int = MAX_EVALS) -> SynthFit:
    """Fit one synthetic control for unit ``treated`` from ``donors`` (column indices), nested V search included."""
    pre = data.pre
    members = np.concatenate([[treated], donors])
    # Synth scales each predictor by its standard deviation across the units in the fit.
    divisor = data.predictors[:, members].std(axis=1, ddof=1)
    divisor[divisor == 0] = 1.0
    x = data.predictors / divisor[:, None]
    x0, x1 = np.ascontiguousarray(x[:, donors]), np.ascontiguousarray(x[:, treated])
    z0 = np.ascontiguousarray(data.outcomes[pre][:, donors])
    z1 = np.ascontiguousarray(data.outcomes[pre, treated])
    k = x0.shape[0]
    # When the treated unit lies inside the donors' hull in predictor space, many W match its
    # predictors exactly. A tiny weight on the pre-period outcome fit picks, among those, the one that
    # fits the outcome best (what the outer search wants); otherwise it moves W by O(TIE_WEIGHT).
    scale = np.sqrt(TIE_WEIGHT / (len(z1) * max(float(np.var(data.outcomes[pre][:, members])), 1e-300)))
    x0 = np.ascontiguousarray(np.vstack([x0, scale * z0]))
    x1 = np.ascontiguousarray(np.concatenate([x1, scale * z1]))
    if data.nested and k > 1:
        starts = _starts(x0[:k], x1[:k], z0, z1, n_random_starts, seed)
        theta, loss, start_losses = nested_search(starts, x0, x1, z0, z1, max_evals, FTOL)
        v = v_from_theta(theta)
    else:
        v = np.full(k, 1.0 / k)
        start_losses = np.array([])
    w = weights_for_v(x0, x1, v)
    gaps = data.outcomes[:, treated] - data.outcomes[:, donors] @ w
    return SynthFit(treated, donors, w, v, float(np.mean(gaps[pre] ** 2)), gaps, start_losses)


def fit_with_weights(data: SynthData, weights: dict) -> np.ndarray:
    """Gaps (treated minus synthetic) for given donor weights, e.g. the published ones."""
    w = np.array([weights.get(u, 0.0) for u in data.units])
    return data.outcomes[:, data.treated] - data.outcomes @ w


def _donors_for(data: SynthData, unit: int, excluded: tuple[int, ...] = ()) -> np.ndarray:
    drop = {unit, data.treated, *excluded}
    return np.array([j for j in range(len(data.units)) if j not in drop])


def placebo_fits(data: SynthData, units: list[int], **options) -> list[SynthFit]:
    """In-space placebos: each unit in ``units`` fitted as if treated, from the other donors (pure function)."""
    return [fit_unit(data, j, _donors_for(data, j), **options) for j in units]


def leave_one_out_fits(data: SynthData, left_out: list[int], **options) -> list[SynthFit]:
    """The treated unit refitted without each donor in ``left_out`` (pure function)."""
    return [fit_unit(data, data.treated, _donors_for(data, data.treated, (j,)), **options) for j in left_out]


def synthetic_control(
    data: pd.DataFrame,
    unit: str,
    time: str,
    outcome: str,
    treated,
    start: float,
    *,
    predictors: list[Predictor] | str | None = None,
    placebos: bool = False,
    leave_one_out: bool = False,
    n_random_starts: int = 4,
    seed: int = 0,
    max_evals: int = MAX_EVALS,
    progress: bool = False,
) -> EvaluationResult:
    """Synthetic control estimate for one treated unit, with optional placebos and leave-one-out.

    Parameters
    ----------
    data : long panel with columns unit, time, outcome and the predictor variables.
    treated : the treated unit's label (or a list holding that one label); start : its first treated period.
    predictors : list of :class:`Predictor` or a spec string (see :func:`parse_predictors`); default:
        the pre-period outcomes themselves, with equal weights (no nested search).
    placebos : refit every donor as if treated; report the RMSPE-ratio rank and its p-value.
    leave_one_out : refit without each donor that has positive weight.
    """
    if isinstance(predictors, str):
        predictors = parse_predictors(predictors)
    data = synth_data(data, unit, time, outcome, treated, float(start), predictors)
    options = {"n_random_starts": n_random_starts, "seed": seed, "max_evals": max_evals}
    main = fit_unit(data, data.treated, _donors_for(data, data.treated), **options)
    pre, post = data.pre, ~data.pre
    att = float(main.gaps[post].mean())
    notes = ["one treated unit: inference is by permutation (in-space placebos), not by standard errors"]
    estimates = [Estimate("att", "average_post", att, None, None, None, band="none")]
    estimates += [Estimate("gap", f"{t:g}", float(g), None, None, None, band="none") for t, g in zip(data.times, main.gaps)]
    ratio = main.rmspe_ratio(pre)
    effective = float(1.0 / np.sum(main.weights**2))
    diagnostics = {
        "pre_rmspe": float(np.sqrt(main.pre_mspe)),
        "post_rmspe": float(np.sqrt(np.mean(main.gaps[post] ** 2))),
        "rmspe_ratio": ratio,
        "effective_donors": effective,
        "n_donors": int(len(main.donors)),
        "n_pre_periods": int(pre.sum()),
        "v_search_start_losses": main.start_losses.tolist(),
        "predictor_balance": {
            label: {"treated": float(data.predictors[i, data.treated]),
                    "synthetic": float(data.predictors[i, main.donors] @ main.weights)}
            for i, label in enumerate(data.predictor_labels)
        },
    }
    synthetic = data.outcomes[:, data.treated] - main.gaps
    paths = {
        "treated": {f"{t:g}": float(y) for t, y in zip(data.times, data.outcomes[:, data.treated])},
        "synthetic": {f"{t:g}": float(y) for t, y in zip(data.times, synthetic)},
    }
    if placebos:
        units = [int(j) for j in main.donors]
        fits = _with_progress(placebo_fits, data, units, progress, "placebos", options)
        ratios = {str(data.units[f.treated]): f.rmspe_ratio(pre) for f in fits}
        all_ratios = np.array([ratio, *ratios.values()])
        rank = int(1 + np.sum(all_ratios > ratio))
        diagnostics["placebo"] = {
            "rmspe_ratios": ratios,
            "rank": rank,
            "of": len(all_ratios),
            "p_value": rank / len(all_ratios),
        }
        paths.update({f"placebo:{data.units[f.treated]}": {f"{t:g}": float(g) for t, g in zip(data.times, f.gaps)} for f in fits})
        estimates.append(Estimate("placebo_p_value", "rmspe_ratio_rank", rank / len(all_ratios), None, None, None, band="none"))
    if leave_one_out:
        positive = [int(j) for j, w in zip(main.donors, main.weights) if w > 1e-6]
        fits = _with_progress(leave_one_out_fits, data, positive, progress, "leave-one-out", options)
        diagnostics["leave_one_out"] = {
            str(data.units[j]): {"att": float(f.gaps[post].mean()), "pre_rmspe": float(np.sqrt(f.pre_mspe))}
            for j, f in zip(positive, fits)
        }
    return EvaluationResult(
        estimator="synthetic_control",
        settings={"unit": unit, "time": time, "outcome": outcome, "treated": str(treated_labels(treated)[0]), "start": float(start),
                  "predictors": data.predictor_labels if data.nested else "pre-period outcomes",
                  "n_random_starts": n_random_starts, "seed": seed},
        estimates=estimates,
        diagnostics=diagnostics,
        weights={"donor": {str(data.units[j]): float(w) for j, w in zip(main.donors, main.weights)},
                 "predictor": dict(zip(data.predictor_labels, map(float, main.v)))},
        paths=paths,
        notes=notes,
    )


def _with_progress(refit, data: SynthData, units: list[int], show: bool, label: str, options: dict) -> list[SynthFit]:
    """``refit(data, units)`` unit by unit under a progress bar (the same results as one call)."""
    if not show:
        return refit(data, units, **options)
    return [refit(data, [j], **options)[0] for j in tqdm(units, desc=label, leave=False)]
