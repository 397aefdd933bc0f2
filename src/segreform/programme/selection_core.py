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
from numba import njit
from scipy.optimize import linprog

ENUMERATION_LIMIT = 12
NODE_LIMIT = 2_000_000
QUICK_NODE_LIMIT = 50_000
FIX_TOLERANCE = 1e-7  # score units (0–100 scale): a flip must lose more than this to be fixed


class CoreSolver:
    """Solves the selection model of :class:`segreform.programme.selection._Model` for any score vector."""

    def __init__(self, model):
        self.model = model
        self.n = len(model.candidates)
        self.budget_keys = [key for key, _ in model.budget_rows]
        self.costs = np.array([row for _, row in model.budget_rows], dtype=np.int64).reshape(
            len(model.budget_rows), self.n)
        self.limits = np.array([model.limits[key] for key in self.budget_keys], dtype=np.int64)
        if model.count_rows is not None:
            rows, lower, upper = model.count_rows
            self.counts = np.asarray(rows, dtype=np.int64).reshape(len(lower), self.n)
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
        self._multipliers: np.ndarray | None = None
        self._surrogate = np.zeros(self.n)
        self._scale = scale

    # --- exact checks in integers ---------------------------------------------------------------

    def feasible(self, x: np.ndarray) -> bool:
        if np.any(self.costs @ x > self.limits):
            return False
        counts = self.counts @ x
        return bool(np.all(counts <= self.count_hi) and np.all(counts >= self.count_lo))

    def greedy(self, scores: np.ndarray, pinned: dict[int, int] | None = None,
               order: np.ndarray | None = None) -> np.ndarray | None:
        """A feasible set filled in ``order`` (default: score per unit of budget), respecting pins; None when it
        misses a minimum."""
        x = np.zeros(self.n, dtype=np.int64)
        free = np.ones(self.n, dtype=bool)
        for j, v in (pinned or {}).items():
            x[j], free[j] = v, False
        spent, counted = self.costs @ x, self.counts @ x
        if np.any(spent > self.limits) or np.any(counted > self.count_hi):
            return None
        if order is None:
            order = np.argsort(-scores / self._greedy_weight, kind="stable")
        for j in order:
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
        scores = np.asarray(scores, dtype=float)
        pinned = dict(pinned or {})
        if self.n == 0:
            return np.zeros(0, dtype=np.int64)
        free = [j for j in range(self.n) if j not in pinned]
        if len(free) <= ENUMERATION_LIMIT:
            return self._enumerate(scores, pinned, free)
        incumbents = []
        if warm is not None and all(warm[j] == v for j, v in pinned.items()) and self.feasible(warm):
            incumbents.append(np.asarray(warm, dtype=np.int64))
        else:  # the warm start (the previous draw's optimum) is usually better than greedy; greedy otherwise
            incumbents = [x for x in [self.greedy(scores, pinned)] if x is not None]
        start = max(incumbents, key=lambda x: float(scores @ x)) if incumbents else None
        # First with the cached prices and a small node budget; when that bound is too loose for these scores,
        # with fresh LP prices and every application the LP bound proves in or out fixed; only then the MILP.
        found, complete = self._branch_and_bound(scores, pinned, free, start, QUICK_NODE_LIMIT)
        if complete:
            return found
        fixed = {**pinned, **self._fresh_prices_and_fixings(scores, pinned, start)}
        found, complete = self._branch_and_bound(scores, fixed, [j for j in range(self.n) if j not in fixed], start,
                                                 NODE_LIMIT)
        if complete:
            return found
        model = copy.copy(self.model)  # the search hit its node limit: the MILP decides, exactly, with the fixings
        model.scores = scores
        return model.solve(fixed)

    def multipliers(self, scores: np.ndarray) -> np.ndarray:
        """LP dual prices of the money and upper count rows: any non-negative vector gives a valid surrogate
        constraint, so they are computed once and reused across draws and pins (only the bound's tightness varies)."""
        if self._multipliers is None:
            result = linprog(-scores, A_ub=self._lp_rows, b_ub=self._lp_rhs, bounds=(0, 1), method="highs")
            k_upper = self.costs.shape[0] + self.counts.shape[0]
            if result.status == 0:
                y = np.maximum(-np.asarray(result.ineqlin.marginals), 0.0)[:k_upper]
            else:
                y = np.ones(k_upper)
            self._multipliers = y
            self._surrogate = y @ np.vstack([self.costs / self._scale[:, None], self.counts.astype(float)])
        return self._multipliers

    def _fresh_prices_and_fixings(self, scores, pinned, start) -> dict[int, int]:
        """The applications whose flip would lose more than the gap between this LP's bound and the incumbent
        ``start`` (every such flip is strictly worse than ``start``, so every optimum keeps them as they are)."""
        free = np.array([j for j in range(self.n) if j not in pinned])
        x_fixed = np.zeros(self.n)
        for j, v in pinned.items():
            x_fixed[j] = v
        rows = self._lp_rows[:, free]
        rhs = self._lp_rhs - self._lp_rows @ x_fixed
        result = linprog(-scores[free], A_ub=rows, b_ub=rhs, bounds=(0, 1), method="highs")
        if result.status != 0:
            return {}
        y = np.maximum(-np.asarray(result.ineqlin.marginals), 0.0)
        # The search keeps the first prices for its surrogate row: measured, they guide it better than a draw's
        # own (often degenerate) LP prices; these prices only fix applications.
        if start is None:
            return {}
        reduced = scores[free] - rows.T @ y
        gap = float(y @ rhs + np.maximum(reduced, 0).sum()) + float(scores @ x_fixed) - float(scores @ start)
        fixings = {}
        for j, r in zip(free, reduced):
            if r > 0 and r - gap > FIX_TOLERANCE and start[j] == 1:
                fixings[int(j)] = 1
            elif r < 0 and -r - gap > FIX_TOLERANCE and start[j] == 0:
                fixings[int(j)] = 0
        return fixings

    def _branch_and_bound(self, scores, pinned, free, start, node_limit) -> tuple[np.ndarray | None, bool]:
        base = np.zeros(self.n, dtype=np.int64)
        for j, v in pinned.items():
            base[j] = v
        free_idx = np.array(free, dtype=np.int64)
        money_left = self.limits - self.costs @ base
        count_hi_left = self.count_hi - self.counts @ base
        count_lo_left = self.count_lo - self.counts @ base
        if np.any(money_left < 0) or np.any(count_hi_left < 0):
            return None, True
        y = self.multipliers(scores)
        weights = self._surrogate[free_idx]
        capacity = float(y @ np.concatenate([money_left / self._scale, count_hi_left]))
        capacity = capacity * (1 + 1e-9) + 1e-9  # a float surrogate must never cut off a feasible set
        sub_scores = scores[free_idx]
        ratio = np.where(weights > 0, sub_scores / np.maximum(weights, 1e-300), np.inf)
        ratio = np.where(sub_scores > 0, ratio, -np.inf)
        order = np.argsort(-ratio, kind="stable").astype(np.int64)
        start_x = start[free_idx] if start is not None else np.zeros(len(free), dtype=np.int64)
        start_value = float(sub_scores @ start_x) if start is not None else -np.inf
        best, complete = _search(sub_scores, np.ascontiguousarray(self.costs[:, free_idx]),
                                 money_left.astype(np.int64), np.ascontiguousarray(self.counts[:, free_idx]), count_hi_left.astype(np.int64),
                                 count_lo_left.astype(np.int64), weights, capacity, order, start_x.astype(np.int64),
                                 start_value, node_limit)
        if not complete:
            return None, False
        if best[0] < 0:  # no feasible set at all
            return (None if start is None else start), True
        base[free_idx] = best
        return base, True

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


