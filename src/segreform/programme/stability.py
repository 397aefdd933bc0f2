"""Selection stability: how sure is each applicant's place? A bootstrap over reviewers.

Each draw resamples, for every application, its reviewers' scores with replacement (as many as it has), takes
the mean, recombines it with the measured need by the programme's weights, and solves the selection again
exactly (:class:`~segreform.programme.selection_core.CoreSolver`, every draw searched from the decision's own
selection, the draws spread over the CPU cores). The share of draws in which an application is selected is its
probability of selection. Seeded: the same run gives the same numbers, however the draws are scheduled. An
application with one reviewer has no spread to resample, so only the others' draws move it.
"""

from __future__ import annotations

import numpy as np

from segreform.programme.selection_model import Candidate, Constraints, SelectionModel
from segreform.programme.selection_core import CoreSolver


def resampled_quality(candidates: list[Candidate], draws: int, rng: np.random.Generator) -> np.ndarray:
    """``draws × n`` mean review scores, each application's reviewers resampled with replacement."""
    n = len(candidates)
    counts = np.array([len(c.reviewer_scores) for c in candidates], dtype=np.int64)
    width = max(int(counts.max(initial=0)), 1)
    table = np.zeros((n, width))
    for j, c in enumerate(candidates):
        table[j, :counts[j]] = c.reviewer_scores
    safe = np.maximum(counts, 1)
    picks = (rng.random((draws, n, width)) * safe[None, :, None]).astype(np.int64)
    values = np.take_along_axis(np.broadcast_to(table, (draws, n, width)), picks, axis=2)
    used = np.arange(width)[None, None, :] < safe[None, :, None]
    means = (values * used).sum(axis=2) / safe[None, :]
    fixed = np.array([c.quality if c.quality is not None else 0.0 for c in candidates])
    return np.where(counts[None, :] > 0, means, fixed[None, :])


def selection_probabilities(candidates: list[Candidate], constraints: Constraints, *, quality_weight: float,
                            need_weight: float, draws: int = 1000, seed: int = 2017) -> np.ndarray:
    """The share of bootstrap draws in which each candidate is selected (same order as ``candidates``)."""
    if not candidates or draws <= 0:
        return np.zeros(len(candidates))
    model = SelectionModel(candidates, constraints)
    solver = CoreSolver(model)
    rng = np.random.default_rng(seed)
    need = np.array([c.need or 0.0 for c in candidates])
    quality = resampled_quality(candidates, draws, rng)
    # Candidates without reviewer scores keep their objective as given (e.g. built by hand in a script).
    plain = np.array([not c.reviewer_scores for c in candidates])
    scores = np.where(plain[None, :], model.scores[None, :], quality_weight * quality + need_weight * need[None, :])
    start = solver.solve(model.scores)
    if start is None:  # no set meets the constraints, whatever the scores
        return np.zeros(len(candidates))
    return solver.solve_many(scores, start).sum(axis=0) / draws
