"""Fast area (cluster) bootstrap: every index of a draw from per-area sufficient statistics.

Resampling areas with replacement and running the generic kernels on the resampled table
(``counts[picks]``) gathers and re-aggregates draws x areas rows. But an area picked m times in a
draw is, for every aspatial index, the same as that area once with m times its counts: its
within-area shares ``p_i`` do not change. A draw is therefore fully described by the
multiplicities ``W`` (draws x areas), and

* segment totals are ``W @ counts``;
* isolation, exposure, correlation ratio, Atkinson, Theil's H (entropy), M, H and the
  squared-deviation indices are sums over areas of a per-area term fixed once per segment:
  ``W @ h``;
* D and multigroup D need ``sum_i w_i t_i |p_i - P|`` with a ``P`` that changes per draw: one
  compiled pass over the areas per draw;
* Gini needs ``sum_ij w_i w_j t_i t_j |p_i - p_j|``: one compiled pass per draw over the areas,
  sorted by ``p`` once per segment.

The picks are the same random numbers as the generic path's
(:func:`segreform.measure.inference.area_bootstrap_tables` calls :func:`draw_area_picks` too), so
the draws equal the generic path's up to rounding (tested to 1e-12). Memory per block is
linear in the number of areas: ``W`` has as many cells as the generic table has rows.
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import Callable, Mapping, Sequence

import numba
import numpy as np

from segreform.measure import multigroup, twogroup
from segreform.measure.kernels import Segments, compute_prepared, prepare


def draw_area_picks(n_areas: int, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """Positions of the areas of ``n_draws`` resamples with replacement, draw after draw: ``(n_draws * n_areas,)``."""
    return rng.integers(0, n_areas, size=n_draws * n_areas)


@numba.njit(cache=False, nogil=True)
def _count_picks(picks: np.ndarray, x: np.ndarray, weights: np.ndarray, totals: np.ndarray) -> None:
    """Fill ``weights`` ``(draws, n_areas)`` with how often each area was picked in each draw, and
    ``totals`` ``(draws, K)`` with each draw's group totals.

    The totals are summed here, while the draw's row of ``weights`` is still in cache, rather than
    as ``weights @ x``: BLAS is not faster on this skinny product and competes for the cores.
    """
    n_areas, n_groups = x.shape
    for d in range(weights.shape[0]):
        weights[d, :] = 0.0
        totals[d, :] = 0.0
        for j in range(d * n_areas, (d + 1) * n_areas):
            weights[d, picks[j]] += 1.0
        for i in range(n_areas):
            for k in range(n_groups):
                totals[d, k] += weights[d, i] * x[i, k]


@numba.njit(cache=False, nogil=True)
def _absolute_deviation_sums(weights: np.ndarray, t: np.ndarray, p: np.ndarray, P: np.ndarray) -> np.ndarray:
    """``(n_draws, K)``: ``sum_i w_di t_i |p_ik - P_dk|``, skipping areas absent from the draw."""
    n_draws, n_areas = weights.shape
    n_groups = p.shape[1]
    out = np.zeros((n_draws, n_groups))
    for d in range(n_draws):
        for k in range(n_groups):
            centre = P[d, k]
            total = 0.0
            # No test for absent areas: their zero weight adds 0, and a branch here mispredicts.
            for i in range(n_areas):
                total += weights[d, i] * t[i] * abs(p[i, k] - centre)
            out[d, k] = total
    return out


@numba.njit(cache=False, nogil=True)
def _pair_difference_sums(weights: np.ndarray, t: np.ndarray, p: np.ndarray, order: np.ndarray) -> np.ndarray:
    """``(n_draws, K)``: ``sum_ij w_di w_dj t_i t_j |p_ik - p_jk|``; ``order[k]`` sorts ``p[:, k]`` ascending.

    Same running-sum scheme as :func:`segreform.measure._pairwise.weighted_abs_diff_sums`, with
    the sort done once for all draws because ``p`` does not change between draws.
    """
    n_draws, n_areas = weights.shape
    n_groups = p.shape[1]
    out = np.zeros((n_draws, n_groups))
    for d in range(n_draws):
        for k in range(n_groups):
            weight_below = 0.0
            weighted_value_below = 0.0
            total = 0.0
            for r in range(n_areas):
                j = order[k, r]
                w = weights[d, j] * t[j]  # 0 for an area absent from the draw: adds nothing
                value = p[j, k]
                total += w * (value * weight_below - weighted_value_below)
                weight_below += w
                weighted_value_below += w * value
            out[d, k] = 2.0 * total
    return out


class WeightedDraws:
    """A block of area-bootstrap draws as area multiplicities, with the attributes index formulas read.

    Duck-types the parts of :class:`segreform.measure.kernels.Segments` that formulas built only
    from per-area terms and segment totals use: ``x``, ``t``, ``p`` are per area (shared by all
    draws), ``N``, ``T``, ``P`` per draw, and :meth:`sum_units` weights per-area terms by the
    multiplicities. ``P_unit``, ``seg`` and ``bounds`` are deliberately absent: a formula needing
    them has its own fast version below.
    """

    def __init__(self, areas: Segments, weights: np.ndarray, totals: np.ndarray, order: np.ndarray | None):
        self.x, self.t, self.p = areas.x, areas.t, areas.p
        self.weights = weights
        self.order = order
        self.n_segments = weights.shape[0]
        # With whole-number counts (the bootstrap requires them) these sums are exact in any order,
        # so P is bit for bit the generic path's P and every "is this defined" test agrees with it.
        # Whatever the counts, N_k = 0 and N_k = T are exact, so the tests agree even then.
        self.N = totals
        self.T = self.N.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.P = np.where(self.T[:, None] > 0, self.N / self.T[:, None], np.nan)

    def sum_units(self, values: np.ndarray) -> np.ndarray:
        """Sum a per-area array ``(n,)`` or ``(n, K)`` over each draw's picks: ``(draws,)`` or ``(draws, K)``."""
        return self.weights @ values

    @cached_property
    def absolute_deviations(self) -> np.ndarray:
        """``(draws, K)``: ``sum_i t_i |p_ik - P_k|`` over each draw's picks."""
        return _absolute_deviation_sums(self.weights, self.t, self.p, self.P)

    @cached_property
    def pair_differences(self) -> np.ndarray:
        """``(draws, K)``: ``sum_ij t_i t_j |p_ik - p_jk|`` over each draw's picks."""
        return _pair_difference_sums(self.weights, self.t, self.p, self.order)

    @cached_property
    def squared_deviations(self) -> np.ndarray:
        """``(draws, K)``: ``sum_i t_i (p_ik - P_k)^2 = sum_i x_ik p_ik - N_k P_k`` (as ``t_i p_ik = x_ik``)."""
        return self.sum_units(self.x * self.p) - self.N * self.P

    @cached_property
    def mutual_information_nat(self) -> np.ndarray:
        """``(draws,)``: M in nats, ``(sum_ik x_ik ln p_ik - sum_k N_k ln P_k) / T`` (``0 ln 0 = 0``)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            per_area = np.where(self.x > 0, self.x * np.log(self.p), 0.0).sum(axis=1)
            per_draw = np.where(self.N > 0, self.N * np.log(self.P), 0.0).sum(axis=1)
        return (self.sum_units(per_area) - per_draw) / self.T


def _dissimilarity(d: WeightedDraws, params: Mapping[str, float]) -> np.ndarray:
    return twogroup._defined(d, d.absolute_deviations / (2 * d.T[:, None] * d.P * (1 - d.P)))


def _gini(d: WeightedDraws, params: Mapping[str, float]) -> np.ndarray:
    return twogroup._defined(d, d.pair_differences / (2 * d.T[:, None] ** 2 * d.P * (1 - d.P)))


def _entropy(d: WeightedDraws, params: Mapping[str, float]) -> np.ndarray:
    E = twogroup._binary_entropy(d.P)
    num = E * d.T[:, None] - d.sum_units(d.t[:, None] * twogroup._binary_entropy(d.p))
    return twogroup._defined(d, num / (E * d.T[:, None]))


def _multi_dissimilarity(d: WeightedDraws, params: Mapping[str, float]) -> np.ndarray:
    num = d.absolute_deviations.sum(axis=1)
    return multigroup._segregation_defined(d, num / (2 * d.T * multigroup._simpson_interaction(d)))


def _multi_gini(d: WeightedDraws, params: Mapping[str, float]) -> np.ndarray:
    num = d.pair_differences.sum(axis=1)
    return multigroup._segregation_defined(d, num / (2 * d.T**2 * multigroup._simpson_interaction(d)))


def _mutual_information(d: WeightedDraws, params: Mapping[str, float]) -> np.ndarray:
    return multigroup._segregation_defined(d, d.mutual_information_nat / np.log(params["base"]))


def _theil_h(d: WeightedDraws, params: Mapping[str, float]) -> np.ndarray:
    return multigroup._segregation_defined(d, d.mutual_information_nat / multigroup._entropy(d))


def _normalized_exposure(d: WeightedDraws, params: Mapping[str, float]) -> np.ndarray:
    per_group = np.where(d.P < 1, d.squared_deviations / (1 - d.P), 0.0)
    return multigroup._segregation_defined(d, per_group.sum(axis=1) / d.T)


def _relative_diversity(d: WeightedDraws, params: Mapping[str, float]) -> np.ndarray:
    num = d.squared_deviations.sum(axis=1)
    return multigroup._segregation_defined(d, num / (d.T * multigroup._simpson_interaction(d)))


def _squared_cv(d: WeightedDraws, params: Mapping[str, float]) -> np.ndarray:
    per_group = np.where(d.P > 0, d.squared_deviations / d.P, 0.0)
    K = multigroup._present_groups(d)
    return multigroup._segregation_defined(d, per_group.sum(axis=1) / ((K - 1) * d.T))


# The library formulas listed by name below read only per-area terms through ``sum_units`` and
# segment totals, so they run unchanged on WeightedDraws; the others need a draw's P inside a
# per-area term (or a sort) and have a fast version above. An index missing here falls back to
# the generic path (tests/measure/test_measure_area_bootstrap.py checks every name both ways).
FAST_FORMULAS: dict[str, Callable[[WeightedDraws, Mapping[str, float]], np.ndarray]] = {
    "dissimilarity": _dissimilarity,
    "gini": _gini,
    "entropy": _entropy,
    "atkinson": twogroup.atkinson,
    "isolation": twogroup.isolation,
    "exposure": twogroup.exposure,
    "correlation_ratio": twogroup.correlation_ratio,
    "multi_dissimilarity": _multi_dissimilarity,
    "multi_gini": _multi_gini,
    "mutual_information": _mutual_information,
    "theil_h": _theil_h,
    "normalized_exposure": _normalized_exposure,
    "relative_diversity": _relative_diversity,
    "squared_cv": _squared_cv,
    "diversity": multigroup.diversity,
    "diversity_normalized": multigroup.diversity_normalized,
    "simpson_concentration": multigroup.simpson_concentration,
    "simpson_interaction": multigroup.simpson_interaction,
}

_SORTED_INDICES = ("gini", "multi_gini")


class AreaResampler:
    """One segment's areas, prepared once for all its area-bootstrap blocks.

    Parameters
    ----------
    counts : float array (n_areas, n_groups)
        The segment's counts (whole numbers: the sums are then exact).
    names : sequence of str
        Index names, already checked (see :func:`segreform.measure.kernels.check_names`).
    params : mapping
        Checked parameters (see :func:`segreform.measure.kernels.check_params`).
    """

    def __init__(self, counts: np.ndarray, names: Sequence[str], params: Mapping[str, float]):
        self.counts = np.asarray(counts, dtype=np.float64)
        self.names = list(names)
        self.params = params
        self.fast_names = [n for n in self.names if n in FAST_FORMULAS]
        self.generic_names = [n for n in self.names if n not in FAST_FORMULAS]
        self.areas = prepare(self.counts)
        self.order = None
        if any(n in _SORTED_INDICES for n in self.fast_names):
            self.order = np.ascontiguousarray(np.argsort(self.areas.p, axis=0, kind="mergesort").T)
        self._buffers = threading.local()

    def _multiplicity_buffers(self, n_draws: int) -> tuple[np.ndarray, np.ndarray]:
        """This thread's ``(weights, totals)`` arrays for ``n_draws`` draws, reused from block to block.

        Why: a fresh draws x areas array per block costs as much in page faults as filling it.
        Formulas return new arrays, so nothing handed back by :meth:`block` points into these.
        """
        held = getattr(self._buffers, "arrays", None)
        if held is None or held[0].shape[0] < n_draws:
            held = (np.empty((n_draws, self.counts.shape[0])), np.empty((n_draws, self.counts.shape[1])))
            self._buffers.arrays = held
        return held[0][:n_draws], held[1][:n_draws]

    def block(self, n_draws: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Indices of ``n_draws`` area resamples drawn from ``rng``: name -> ``(n_draws,)`` or ``(n_draws, K)``."""
        n_areas = self.counts.shape[0]
        picks = draw_area_picks(n_areas, n_draws, rng)
        out: dict[str, np.ndarray] = {}
        if self.fast_names:
            weights, totals = self._multiplicity_buffers(n_draws)
            _count_picks(picks, self.areas.x, weights, totals)
            draws = WeightedDraws(self.areas, weights, totals, self.order)
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                for name in self.fast_names:
                    out[name] = FAST_FORMULAS[name](draws, self.params)
        if self.generic_names:
            ids = np.repeat(np.arange(n_draws), n_areas)
            out.update(compute_prepared(prepare(self.counts[picks], ids, n_draws), self.generic_names, self.params))
        return {name: out[name] for name in self.names}
