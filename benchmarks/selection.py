"""Selection explanations and 1,000 stability draws for 200 applications: before (one MILP per solve) and after
(the exact core solver: LP duality fixing + integer enumeration, warm-started).

Random instances shaped like a programme year: 200 applications of one to three years (0.1–2.9 MSEK a year), three
reform lines, year frames at about a third of what is asked (each reform line 40 % of the frame), three reviewers
per application, objective 0.6 × review + 0.4 × need. ``--hard`` adds the delegation's optional count limits (a
minimum of 3 per development area, at most 6 per county), which make the search much larger. Both methods must give the same
optimum on every solve they share (checked here as well as in tests/programme/test_selection_core.py). Nothing is
asserted; the target (issue 10) is explanations + 1,000 draws in 5 s or less. Run it by hand:

    python benchmarks/selection.py [--applications 200] [--draws 1000] [--before-draws 20] [--seed 1]

"Before" runs the MILP for every explanation and ``--before-draws`` stability draws, and scales the draws to 1,000
(a full 1,000 MILP draws would take many minutes); the per-solve times are printed so the scaling can be checked.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from segreform.programme.selection import Candidate, Constraints, _Model, select_applications
from segreform.programme.selection_core import CoreSolver
from segreform.programme.stability import resampled_quality, selection_probabilities

MSEK = 100_000_000
AREAS = ("housing", "school", "work", "democracy", "crime")
REFORMS = ("r02", "r05", "r09")


def instance(n: int, seed: int, hard: bool = False) -> tuple[list[Candidate], Constraints]:
    rng = np.random.default_rng(seed)
    candidates = []
    for i in range(n):
        reviewers = tuple(float(v) for v in rng.uniform(30, 95, 3).round(1))
        quality, need = float(np.mean(reviewers)), float(rng.uniform(0, 100))
        start, years = 2026, int(rng.integers(1, 4))
        per_year = int(rng.integers(1, 30)) * MSEK // 10 + int(rng.integers(0, 100))
        areas = tuple(rng.choice(AREAS, size=int(rng.integers(1, 3)), replace=False))
        candidates.append(Candidate(i, f"#{i}", 0.6 * quality + 0.4 * need,
                                    {start + k: per_year for k in range(years)}, areas,
                                    f"{int(rng.integers(1, 22)):02d}", str(rng.choice(REFORMS)),
                                    quality=quality, need=need, reviewer_scores=reviewers))
    asked = {y: sum(c.costs.get(y, 0) for c in candidates) for y in (2026, 2027, 2028)}
    budgets = {y: asked[y] // 3 for y in asked}
    reform_budgets = {(y, r): budgets[y] * 2 // 5 for y in budgets for r in REFORMS}
    if not hard:
        return candidates, Constraints(budgets, reform_budgets=reform_budgets)
    return candidates, Constraints(budgets, min_per_area={a: 3 for a in AREAS}, max_per_county=6,
                                   reform_budgets=reform_budgets)


def before(candidates, constraints, draws: int) -> tuple[float, float, list[float]]:
    model = _Model(candidates, constraints)
    start = time.perf_counter()
    best = model.solve()
    optima = [float(model.scores @ best)]
    for i in range(len(candidates)):
        alt = model.solve({i: 0 if best[i] else 1})
        optima.append(float(model.scores @ alt) if alt is not None else float("nan"))
    explain = time.perf_counter() - start
    rng = np.random.default_rng(7)
    quality = resampled_quality(candidates, draws, rng)
    need = np.array([c.need for c in candidates])
    start = time.perf_counter()
    for d in range(draws):
        model.scores = 0.6 * quality[d] + 0.4 * need
        chosen = model.solve()
        optima.append(float(model.scores @ chosen))
    return explain, (time.perf_counter() - start), optima


def after_optima(candidates, constraints, draws: int) -> list[float]:
    model = _Model(candidates, constraints)
    solver = CoreSolver(model)
    best = solver.solve(model.scores)
    optima = [float(model.scores @ best)]
    for alt in solver.solve_flips(model.scores, best):  # the explanations' path
        optima.append(float(model.scores @ alt) if alt is not None else float("nan"))
    rng = np.random.default_rng(7)
    quality = resampled_quality(candidates, draws, rng)
    need = np.array([c.need for c in candidates])
    scores = 0.6 * quality + 0.4 * need[None, :]
    for row, chosen in zip(scores, solver.solve_many(scores, best)):  # the stability draws' path
        optima.append(float(row @ chosen))
    return optima


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=200)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--before-draws", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hard", action="store_true", help="add a minimum per area and a cap per county")
    args = parser.parse_args()
    candidates, constraints = instance(args.applications, args.seed, args.hard)
    print(f"{args.applications} applications, {len(constraints.limits())} money limits, "
          f"{len(constraints.min_per_area)} area minimums, county cap {constraints.max_per_county}")
    select_applications(*instance(20, 0))  # compile the search once (numba caches it on disk afterwards)

    start = time.perf_counter()
    result = select_applications(candidates, constraints)
    explain_after = time.perf_counter() - start
    start = time.perf_counter()
    probabilities = selection_probabilities(candidates, constraints, quality_weight=0.6, need_weight=0.4,
                                            draws=args.draws, seed=args.seed)
    draws_after = time.perf_counter() - start
    print(f"after : explanations {explain_after:6.2f} s + {args.draws} stability draws {draws_after:6.2f} s "
          f"= {explain_after + draws_after:6.2f} s  (target <= 5 s: ratio {(explain_after + draws_after) / 5:.2f})")
    print(f"        selected {len(result.selected_ids)}; probabilities strictly between 0 and 1: "
          f"{int(((probabilities > 0) & (probabilities < 1)).sum())}")

    if args.before_draws < 0:
        return
    explain_before, draws_before, optima_before = before(candidates, constraints, args.before_draws)
    per_draw = draws_before / max(args.before_draws, 1)
    total_before = explain_before + per_draw * args.draws
    print(f"before: explanations {explain_before:6.2f} s + {args.draws} draws ≈ {per_draw * args.draws:6.1f} s "
          f"(measured {args.before_draws} draws, {per_draw * 1000:.0f} ms each) = {total_before:6.1f} s")
    print(f"speed-up: {total_before / (explain_after + draws_after):.0f}× (before / after)")
    optima_after = after_optima(candidates, constraints, args.before_draws)
    same = np.allclose(optima_before, optima_after, atol=1e-6, equal_nan=True)
    print(f"same optimum on all {len(optima_after)} shared solves (explanations + {args.before_draws} draws): {same}")


if __name__ == "__main__":
    main()
