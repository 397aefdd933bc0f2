"""An exact 0/1 solver for selection that is fast when it is solved many times (explanations, stability draws).

Selection is a knapsack with few rows: a money row per year frame and reform line, and a few count rows (per
development area, per county). Its LP relaxation gives a dual vector ``y`` and so, for every application, a reduced
score ``r_j = s_j - (Aᵀy)_j``. Weak duality bounds every feasible 0/1 set ``x``:

    s·x  ≤  U(y) - Σ_{r_j>0} r_j (1 - x_j) + Σ_{r_j<0} r_j x_j,      U(y) = y·b + Σ_j max(r_j, 0)

for ANY ``y ≥ 0`` (it does not rely on the LP solver's accuracy: ``U`` and ``r`` are recomputed from ``y``). With a
feasible incumbent of value ``L`` (greedy, or the previous draw's optimum: a warm start), an application whose flip
costs more than ``U - L`` is fixed, because every set with it flipped is strictly worse than the incumbent. What is
left (the "core", usually a handful of applications near the budget's edge) is enumerated exactly in integer öre,
or, when it is larger than ``ENUMERATION_LIMIT``, handed to the MILP (``SelectionModel``) with the fixings pinned.
So the answer is always an optimum of the same problem; tests compare it with the MILP and brute force.
"""

from __future__ import annotations

import copy

import numpy as np
from scipy.optimize import linprog

from segreform.programme.selection_search import (greedy_fill, ratio_order, search, search_draws,
                                                    search_pinned)

ENUMERATION_LIMIT = 12
NODE_LIMIT = 2_000_000
QUICK_NODE_LIMIT = 50_000
PRICE_TRIALS = 5  # stability draws whose LP prices are tried as the surrogate, beside the decision's
PILOT_DRAWS = 8  # draws searched with each to choose
FIX_TOLERANCE = 1e-7  # score units (0–100 scale): a flip must lose more than this to be fixed


