"""Power at registration: the minimum detectable effect (MDE) of a plan, by placebo simulation.

Only the pre-period is used (years before the plan's first treated year), on the plan's own units. In each
placebo start year inside the pre-period the treated units are given a pretend start, and the plan's estimator
runs on the data up to the real start; pseudo-treated draws from the comparison pool at the same pretend starts
add to the distribution. With no programme effect in the pre-period, the spread of these placebo estimates is
the estimator's noise, so

    MDE = (z_{1-α/2} + z_{power}) · sd(placebo estimates)

is the smallest true effect the plan would detect with probability ``power`` at level ``α`` (Bloom 1995).
Inference settings (bootstrap, placebo refits) are switched off for the placebo fits: only the point estimate
is needed, and it does not depend on them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from segreform.evaluate.panel import DesignError
from segreform.research.estimators import estimate

# The fewest pre-periods before a placebo start each estimator needs, and the fewest placebo estimates an MDE needs.
MIN_PRE = {"did": 1, "synth": 5, "sdid": 2}
MIN_PLACEBOS = 3
CHEAP = {"did": {"bootstrap": 0}, "synth": {"placebos": False, "leave_one_out": False}, "sdid": {"replications": 0}}


def _headline_estimate(result) -> float:
    from segreform.research.report import headline  # on use: the report module loads plotly

    head = headline(result)
    if head is None or head.estimate is None or not np.isfinite(head.estimate):
        raise DesignError("the estimator returned no estimate")
    return float(head.estimate)


def minimum_detectable_effect(frame: pd.DataFrame, *, estimator: str, treated: dict[str, int], settings: dict,
                              alpha: float = 0.05, power: float = 0.8, draws_per_start: int = 3,
                              max_fits: int = 24, seed: int = 0) -> dict:
    """The plan's MDE from placebo estimates on its pre-period data.

    ``frame`` is the plan's analysis data (area_code, year, outcome, role, ...). Returns a plain dict:
    ``mde`` (None when it cannot be computed, with ``reason``), ``sd``, ``placebo_estimates`` (start, units,
    estimate), ``pre_years``, ``alpha``, ``power``, ``method``.
    """
    base = {"alpha": alpha, "power": power, "method": "placebo starts in the pre-period (in time and in space); "
            "MDE = (z_{1-alpha/2} + z_power) x sd of the placebo estimates", "placebo_estimates": []}
    if not treated:
        return {**base, "mde": None, "reason": "the plan has no treated unit"}
    real_start = min(treated.values())
    pre = frame[frame["year"] < real_start]
    years = sorted(pre["year"].unique())
    base["pre_years"] = [int(y) for y in years]
    starts = [y for i, y in enumerate(years) if i >= MIN_PRE[estimator] and y < years[-1] + 1]
    if not starts:
        return {**base, "mde": None, "reason": f"too few pre-period years ({len(years)}) for placebo starts: "
                f"{estimator} needs {MIN_PRE[estimator]} before each"}
    comparisons = sorted(set(pre.loc[pre["role"] == "comparison", "area_code"]))
    rng = np.random.default_rng(seed)
    size = len(treated) if estimator != "synth" else 1
    fits: list[tuple[int, list[str]]] = []
    for start in reversed(starts):  # latest first: closest to the real design
        fits.append((int(start), sorted(treated)[:size] if estimator == "synth" else sorted(treated)))
        for _ in range(draws_per_start):
            if len(comparisons) > size + 1:
                fits.append((int(start), sorted(rng.choice(comparisons, size=size, replace=False).tolist())))
    fits = fits[:max_fits]
    settings = {**settings, **CHEAP[estimator]}
    estimates, failures = [], []
    real_treated = set(treated)
    for start, units in fits:
        data = pre.copy()
        pseudo = set(units)
        # The real treated units stay out of a draw from the comparison pool: their pre-period is not a control.
        if pseudo.isdisjoint(real_treated):
            data = data[~data["area_code"].isin(real_treated)]
        data["first_year"] = np.where(data["area_code"].isin(pseudo), start, 0)
        try:
            value = _headline_estimate(estimate(estimator, data, {u: start for u in units}, settings))
        except (DesignError, ValueError, np.linalg.LinAlgError) as exc:
            failures.append(str(exc))
            continue
        estimates.append({"start": start, "units": units, "estimate": value})
    base["placebo_estimates"] = estimates
    if len(estimates) < MIN_PLACEBOS:
        reason = f"only {len(estimates)} placebo estimate(s) could be computed (at least {MIN_PLACEBOS} needed)"
        return {**base, "mde": None, "reason": reason + (f"; e.g. {failures[0]}" if failures else "")}
    sd = float(np.std([e["estimate"] for e in estimates], ddof=1))
    multiplier = float(norm.ppf(1 - alpha / 2) + norm.ppf(power))
    return {**base, "mde": multiplier * sd, "sd": sd, "multiplier": multiplier, "n_placebos": len(estimates),
            "reason": ""}
