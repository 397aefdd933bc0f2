"""Bootstrap of any statistic of a counts table, for the decompositions and the local indices.

Resampling as in :mod:`segreform.measure.inference` (``bootstrap_by="individuals"``): each draw
redistributes a segment's residents over its (area, group) cells with multinomial draws at the
observed cell shares; the statistic is recomputed on every draw and summarised as ``se`` (standard
deviation of the draws) and the percentile interval ``ci_low``/``ci_high`` at level ``ci``.
:func:`segreform.measure.indices` keeps its own segment-vectorised engine; this one recomputes the
whole statistic per draw, which suits statistics that are not a vector of per-segment indices.
"""

from __future__ import annotations

import warnings
from typing import Callable

import numpy as np

from segreform.measure.inference import bootstrap_tables, seed_entropy
from segreform.measure.table import MeasureInputError, checked

BOOTSTRAP_COLUMNS = ("se", "ci_low", "ci_high")


def check_ci(ci: float) -> float:
    if not isinstance(ci, (int, float, np.floating)) or isinstance(ci, bool) or not 0 < ci < 1:
        raise MeasureInputError(f"ci must be between 0 and 1 (e.g. 0.95), got {ci!r}")
    return float(ci)


def resample_within(counts: np.ndarray, segments: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One bootstrap table: the residents of each segment redrawn over that segment's cells."""
    out = counts.copy()
    for segment in np.unique(segments):
        rows = segments == segment
        if counts[rows].sum() > 0:
            out[rows] = bootstrap_tables(counts[rows], 1, rng)
    return out


def bootstrap_statistic(
    statistic: Callable[[np.ndarray], np.ndarray],
    counts: np.ndarray,
    segments: np.ndarray,
    draws: int,
    seed,
    ci: float,
) -> dict[str, np.ndarray]:
    """``se``, ``ci_low`` and ``ci_high`` of ``statistic(counts)`` (a 1-D array) over ``draws`` bootstrap tables.

    ``segments`` gives each row's resampling segment. A draw for which the statistic is undefined
    (it raises :class:`MeasureInputError`) counts as NaN and is left out of the summary.
    """
    ci = check_ci(ci)
    rng = np.random.default_rng(np.random.SeedSequence(checked(seed_entropy, seed)))
    size = len(statistic(counts))
    values = np.full((draws, size), np.nan)
    for d in range(draws):
        try:
            values[d] = statistic(resample_within(counts, segments, rng))
        except MeasureInputError:
            continue
    alpha = (1 - ci) / 2
    with warnings.catch_warnings():  # a column of NaN draws (an undefined index) gives NaN, quietly
        warnings.simplefilter("ignore", RuntimeWarning)
        return {
            "se": np.nanstd(values, axis=0, ddof=1),
            "ci_low": np.nanquantile(values, alpha, axis=0),
            "ci_high": np.nanquantile(values, 1 - alpha, axis=0),
        }
