"""An exact 0/1 solver for selection that is fast when it is solved many times (explanations, stability draws).

Selection is a knapsack with few rows: a money row per year frame and reform line, and a few count rows (per
development area, per county). Its LP relaxation gives a dual vector ``y`` and so, for every application, a reduced
score ``r_j = s_j - (Aᵀy)_j``. Weak duality bounds every feasible 0/1 set ``x``:

    s·x  ≤  U(y) - Σ_{r_j>0} r_j (1 - x_j) + Σ_{r_j<0} r_j x_j,      U(y) = y·b + Σ_j max(r_j, 0)

for ANY ``y ≥ 0`` (it does not rely on the LP solver's accuracy: ``U`` and ``r`` are recomputed from ``y``). With a
feasible incumbent of value ``L`` (greedy, or the previous draw's optimum: a warm start), an application whose flip
costs more than ``U - L`` is fixed, because every set with it flipped is strictly worse than the incumbent. What is
left (the "core", usually a handful of applications near the budget's edge) is enumerated exactly in integer öre,
or, when it is larger than ``ENUMERATION_LIMIT``, handed to the MILP (``selection._Model``) with the fixings pinned.
So the answer is always an optimum of the same problem; tests compare it with the MILP and brute force.
"""

from __future__ import annotations

import copy

import numpy as np
from scipy.optimize import linprog

ENUMERATION_LIMIT = 14
FIX_TOLERANCE = 1e-7  # score units (0–100 scale): a flip must lose more than this to be fixed


class CoreSolver:
    """Solves the selection model of :class:`segreform.programme.selection._Model` for any score vector."""

    def __init__(self, model):
        self.model = model
        self.n = len(model.candidates)
        self.budget_keys = [key for key, _ in model.budget_rows]
        self.costs = np.array([row for _, row in model.budget_rows], dtype=np.int64).reshape(-1, self.n)
        self.limits = np.array([model.limits[key] for key in self.budget_keys], dtype=np.int64)
        if model.count_rows is not None:
            rows, lower, upper = model.count_rows
            self.counts = np.asarray(rows, dtype=np.int64).reshape(-1, self.n)
            self.count_lo, self.count_hi = lower.astype(np.int64), upper.astype(np.int64)
        else:
            self.counts = np.zeros((0, self.n), dtype=np.int64)
            self.count_lo = self.count_hi = np.zeros(0, dtype=np.int64)
        # The LP in float, each money row scaled by its limit so that the rows are of order one.
        scale = np.maximum(self.limits, 1).astype(float)
        self._lp_rows = np.vstack([self.costs / scale[:, None], self.counts.astype(float),
                                   -self.counts.astype(float)]) if self.n else np.zeros((0, 0))
        self._lp_rhs = np.concatenate([self.limits / scale, self.count_hi.astype(float), -self.count_lo.astype(float)])
        ratio_weight = self.costs / scale[:, None]
        self._greedy_weight = ratio_weight.sum(axis=0) + 1e-9

    # --- exact checks in integers ---------------------------------------------------------------

    def feasible(self, x: np.ndarray) -> bool:
        if np.any(self.costs @ x > self.limits):
            return False
        counts = self.counts @ x
        return bool(np.all(counts <= self.count_hi) and np.all(counts >= self.count_lo))

    def greedy(self, scores: np.ndarray, pinned: dict[int, int] | None = None) -> np.ndarray | None:
        """A feasible set by score per unit of budget, respecting pins; None when it misses a minimum."""
        x = np.zeros(self.n, dtype=np.int64)
        free = np.ones(self.n, dtype=bool)
        for j, v in (pinned or {}).items():
            x[j], free[j] = v, False
        spent, counted = self.costs @ x, self.counts @ x
        if np.any(spent > self.limits) or np.any(counted > self.count_hi):
            return None
        for j in np.argsort(-scores / self._greedy_weight, kind="stable"):
            if not free[j] or scores[j] <= 0:
                continue
            cost, count = self.costs[:, j], self.counts[:, j]
            if np.all(spent + cost <= self.limits) and np.all(counted + count <= self.count_hi):
                x[j] = 1
                spent, counted = spent + cost, counted + count
        return x if self.feasible(x) else None

    # --- the solve ------------------------------------------------------------------------------

    def solve(self, scores: np.ndarray, pinned: dict[int, int] | None = None,
              warm: np.ndarray | None = None) -> np.ndarray | None:
        """An optimal 0/1 vector for ``scores`` (None when no set meets the constraints with the pins)."""
        pinned = dict(pinned or {})
        if self.n == 0:
            return np.zeros(0, dtype=np.int64)
        incumbent = self.greedy(scores, pinned)
        if warm is not None and all(warm[j] == v for j, v in pinned.items()) and self.feasible(warm):
            if incumbent is None or scores @ warm > scores @ incumbent:
                incumbent = warm.astype(np.int64)
        fixed = dict(pinned)
        free = [j for j in range(self.n) if j not in fixed]
        if incumbent is not None and len(free) > ENUMERATION_LIMIT:
            fixed.update(self._reduced_cost_fixings(scores, pinned, float(scores @ incumbent)) or {})
            free = [j for j in range(self.n) if j not in fixed]
        if len(free) <= ENUMERATION_LIMIT:
            return self._enumerate(scores, fixed, free)
        model = copy.copy(self.model)
        model.scores = np.asarray(scores, dtype=float)
        return model.solve(fixed)

    def _reduced_cost_fixings(self, scores, pinned, incumbent_value) -> dict[int, int] | None:
        free = np.array([j for j in range(self.n) if j not in pinned])
        x_fixed = np.zeros(self.n)
        for j, v in pinned.items():
            x_fixed[j] = v
        rows = self._lp_rows[:, free]
        rhs = self._lp_rhs - self._lp_rows @ x_fixed
        result = linprog(-scores[free], A_ub=rows, b_ub=rhs, bounds=(0, 1), method="highs")
        if result.status != 0:
            return None  # infeasible or numerically awkward: let the exact path decide
        y = np.maximum(-np.asarray(result.ineqlin.marginals), 0.0)
        reduced = scores[free] - rows.T @ y
        upper = float(y @ rhs + np.maximum(reduced, 0).sum())
        gap = upper - incumbent_value
        fixings = {}
        for j, r in zip(free, reduced):
            if r > 0 and r - gap > FIX_TOLERANCE:
                fixings[int(j)] = 1
            elif r < 0 and -r - gap > FIX_TOLERANCE:
                fixings[int(j)] = 0
        return fixings

    def _enumerate(self, scores, fixed: dict[int, int], free: list[int]) -> np.ndarray | None:
        base = np.zeros(self.n, dtype=np.int64)
        for j, v in fixed.items():
            base[j] = v
        m = len(free)
        masks = ((np.arange(2 ** m, dtype=np.int64)[:, None] >> np.arange(m)) & 1) if m else np.zeros((1, 0), np.int64)
        free_idx = np.array(free, dtype=np.int64)
        spend = masks @ self.costs[:, free_idx].T + self.costs @ base
        ok = np.all(spend <= self.limits, axis=1)
        if self.counts.shape[0]:
            counted = masks @ self.counts[:, free_idx].T + self.counts @ base
            ok &= np.all((counted <= self.count_hi) & (counted >= self.count_lo), axis=1)
        if not ok.any():
            return None
        values = masks @ scores[free_idx] if m else np.zeros(1)
        values = np.where(ok, values, -np.inf)
        best = masks[int(np.argmax(values))]
        base[free_idx] = best
        return base