class CoreSolver:
    """Solves the :class:`~segreform.programme.selection_model.SelectionModel` for any score vector."""

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
        self._surrogate_rows = np.vstack([self.costs / scale[:, None], self.counts.astype(float)])

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
        greedy_fill(np.asarray(scores, dtype=float), self.costs, self.limits, self.counts, self.count_hi, x, free,
                    np.asarray(order, dtype=np.int64), spent.astype(np.int64), counted.astype(np.int64))
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
        # First with the cached prices and a small node budget; then the longer path (``_solve_hard``).
        found, complete = self._branch_and_bound(scores, pinned, free, start, QUICK_NODE_LIMIT)
        if complete:
            return found
        return self._solve_hard(scores, pinned, start)

    def solve_many(self, score_rows: np.ndarray, start: np.ndarray) -> np.ndarray:
        """An optimal 0/1 vector for each row of ``score_rows`` (one row per stability draw), each searched from the
        feasible set ``start`` in one compiled call that spreads the draws over the CPU cores (each draw is
        independent, and starting each from the same ``start`` makes the answer the same however the draws are
        scheduled). A draw whose search hits the node limit is finished by :meth:`solve`'s longer path."""
        score_rows = np.ascontiguousarray(score_rows, dtype=float)
        start = np.asarray(start, dtype=np.int64)
        if self.n == 0 or len(score_rows) == 0:
            return np.zeros((len(score_rows), self.n), dtype=np.int64)
        weights, capacity = self._draw_surrogate(score_rows, start)
        chosen, complete, _ = search_draws(score_rows, self.costs, self.limits, self.counts, self.count_hi,
                                           self.count_lo, weights, capacity, start, NODE_LIMIT)
        for d in np.flatnonzero(~complete):  # the best set the search found: a close incumbent, a small core
            chosen[d] = self._solve_hard(score_rows[d], {}, chosen[d])
        return chosen

    def solve_flips(self, scores: np.ndarray, best: np.ndarray) -> list[np.ndarray | None]:
        """For each application, an optimal 0/1 vector with that application flipped from ``best`` (None when no
        set has it so): :meth:`solve` with one pin for each, warm-started the same way, searched in one compiled
        call over the CPU cores."""
        scores = np.asarray(scores, dtype=float)
        if self.n - 1 <= ENUMERATION_LIMIT:
            return [self.solve(scores, {i: 1 - int(best[i])}, warm=self._flipped(best, i)) for i in range(self.n)]
        y = self.multipliers(scores)
        values = (1 - np.asarray(best, dtype=np.int64)).astype(np.int64)
        starts = np.zeros((self.n, self.n), dtype=np.int64)
        has_start = np.zeros(self.n, dtype=bool)
        capacities = np.zeros(self.n)
        for i in range(self.n):
            pinned = {i: int(values[i])}
            flipped = self._flipped(best, i)
            start = flipped if self.feasible(flipped) else self.greedy(scores, pinned)
            if start is not None:
                starts[i], has_start[i] = start, True
            capacities[i] = self._capacity(y, self.limits - values[i] * self.costs[:, i],
                                           self.count_hi - values[i] * self.counts[:, i])
        chosen, status = search_pinned(scores, self.costs, self.limits, self.counts, self.count_hi, self.count_lo,
                                       self._surrogate, capacities, np.arange(self.n, dtype=np.int64), values,
                                       starts, has_start, QUICK_NODE_LIMIT)
        answers = []
        for i in range(self.n):
            if status[i] == 0:
                answers.append(chosen[i])
            elif status[i] == 2:
                answers.append(None)
            else:
                answers.append(self._solve_hard(scores, {i: int(values[i])}, starts[i] if has_start[i] else None))
        return answers

    @staticmethod
    def _flipped(best: np.ndarray, i: int) -> np.ndarray:
        flipped = np.asarray(best, dtype=np.int64).copy()
        flipped[i] = 1 - flipped[i]
        return flipped

    def _draw_surrogate(self, score_rows: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, float]:
        """The surrogate row for a batch of draws: the LP prices of one of a few score vectors (the decision's and
        the first draws'), whichever searches a pilot sample of draws in the fewest nodes. Every choice is exact;
        the speed is not: measured on the benchmark, one draw's prices let nine searches in ten finish within
        the quick node budget, another's one in four."""
        candidates = [self.multipliers(score_rows[0])] + [self._lp_prices(row) for row in score_rows[:PRICE_TRIALS]]
        best = None
        pilot = score_rows[-PILOT_DRAWS:]
        for y in candidates:
            weights = y @ self._surrogate_rows
            capacity = self._capacity(y, self.limits, self.count_hi)
            _, _, nodes = search_draws(pilot, self.costs, self.limits, self.counts, self.count_hi, self.count_lo,
                                       weights, capacity, start, QUICK_NODE_LIMIT)
            if best is None or nodes.sum() < best[0]:
                best = (nodes.sum(), weights, capacity)
        return best[1], best[2]

    def _capacity(self, y: np.ndarray, money_left: np.ndarray, count_hi_left: np.ndarray) -> float:
        capacity = float(y @ np.concatenate([money_left / self._scale, count_hi_left]))
        return capacity * (1 + 1e-9) + 1e-9  # a float surrogate must never cut off a feasible set

    def _solve_hard(self, scores, pinned, start) -> np.ndarray | None:
        """When the quick search's bound is too loose for these scores: fresh LP prices fix every application the
        LP bound proves in or out, a longer search over the rest, and only then the MILP."""
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
            self._multipliers = self._lp_prices(scores)
            self._surrogate = self._multipliers @ self._surrogate_rows
        return self._multipliers

    def _lp_prices(self, scores: np.ndarray) -> np.ndarray:
        result = linprog(-scores, A_ub=self._lp_rows, b_ub=self._lp_rhs, bounds=(0, 1), method="highs")
        k_upper = self.costs.shape[0] + self.counts.shape[0]
        if result.status != 0:
            return np.ones(k_upper)
        return np.maximum(-np.asarray(result.ineqlin.marginals), 0.0)[:k_upper]

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
        capacity = self._capacity(y, money_left, count_hi_left)
        sub_scores = scores[free_idx]
        order = ratio_order(sub_scores, weights)
        start_x = start[free_idx] if start is not None else np.zeros(len(free), dtype=np.int64)
        start_value = float(sub_scores @ start_x) if start is not None else -np.inf
        best, complete, _ = search(sub_scores, np.ascontiguousarray(self.costs[:, free_idx]),
                                   money_left.astype(np.int64), np.ascontiguousarray(self.counts[:, free_idx]),
                                   count_hi_left.astype(np.int64), count_lo_left.astype(np.int64), weights, capacity,
                                   order, start_x.astype(np.int64), start_value, node_limit)
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
