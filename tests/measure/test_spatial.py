"""Spatial indices against independent dense implementations written from the papers."""

import numpy as np
import pytest

from segreform.measure.spatial import compute_spatial


def massey_denton_dense(x, y, area_m2, xs, ts):
    """Massey & Denton (1988) from their formulas, with an explicit n x n proximity matrix."""
    d_km = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :]) / 1000.0
    np.fill_diagonal(d_km, np.sqrt(0.6 * area_m2 / 1e6))
    c = np.exp(-d_km)
    ys = ts - xs
    X, Y, T, n = xs.sum(), ys.sum(), ts.sum(), len(xs)
    Pxx = xs @ c @ xs / X**2
    Pyy = ys @ c @ ys / Y**2
    Ptt = ts @ c @ ts / T**2
    K = c * ts[None, :] / (c @ ts)[:, None]
    return {
        "spatial_proximity": (X * Pxx + Y * Pyy) / (T * Ptt),
        "relative_clustering": Pxx / Pyy - 1,
        "absolute_clustering": ((xs / X) @ (c @ xs) - X / n**2 * c.sum()) / ((xs / X) @ (c @ ts) - X / n**2 * c.sum()),
        "distance_decay_isolation": (xs / X) @ (K @ (xs / ts)),
        "distance_decay_interaction": (xs / X) @ (K @ (ys / ts)),
    }


def reardon_osullivan_dense(x, y, counts, h, kernel):
    d = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    phi = np.where(d < h, (1 - (d / h) ** 2) ** 2, 0.0) if kernel == "biweight" else np.exp(-(d**2) / (2 * h**2))
    tau = (phi @ counts) / (phi @ counts.sum(1))[:, None]
    t = counts.sum(1)
    T = t.sum()
    pi = counts.sum(0) / T
    E = -(pi * np.log(pi)).sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        Ei = -np.where(tau > 0, tau * np.log(tau), 0).sum(1)
    H = 1 - (t * Ei).sum() / (T * E)
    D = (t[:, None] * np.abs(tau - pi)).sum() / (2 * T * (pi * (1 - pi)).sum())
    return H, D


def test_massey_denton_family_equals_dense_formulas():
    rng = np.random.default_rng(7)
    n = 80
    x = 6_580_000 + rng.uniform(0, 8000, n)
    y = 670_000 + rng.uniform(0, 8000, n)
    area = rng.uniform(2e5, 2e6, n)
    counts = rng.integers(1, 200, (n, 3)).astype(float)
    counts[x > x.mean(), 0] *= 4  # a gradient so the indices are far from their null values
    names = ["spatial_proximity", "relative_clustering", "absolute_clustering",
             "distance_decay_isolation", "distance_decay_interaction"]
    ours = compute_spatial(counts, x, y, names, area=area)
    for k in range(3):
        expected = massey_denton_dense(x, y, area, counts[:, k], counts.sum(1))
        for name in names:
            assert ours[name][0, k] == pytest.approx(expected[name], rel=1e-12), (name, k)
    # isolation and interaction of a group add up to 1 (K is row-stochastic)
    np.testing.assert_allclose(ours["distance_decay_isolation"] + ours["distance_decay_interaction"], 1.0, rtol=1e-13)


def test_segments_do_not_interact():
    rng = np.random.default_rng(1)
    n = 30
    x, y = rng.uniform(0, 3000, 2 * n), rng.uniform(0, 3000, 2 * n)
    counts = rng.integers(1, 50, (2 * n, 2)).astype(float)
    seg = np.repeat([0, 1], n)
    both = compute_spatial(counts, x, y, ["spatial_proximity", "spatial_dissimilarity"], segment_ids=seg,
                           bandwidths=[1000])
    second = compute_spatial(counts[n:], x[n:], y[n:], ["spatial_proximity", "spatial_dissimilarity"],
                             bandwidths=[1000])
    assert both["spatial_proximity"][1] == pytest.approx(second["spatial_proximity"][0], rel=1e-13)
    assert both["spatial_dissimilarity"][1] == pytest.approx(second["spatial_dissimilarity"][0], rel=1e-13)


