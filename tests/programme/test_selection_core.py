"""The fast exact solver gives the MILP's optimum (and brute force's), with pins, and stability is seeded."""

import itertools
import random

import numpy as np
import pytest

from segreform.programme import selection_core
from segreform.programme.selection import Candidate, Constraints, _Model
from segreform.programme.selection_core import CoreSolver
from segreform.programme.stability import selection_probabilities

MSEK = 100_000_000


def _instance(rng, n, hard):
    candidates = []
    for i in range(n):
        years = rng.randint(1, 3)
        per_year = rng.randint(1, 30) * MSEK // 10 + rng.randint(0, 99)
        candidates.append(Candidate(i, f"#{i}", round(rng.uniform(10, 100), 3),
                                    {2026 + k: per_year for k in range(years)},
                                    tuple(rng.sample(["school", "work", "crime"], rng.randint(1, 2))),
                                    rng.choice("ABCD"), rng.choice(["r02", "r09"])))
    asked = {y: sum(c.costs.get(y, 0) for c in candidates) for y in (2026, 2027, 2028)}
    budgets = {y: max(asked[y] // 3, 1) + rng.randint(0, 99) for y in asked}
    lines = {(y, r): budgets[y] // 2 for y in budgets for r in ("r02", "r09")}
    if hard:
        return candidates, Constraints(budgets, min_per_area={"crime": 2}, max_per_area={"school": n // 3},
                                       max_per_county=n // 4, reform_budgets=lines)
    return candidates, Constraints(budgets, reform_budgets=lines)


def _brute(model):
    best = None
    solver = CoreSolver(model)
    for mask in itertools.product((0, 1), repeat=len(model.candidates)):
        x = np.array(mask, dtype=np.int64)
        if solver.feasible(x):
            best = max(best if best is not None else -np.inf, float(model.scores @ x))
    return best


@pytest.mark.parametrize("seed", range(8))
def test_branch_and_bound_equals_brute_force(seed, monkeypatch):
    monkeypatch.setattr(selection_core, "ENUMERATION_LIMIT", 0)  # force the search, not the enumeration
    rng = random.Random(seed)
    candidates, constraints = _instance(rng, 11, hard=seed % 2 == 1)
    model = _Model(candidates, constraints)
    expected = _brute(model)
    got = CoreSolver(model).solve(model.scores)
    if expected is None:
        assert got is None
        return
    assert CoreSolver(model).feasible(got)  # exact, in integer öre and counts
    assert float(model.scores @ got) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("hard", [False, True])
def test_core_solver_equals_the_milp_with_pins_and_new_scores(hard):
    rng = random.Random(42 + hard)
    candidates, constraints = _instance(rng, 60, hard)
    model = _Model(candidates, constraints)
    solver = CoreSolver(model)
    checks = [(model.scores, {})] + [(model.scores, {i: rng.randint(0, 1)}) for i in rng.sample(range(60), 6)]
    nprng = np.random.default_rng(3)
    checks += [(model.scores + nprng.normal(0, 5, 60), {}) for _ in range(4)]
    for scores, pins in checks:
        milp = _Model(candidates, constraints)
        milp.scores = np.asarray(scores, float)
        expected = milp.solve(pins)
        got = solver.solve(scores, pins)
        if expected is None:
            assert got is None
            continue
        assert solver.feasible(got) and all(got[j] == v for j, v in pins.items())
        assert float(scores @ got) == pytest.approx(float(scores @ expected), abs=1e-6)


def test_stability_is_seeded_and_moves_only_with_reviewer_disagreement():
    # Two applications compete for one place; A's reviewers agree (60), B's disagree (40 or 80: mean 60 ± bootstrap).
    candidates = [Candidate(1, "A", 60.0, {2026: 5 * MSEK}, ("school",), "01", "r09", quality=60.0, need=0.0,
                            reviewer_scores=(60.0, 60.0)),
                  Candidate(2, "B", 60.0, {2026: 5 * MSEK}, ("school",), "02", "r09", quality=60.0, need=0.0,
                            reviewer_scores=(40.0, 80.0)),
                  Candidate(3, "C", 90.0, {2026: 5 * MSEK}, ("work",), "03", "r09", quality=90.0, need=0.0,
                            reviewer_scores=(90.0,))]
    constraints = Constraints({2026: 10 * MSEK})
    first = selection_probabilities(candidates, constraints, quality_weight=1.0, need_weight=0.0, draws=400, seed=5)
    again = selection_probabilities(candidates, constraints, quality_weight=1.0, need_weight=0.0, draws=400, seed=5)
    assert np.array_equal(first, again)
    assert first[2] == 1.0  # C is always in
    # B's mean is 40 (¼), 60 (½: a tie, the solver's choice) or 80 (¼): it wins at least the 80 draws, loses the 40s
    assert 0.15 < first[1] < 0.85 and first[0] + first[1] == pytest.approx(1.0)


@pytest.mark.parametrize("hard", [False, True])
def test_batched_flips_and_draws_equal_the_milp(hard):
    # The explanations' re-solves (one pin each) and the stability draws are searched in compiled batches over the
    # cores; each answer must still be a MILP optimum, pins respected.
    rng = random.Random(7 + hard)
    candidates, constraints = _instance(rng, 40, hard)
    model = _Model(candidates, constraints)
    solver = CoreSolver(model)
    best = solver.solve(model.scores)
    flips = solver.solve_flips(model.scores, best)
    for i in range(0, 40, 3):
        expected = model.solve({i: 1 - int(best[i])})
        if expected is None:
            assert flips[i] is None
            continue
        assert flips[i] is not None and flips[i][i] == 1 - best[i] and solver.feasible(flips[i])
        assert float(model.scores @ flips[i]) == pytest.approx(float(model.scores @ expected), abs=1e-6)
    rows = model.scores + np.random.default_rng(5).normal(0, 8, (12, 40))
    chosen = solver.solve_many(rows, best)
    for scores, got in zip(rows[::3], chosen[::3]):
        milp = _Model(candidates, constraints)
        milp.scores = scores
        expected = milp.solve()
        assert solver.feasible(got)
        assert float(scores @ got) == pytest.approx(float(scores @ expected), abs=1e-6)
