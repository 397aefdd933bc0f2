"""Bespoke neighbourhoods against a brute-force reading of the rule (ties taken together)."""

import numpy as np
import pytest

from segreform.measure.neighbourhoods import bespoke_shares, bespoke_summary


def brute_force(x, y, counts, ks):
    """Walk every distance level of every location in order; split the level that overshoots k."""
    population = counts.sum(axis=1)
    totals = counts.sum(axis=0)
    grand = totals.sum()
    out = np.full((len(x), len(ks), counts.shape[1]), np.nan)
    for i in range(len(x)):
        dx, dy = x - x[i], y - y[i]
        d2 = dx * dx + dy * dy
        for a, k in enumerate(ks):
            if k >= grand:
                out[i, a] = totals / grand
                continue
            before, got = 0.0, np.zeros(counts.shape[1])
            for level in np.unique(d2):
                at = d2 == level
                level_population = population[at].sum()
                if before + level_population >= k:
                    out[i, a] = (got + (k - before) / level_population * counts[at].sum(axis=0)) / k
                    break
                got += counts[at].sum(axis=0)
                before += level_population
    return out


@pytest.mark.parametrize("seed", range(12))
def test_shares_equal_brute_force_with_ties(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 150))
    # a coarse lattice: many locations share a coordinate or a distance
    x = rng.integers(0, 7, n) * 250.0 + 6_500_000.0
    y = rng.integers(0, 7, n) * 250.0 + 300_000.0
    counts = rng.integers(0, 9, (n, 3)).astype(float)
    counts[rng.random(n) < 0.2] = 0.0  # empty locations are neighbours with nobody in them
    counts[0, 0] += 1
    total = counts.sum()
    ks = np.unique(np.concatenate([rng.integers(1, int(total) + 1, 4), [total, total + 50]])).astype(float)
    ours = bespoke_shares(x, y, counts, ks)
    expected = brute_force(x, y, counts, ks)
    assert np.array_equal(np.isnan(ours), np.isnan(expected))
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-12)
    # k beyond everyone gives the total shares
    np.testing.assert_allclose(ours[:, -1, :], np.broadcast_to(counts.sum(0) / total, (n, 3)), atol=1e-15)


def test_continuous_coordinates_and_fractional_counts():
    rng = np.random.default_rng(99)
    n = 400
    x, y = rng.normal(0, 3000, n), rng.normal(0, 3000, n)
    counts = rng.gamma(2.0, 3.0, (n, 2))
    ks = [5.0, 50.0, 333.3, 2000.0]
    np.testing.assert_allclose(bespoke_shares(x, y, counts, ks), brute_force(x, y, counts, ks), atol=1e-12, rtol=0)


def test_tie_fraction_by_hand():
    # origin: 2 A; four locations at distance 1: B,B,A,A (one person each); k = 4 takes half of each
    x = np.array([0.0, 1.0, -1.0, 0.0, 0.0])
    y = np.array([0.0, 0.0, 0.0, 1.0, -1.0])
    counts = np.array([[2, 0], [0, 1], [0, 1], [1, 0], [1, 0]], dtype=float)
    shares = bespoke_shares(x, y, counts, [2, 4])
    np.testing.assert_allclose(shares[0, 0], [1.0, 0.0])
    np.testing.assert_allclose(shares[0, 1], [(2 + 0.5 * 2) / 4, 0.5 * 2 / 4])


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="increasing"):
        bespoke_shares([0.0], [0.0], [[1.0]], [4, 2])
    with pytest.raises(ValueError, match="non-negative"):
        bespoke_shares([0.0], [0.0], [[-1.0]], [2])
    with pytest.raises(ValueError, match="finite"):
        bespoke_shares([np.nan], [0.0], [[1.0]], [2])


def test_summary_is_aspatial_index_of_bespoke_shares():
    rng = np.random.default_rng(5)
    n = 60
    x, y = rng.integers(0, 10, n) * 100.0, rng.integers(0, 10, n) * 100.0
    counts = rng.integers(0, 20, (n, 2)).astype(float)
    shares = bespoke_shares(x, y, counts, [10, 100, 10_000])
    summary = bespoke_summary(shares, counts)
    t, X = counts.sum(1), counts.sum(0)
    P = X / X.sum()
    expected_d = (t * np.abs(shares[:, 0, 0] - P[0])).sum() / (2 * t.sum() * P[0] * (1 - P[0]))
    assert summary["dissimilarity"][0, 0, 0] == pytest.approx(expected_d, abs=1e-14)
    assert summary["isolation"][0, 1, 1] == pytest.approx((counts[:, 1] * shares[:, 1, 1]).sum() / X[1], abs=1e-14)
    # the whole population as neighbourhood: no segregation left
    assert summary["dissimilarity"][0, 2, 0] == pytest.approx(0.0, abs=1e-12)
    # segregation falls as neighbourhoods grow (k = 10 vs k = total)
    assert summary["dissimilarity"][0, 0, 0] > summary["dissimilarity"][0, 2, 0]
