"""The selection problem as data: the candidates, the delegation's constraints, and the 0/1 programme over them,
solved exactly as a mixed-integer programme (scipy.optimize.milp / HiGHS). :mod:`selection_core` solves the same
model much faster when it is solved many times; this MILP is its reference and its last resort.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from segreform.programme.errors import ProgrammeError

SCORE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Candidate:
    """One application as the solver sees it."""

    application_id: int
    label: str
    score: float
    costs: dict[int, int]  # year -> öre requested that year
    areas: tuple[str, ...]
    county: str
    reform: str = ""
    quality: float | None = None  # mean review score 0–100 (``score`` is the objective it enters)
    need: float | None = None  # measured need 0–100
    reviewer_scores: tuple[float, ...] = ()  # each complete review's score, for the stability bootstrap


@dataclass
class Constraints:
    """What the delegation sets for a selection run. Budgets are öre available per year."""

    budgets: dict[int, int]
    min_per_area: dict[str, int] = field(default_factory=dict)
    max_per_area: dict[str, int] = field(default_factory=dict)
    max_per_county: int | None = None
    reform_budgets: dict[tuple[int, str], int] = field(default_factory=dict)

    def limits(self) -> dict[tuple[int, str | None], int]:
        """Every money limit: (year, None) for a year's frame, (year, reform) for a reform's budget line."""
        return {**{(y, None): b for y, b in self.budgets.items()}, **self.reform_budgets}

    def as_json(self) -> dict:
        return {"budgets": {str(y): b for y, b in self.budgets.items()},
                "reform_budgets": {f"{y}:{r}": b for (y, r), b in self.reform_budgets.items()},
                "min_per_area": self.min_per_area,
                "max_per_area": self.max_per_area, "max_per_county": self.max_per_county}


class SelectionModel:
    """The 0/1 programme for a list of candidates; ``solve`` may pin variables in or out."""

    def __init__(self, candidates: list[Candidate], constraints: Constraints):
        self.candidates, self.constraints = candidates, constraints
        n = len(candidates)
        rows, lower, upper = [], [], []
        self.limits = constraints.limits()
        self.budget_rows: list[tuple[tuple[int, str | None], np.ndarray]] = []
        for key in sorted(self.limits, key=lambda k: (k[0], k[1] or "")):
            year, reform = key
            costs = np.array([c.costs.get(year, 0) if reform in (None, c.reform) else 0 for c in candidates],
                             dtype=np.int64)
            self.budget_rows.append((key, costs))
        for code in sorted(set(constraints.min_per_area) | set(constraints.max_per_area)):
            rows.append([1.0 if code in c.areas else 0.0 for c in candidates])
            lower.append(constraints.min_per_area.get(code, 0))
            upper.append(constraints.max_per_area.get(code, n))
        if constraints.max_per_county is not None:
            for county in sorted({c.county for c in candidates}):
                rows.append([1.0 if c.county == county else 0.0 for c in candidates])
                lower.append(0)
                upper.append(constraints.max_per_county)
        self.count_rows = (np.array(rows), np.array(lower, float), np.array(upper, float)) if rows else None
        self.scores = np.array([c.score for c in candidates], dtype=float)

    def solve(self, pinned: dict[int, int] | None = None) -> np.ndarray | None:
        """The best 0/1 vector, or None when no set satisfies the constraints (with the pins)."""
        n = len(self.candidates)
        if n == 0:
            return np.zeros(0, dtype=int)
        lo, hi = np.zeros(n), np.ones(n)
        for index, value in (pinned or {}).items():
            lo[index] = hi[index] = value
        bounds = Bounds(lo, hi)
        # HiGHS works in floating point and accepts x = 0.9999999 as integral, spending that sliver of a budget.
        # Every answer is re-checked in integer öre; an overshoot tightens that budget (doubling the margin, a few
        # hundred öre on a 250 MSEK frame) until the answer fits exactly.
        slack = {key: 0 for key, _ in self.budget_rows}
        for _ in range(20):
            chosen = self._milp(bounds, slack)
            if chosen is None:
                return None
            over = self._overshoot(chosen)
            if all(v <= 0 for v in over.values()):
                break
            for key, excess in over.items():
                if excess > 0:
                    slack[key] = max(2 * slack[key], excess)
        else:
            raise ProgrammeError("the solver could not meet the budget exactly; report this as a bug")
        # A tightened budget could hide a better set inside the margin: ask for a strictly better one at the full
        # budget and take it only if it fits exactly. None means the answer is optimal.
        for _ in range(len(self.candidates) if any(slack.values()) else 0):
            current = float(self.scores @ chosen)
            better = self._milp(bounds, {key: 0 for key in slack}, current + SCORE_TOLERANCE)
            if (better is None or float(self.scores @ better) <= current + SCORE_TOLERANCE / 2
                    or any(v > 0 for v in self._overshoot(better).values())):
                break
            chosen = better
        return chosen

    def _milp(self, bounds: Bounds, slack: dict, min_score: float | None = None) -> np.ndarray | None:
        constraints = []
        for key, costs in self.budget_rows:
            budget = self.limits[key] - slack[key]
            if budget < 0:
                return None
            scale = max(budget, 1)
            constraints.append(LinearConstraint(costs / scale, -np.inf, budget / scale))
        if self.count_rows is not None:
            constraints.append(LinearConstraint(*self.count_rows))
        if min_score is not None:
            constraints.append(LinearConstraint(self.scores, min_score, np.inf))
        result = milp(-self.scores, integrality=np.ones(len(self.candidates)), bounds=bounds,
                      constraints=constraints, options={"mip_rel_gap": 0})
        return None if result.x is None else np.round(result.x).astype(int)

    def _overshoot(self, chosen: np.ndarray) -> dict:
        return {key: int(costs @ chosen) - self.limits[key] for key, costs in self.budget_rows}