def reduced_full(n: int, free: np.ndarray, reduced: np.ndarray) -> np.ndarray:
    full = np.zeros(n)
    full[free] = reduced
    return full


@njit(cache=True)
def _search(scores, costs, money_left, counts, hi_left, lo_left, weights, capacity, order, start_x, start_value,
            node_limit):
    """Depth-first branch and bound over items in ``order`` (best score per surrogate weight first).

    Bound: the value so far plus the fractional (Dantzig) knapsack on the surrogate row ``weights·x ≤ capacity``
    over the items still open that fit every row now. Returns (best 0/1 vector or [-1], finished within the limit).
    A node is pruned unless it can beat the best set found by more than 1e-9; the incumbent ``start_x`` is kept
    on ties, so the answer is an optimum."""
    n = order.shape[0]
    k = costs.shape[0]
    m = counts.shape[0]
    x = np.zeros(n, np.int64)
    best = start_x.copy()
    best_value = start_value
    found = start_value > -np.inf
    state = np.zeros(n + 1, np.int64)
    spent = np.zeros(k, np.int64)
    counted = np.zeros(m, np.int64)
    value = 0.0
    used = 0.0
    nodes = 0
    # suffix[r, t]: how much the items from position t on could still add to count row r (for the minimums)
    suffix = np.zeros((m, n + 1), np.int64)
    for t in range(n - 1, -1, -1):
        for r in range(m):
            suffix[r, t] = suffix[r, t + 1] + counts[r, order[t]]
    d = 0
    while d >= 0:
        if d == n:
            ok = True
            for r in range(m):
                if counted[r] < lo_left[r]:
                    ok = False
                    break
            if ok and value > best_value + 1e-9:
                best_value = value
                best[:] = x
                found = True
            d -= 1
            continue
        j = order[d]
        st = state[d]
        if st == 0:
            nodes += 1
            if nodes > node_limit:
                return best, False
            reachable = True
            for r in range(m):
                if counted[r] + suffix[r, d] < lo_left[r]:
                    reachable = False
                    break
            if not reachable:
                d -= 1
                continue
            # the bound
            bound = value
            left = capacity - used
            for t in range(d, n):
                i = order[t]
                if scores[i] <= 0:
                    break
                fits = True
                for r in range(k):
                    if spent[r] + costs[r, i] > money_left[r]:
                        fits = False
                        break
                if not fits:
                    continue
                if weights[i] <= left:
                    bound += scores[i]
                    left -= weights[i]
                else:
                    bound += scores[i] * left / weights[i]
                    break
            if bound <= best_value + 1e-9:
                d -= 1
                continue
            state[d] = 1
            fits = True
            for r in range(k):
                if spent[r] + costs[r, j] > money_left[r]:
                    fits = False
                    break
            if fits:
                for r in range(m):
                    if counted[r] + counts[r, j] > hi_left[r]:
                        fits = False
                        break
            if fits:
                x[j] = 1
                for r in range(k):
                    spent[r] += costs[r, j]
                for r in range(m):
                    counted[r] += counts[r, j]
                value += scores[j]
                used += weights[j]
                state[d + 1] = 0
                d += 1
                continue
            st = 1
        if st == 1:
            if x[j] == 1:
                x[j] = 0
                for r in range(k):
                    spent[r] -= costs[r, j]
                for r in range(m):
                    counted[r] -= counts[r, j]
                value -= scores[j]
                used -= weights[j]
            state[d] = 2
            state[d + 1] = 0
            d += 1
            continue
        d -= 1
    if not found:
        best[0] = -1
    return best, True