@pytest.mark.parametrize("kernel", ["biweight", "gaussian"])
def test_reardon_osullivan_equals_dense_formulas(kernel):
    rng = np.random.default_rng(3)
    n = 60
    x, y = rng.uniform(0, 5000, n), rng.uniform(0, 5000, n)
    counts = rng.integers(0, 80, (n, 3)).astype(float)
    counts[x < 2500, 1] += 100
    widths = [300, 1000, 3000]
    ours = compute_spatial(counts, x, y, ["spatial_information_theory", "spatial_dissimilarity"],
                           kernel=kernel, bandwidths=widths)
    for b, h in enumerate(widths):
        H, D = reardon_osullivan_dense(x, y, counts, h, kernel)
        assert ours["spatial_information_theory"][0, b] == pytest.approx(H, rel=1e-12)
        assert ours["spatial_dissimilarity"][0, b] == pytest.approx(D, rel=1e-12)


@pytest.mark.parametrize("kernel", ["biweight", "gaussian"])
def test_checkerboard_profile_falls_with_bandwidth(kernel):
    # 16 x 16 squares of 100 m, all of group A on black and all of B on white
    side = 16
    gx, gy = np.meshgrid(np.arange(side), np.arange(side))
    x, y = gx.ravel() * 100.0 + 50, gy.ravel() * 100.0 + 50
    black = (gx + gy).ravel() % 2 == 0
    counts = np.column_stack([np.where(black, 100.0, 0.0), np.where(black, 0.0, 100.0)])
    widths = [1, 120, 200, 400, 800]
    ours = compute_spatial(counts, x, y, ["spatial_information_theory", "spatial_dissimilarity"],
                           kernel=kernel, bandwidths=widths)
    H, D = ours["spatial_information_theory"][0], ours["spatial_dissimilarity"][0]
    if kernel == "biweight":
        # a bandwidth smaller than the squares' spacing sees only the own square: complete segregation
        assert H[0] == pytest.approx(1.0) and D[0] == pytest.approx(1.0)
    assert np.all(np.diff(H) < 0) and np.all(np.diff(D) < 0)
    assert H[-1] < 0.1 and D[-1] < 0.2


def test_adjacency_indices_equal_definitions():
    # a row of 5 squares; neighbours share one side each
    counts = np.array([[10, 0], [8, 2], [5, 5], [2, 8], [0, 10]], dtype=float)
    pairs_i, pairs_j = np.array([0, 1, 2, 3]), np.array([1, 2, 3, 4])
    lengths = np.array([1.0, 2.0, 1.0, 3.0])
    ours = compute_spatial(counts, None, None, ["adjacency_dissimilarity", "boundary_dissimilarity"],
                           contiguity={"i": pairs_i, "j": pairs_j, "length": lengths})
    z = counts[:, 0] / counts.sum(1)
    X, T = counts[:, 0].sum(), counts.sum()
    D = 0.5 * np.abs(counts[:, 0] / X - counts[:, 1] / (T - X)).sum()
    gaps = np.abs(z[pairs_i] - z[pairs_j])
    assert ours["adjacency_dissimilarity"][0, 0] == pytest.approx(D - gaps.mean(), rel=1e-14)
    assert ours["boundary_dissimilarity"][0, 0] == pytest.approx(D - (gaps * lengths).sum() / lengths.sum(), rel=1e-14)


def test_missing_inputs_are_named():
    counts = np.ones((3, 2))
    with pytest.raises(ValueError, match="needs coordinates"):
        compute_spatial(counts, None, None, ["spatial_proximity"])
    with pytest.raises(ValueError, match="needs polygons"):
        compute_spatial(counts, np.zeros(3), np.zeros(3), ["adjacency_dissimilarity"])
    with pytest.raises(ValueError, match="unknown kernel"):
        compute_spatial(counts, np.zeros(3), np.zeros(3), ["spatial_dissimilarity"], kernel="box")
