"""The fused one-pass sums equal exactly rounded sums (math.fsum / fractions), on both paths."""

import math
from fractions import Fraction

import numpy as np
import pytest

from segreform.measure import fused
from segreform.measure.kernels import compute_segments, prepare


def exact_indices(x, t):
    """Dissimilarity, isolation, exposure and sum t (p - P)^2 / (T P) computed in rational arithmetic."""
    X, T = Fraction(int(x.sum())), Fraction(int(t.sum()))
    P = X / T
    absdev = isolation = squared = exposure = Fraction(0)
    for xi, ti in zip(x, t):
        if ti == 0:
            continue
        xi, ti = int(xi), int(ti)  # plain ints: numpy floats would turn the Fractions into floats
        p = Fraction(xi, ti)
        absdev += ti * abs(p - P)
        isolation += xi * p
        exposure += xi * (1 - p)
        squared += ti * (p - P) ** 2
    return {
        "dissimilarity": float(absdev / (2 * T * P * (1 - P))),
        "isolation": float(isolation / X),
        "exposure": float(exposure / X),
        "correlation_ratio": float((isolation / X - P) / (1 - P)),
    }


@pytest.mark.parametrize("rows", [500, fused.HISTOGRAM_MIN_ROWS + 5_000])  # direct loop, (x, t) histogram
def test_indices_equal_exact_values(rows):
    rng = np.random.default_rng(rows)
    counts = rng.integers(0, 40, (rows, 3)).astype(float)
    counts[:7] = 0.0
    counts[: rows // 2, 0] += 25  # some segregation
    ours = compute_segments(counts, None, ["dissimilarity", "isolation", "exposure", "correlation_ratio"])
    t = counts.sum(axis=1)
    for k in range(3):
        for name, value in exact_indices(counts[:, k], t).items():
            assert abs(ours[name][0, k] - value) <= 1e-15, (name, k, ours[name][0, k] - value)


def test_mutual_information_sum_is_exactly_rounded():
    rng = np.random.default_rng(8)
    counts = rng.integers(0, 40, (fused.HISTOGRAM_MIN_ROWS + 100, 3)).astype(float)
    seg = prepare(counts)
    t = counts.sum(axis=1)
    for k in range(3):
        # the float terms summed exactly (fsum): the compensated sum agrees to a few roundings
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(t > 0, counts[:, k] / t, 0.0)
            terms = np.where(counts[:, k] > 0, counts[:, k] * (np.log(p) - np.log(seg.P[0, k])), 0.0)
        assert seg.fused(0.5)[fused.MUTUAL, 0, k] == pytest.approx(math.fsum(terms), rel=1e-13)


def test_gini_numerators_are_exact_on_both_paths():
    rng = np.random.default_rng(1)
    big = rng.integers(0, 30, (fused.HISTOGRAM_MIN_ROWS + 10, 2)).astype(float)
    small = big[:3000]
    for counts in (big, small):
        t = counts.sum(axis=1)
        seg = prepare(counts)
        got = seg.pair_differences[0, 0]
        # exact: sort distinct shares as fractions and sum with integers
        weight = {}
        for xi, ti in zip(counts[:, 0], t):
            if ti:
                key = Fraction(int(xi), int(ti))
                weight[key] = weight.get(key, 0) + int(ti)
        keys = sorted(weight)
        below_w, below_wv, total = 0, Fraction(0), Fraction(0)
        for key in keys:
            w = weight[key]
            total += w * (key * below_w - below_wv)
            below_w += w
            below_wv += w * key
        assert got == pytest.approx(float(2 * total), rel=1e-15)


def test_histogram_and_direct_paths_agree_on_every_index():
    rng = np.random.default_rng(2)
    counts = rng.integers(0, 25, (fused.HISTOGRAM_MIN_ROWS + 1000, 4)).astype(float)
    whole = compute_segments(counts, None, "all")  # one big segment: histogram path
    halves = compute_segments(np.vstack([counts, counts[:10]]), np.r_[np.zeros(len(counts), int), np.ones(10, int)], "all")
    nudged = compute_segments(counts * (1 + 2**-40), None, "all")  # not whole counts: direct path
    for name, value in whole.items():
        np.testing.assert_allclose(halves[name][0], value[0], rtol=1e-14, atol=1e-15, err_msg=name)
        np.testing.assert_allclose(nudged[name][0], value[0], rtol=1e-9, atol=1e-12, err_msg=name)
