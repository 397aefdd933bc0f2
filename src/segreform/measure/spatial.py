"""Spatial segregation indices: arrays in, arrays out.

Units are rows of ``counts`` ``(n, K)`` with projected coordinates ``x``, ``y`` in metres (e.g.
SWEREF 99 TM) and, optionally, areas in m². Units are sorted by segment (``segment_ids``); pairs of
units in different segments never interact. Two-group indices compare group k (``x``) with all
other groups (``y = t - x``) and return ``(S, K)``; multigroup ones return ``(S,)``.

Massey & Denton (1988), "The dimensions of residential segregation", Social Forces 67(2), with
``c_ij = exp(-d_ij)``, d in kilometres, and a unit's distance to itself ``d_ii = sqrt(0.6 a_i)``
(a_i in km²; White 1983's approximation of the average distance between two points of a unit):

* ``spatial_proximity`` SP = (X Pxx + Y Pyy) / (T Ptt), Pxx = Σ_i Σ_j x_i x_j c_ij / X²,
  Pyy and Ptt likewise (White 1983);
* ``relative_clustering`` RCL = Pxx / Pyy - 1;
* ``absolute_clustering`` ACL = [Σ_i (x_i/X) Σ_j c_ij x_j - (X/n²) Σ_i Σ_j c_ij] /
  [Σ_i (x_i/X) Σ_j c_ij t_j - (X/n²) Σ_i Σ_j c_ij] (n units);
* ``distance_decay_isolation`` DPxx = Σ_i (x_i/X) Σ_j K_ij x_j / t_j and
  ``distance_decay_interaction`` DPxy = Σ_i (x_i/X) Σ_j K_ij y_j / t_j, with
  K_ij = t_j c_ij / Σ_j t_j c_ij (Morgan 1983).

Reardon & O'Sullivan (2004), "Measures of spatial segregation", Sociological Methodology 34:
each unit's local environment has the composition ``τ_ik = Σ_j φ_ij x_jk / Σ_j φ_ij t_j`` with a
kernel φ of distance and bandwidth h (``biweight``: (1 - (d/h)²)² for d < h, else 0;
``gaussian``: exp(-d²/(2h²))); then

* ``spatial_information_theory`` H̃ = 1 - Σ_i t_i Ẽ_i / (T E), Ẽ_i the entropy of τ_i, E of the
  segment's shares;
* ``spatial_dissimilarity`` D̃ = Σ_k Σ_i t_i |τ_ik - π_k| / (2 T I), I = Σ_k π_k (1 - π_k).

Computed over a list of bandwidths they form a segregation profile. Adjacency-based dissimilarity
from polygon contiguity: ``adjacency_dissimilarity`` D(adj) = D - Σ_ij c_ij |z_i - z_j| / Σ_ij c_ij
with c_ij = 1 for neighbouring polygons (Morrill 1991) and ``boundary_dissimilarity``
D(w) = D - Σ_ij w_ij |z_i - z_j| / Σ_ij w_ij with w_ij the length of the shared boundary
(Wong 1993); z_i = x_i / t_i, D Duncan's dissimilarity.
"""

from __future__ import annotations

from typing import Iterable, Mapping

import numba
import numpy as np

from segreform.measure.kernels import compute_segments

DISTANCE_DECAY_INDICES = (
    "spatial_proximity",
    "relative_clustering",
    "absolute_clustering",
    "distance_decay_isolation",
    "distance_decay_interaction",
)
KERNEL_INDICES = ("spatial_information_theory", "spatial_dissimilarity")
ADJACENCY_INDICES = ("adjacency_dissimilarity", "boundary_dissimilarity")
SPATIAL_INDICES = DISTANCE_DECAY_INDICES + KERNEL_INDICES + ADJACENCY_INDICES
TWO_GROUP_SPATIAL = DISTANCE_DECAY_INDICES + ADJACENCY_INDICES
KERNELS = ("biweight", "gaussian")
SELF_DISTANCE_FACTOR = 0.6  # d_ii = sqrt(0.6 a_i), Massey & Denton (1988) after White (1983)


def _bounds(segment_ids: np.ndarray, n_segments: int) -> np.ndarray:
    return np.searchsorted(segment_ids, np.arange(n_segments + 1), side="left").astype(np.int64)


@numba.njit(cache=True, nogil=True)
def _decay_sums(x, y, self_km, counts, bounds):
    """Per segment: A_k = Σ x_i Σ c x_j, B_k = Σ y_i Σ c y_j, C = Σ t_i Σ c t_j, E_k = Σ x_i Σ c t_j,
    Csum = Σ Σ c, and DPxx_k·X_k, DPxy_k·X_k; c_ij = exp(-d_ij[km])."""
    n_segments = bounds.shape[0] - 1
    K = counts.shape[1]
    A = np.zeros((n_segments, K))
    B = np.zeros((n_segments, K))
    C = np.zeros(n_segments)
    E = np.zeros((n_segments, K))
    csum = np.zeros(n_segments)
    dpxx = np.zeros((n_segments, K))
    dpxy = np.zeros((n_segments, K))
    ct = 0.0
    cx = np.empty(K)
    for s in range(n_segments):
        for i in range(bounds[s], bounds[s + 1]):
            ct = 0.0
            cx[:] = 0.0
            row_c = 0.0
            for j in range(bounds[s], bounds[s + 1]):
                if i == j:
                    c = np.exp(-self_km[i])
                else:
                    dx = x[i] - x[j]
                    dy = y[i] - y[j]
                    c = np.exp(-np.sqrt(dx * dx + dy * dy) / 1000.0)
                row_c += c
                t_j = 0.0
                for k in range(K):
                    cx[k] += c * counts[j, k]
                    t_j += counts[j, k]
                ct += c * t_j
            csum[s] += row_c
            t_i = 0.0
            for k in range(K):
                t_i += counts[i, k]
            C[s] += t_i * ct
            for k in range(K):
                x_i = counts[i, k]
                A[s, k] += x_i * cx[k]
                B[s, k] += (t_i - x_i) * (ct - cx[k])
                E[s, k] += x_i * ct
                if ct > 0:
                    dpxx[s, k] += x_i * cx[k] / ct
                    dpxy[s, k] += x_i * (ct - cx[k]) / ct
    return A, B, C, E, csum, dpxx, dpxy


@numba.njit(cache=True, nogil=True)
def _local_environments(x, y, counts, bounds, bandwidth, gaussian):
    """τ_ik: each unit's kernel-weighted group shares over the units of its segment."""
    n, K = counts.shape
    tau = np.full((n, K), np.nan)
    local = np.empty(K)
    h2 = bandwidth * bandwidth
    for s in range(bounds.shape[0] - 1):
        for i in range(bounds[s], bounds[s + 1]):
            local[:] = 0.0
            weight_total = 0.0
            for j in range(bounds[s], bounds[s + 1]):
                dx = x[i] - x[j]
                dy = y[i] - y[j]
                d2 = dx * dx + dy * dy
                if gaussian:
                    phi = np.exp(-0.5 * d2 / h2) if h2 > 0 else (1.0 if d2 == 0 else 0.0)
                else:
                    if d2 >= h2:
                        continue
                    u = 1.0 - d2 / h2
                    phi = u * u
                for k in range(K):
                    local[k] += phi * counts[j, k]
                    weight_total += phi * counts[j, k]
            if weight_total > 0:
                for k in range(K):
                    tau[i, k] = local[k] / weight_total
    return tau


def _segment_totals(counts, segment_ids, n_segments):
    N = np.zeros((n_segments, counts.shape[1]))
    np.add.at(N, segment_ids, counts)
    return N


def distance_decay(counts, x, y, area, segment_ids, n_segments) -> dict[str, np.ndarray]:
    """Massey & Denton's distance-decay family, ``(S, K)`` each (see the module docstring)."""
    self_km = np.zeros(len(x)) if area is None else np.sqrt(SELF_DISTANCE_FACTOR * np.asarray(area, float) / 1e6)
    bounds = _bounds(segment_ids, n_segments)
    A, B, C, E, csum, dpxx, dpxy = _decay_sums(x, y, self_km, counts, bounds)
    N = _segment_totals(counts, segment_ids, n_segments)
    T = N.sum(axis=1)[:, None]
    Y = T - N
    units = np.diff(bounds)[:, None].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        Pxx, Pyy, Ptt = A / N**2, B / Y**2, C[:, None] / T**2
        baseline = N / units**2 * csum[:, None]
        out = {
            "spatial_proximity": (N * Pxx + Y * Pyy) / (T * Ptt),
            "relative_clustering": Pxx / Pyy - 1,
            "absolute_clustering": (A / N - baseline) / (E / N - baseline),
            "distance_decay_isolation": dpxx / N,
            "distance_decay_interaction": dpxy / N,
        }
    defined = (N > 0) & (Y > 0)
    return {name: np.where(defined, value, np.nan) for name, value in out.items()}


def kernel_profile(counts, x, y, segment_ids, n_segments, kernel: str, bandwidths: Iterable[float]) -> dict[str, np.ndarray]:
    """Reardon & O'Sullivan's H̃ and D̃ per segment and bandwidth, ``(S, len(bandwidths))`` each."""
    if kernel not in KERNELS:
        raise ValueError(f"unknown kernel {kernel!r}; choose one of: {', '.join(KERNELS)}")
    widths = [float(h) for h in bandwidths]
    if not widths or any(not np.isfinite(h) or h <= 0 for h in widths):
        raise ValueError(f"bandwidths must be positive distances in metres, got {list(bandwidths)!r}")
    bounds = _bounds(segment_ids, n_segments)
    N = _segment_totals(counts, segment_ids, n_segments)
    T = N.sum(axis=1)
    t = counts.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        pi = N / T[:, None]
        entropy = -np.where(pi > 0, pi * np.log(np.where(pi > 0, pi, 1.0)), 0.0).sum(axis=1)
        interaction = (pi * (1 - pi)).sum(axis=1)
    present = (N > 0).sum(axis=1)
    H = np.full((n_segments, len(widths)), np.nan)
    D = np.full_like(H, np.nan)
    for b, h in enumerate(widths):
        tau = _local_environments(x, y, counts, bounds, h, kernel == "gaussian")
        with np.errstate(divide="ignore", invalid="ignore"):
            local_entropy = -np.where(tau > 0, tau * np.log(np.where(tau > 0, tau, 1.0)), 0.0).sum(axis=1)
            weighted = np.where(t > 0, t * local_entropy, 0.0)
            deviation = np.where(t[:, None] > 0, t[:, None] * np.abs(tau - pi[segment_ids]), 0.0).sum(axis=1)
        h_num = np.bincount(segment_ids, weights=weighted, minlength=n_segments)
        d_num = np.bincount(segment_ids, weights=deviation, minlength=n_segments)
        with np.errstate(divide="ignore", invalid="ignore"):
            H[:, b] = 1 - h_num / (T * entropy)
            D[:, b] = d_num / (2 * T * interaction)
    defined = ((T > 0) & (present >= 2))[:, None]
    return {"spatial_information_theory": np.where(defined, H, np.nan),
            "spatial_dissimilarity": np.where(defined, D, np.nan)}


def adjacency(counts, segment_ids, n_segments, pairs_i, pairs_j, lengths) -> dict[str, np.ndarray]:
    """Morrill's D(adj) and Wong's D(w), ``(S, K)``; pairs are listed once each (i, j), i != j.

    ``lengths`` is the shared boundary length of each pair (None: only Morrill's index).
    """
    D = compute_segments(counts, segment_ids, "dissimilarity", n_segments=n_segments)["dissimilarity"]
    t = counts.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(t[:, None] > 0, counts / t[:, None], 0.0)
    pairs_i = np.asarray(pairs_i, dtype=np.int64)
    pairs_j = np.asarray(pairs_j, dtype=np.int64)
    same = segment_ids[pairs_i] == segment_ids[pairs_j]
    pairs_i, pairs_j = pairs_i[same], pairs_j[same]
    gap = np.abs(z[pairs_i] - z[pairs_j])
    owner = segment_ids[pairs_i]

    def corrected(weights):
        num = np.zeros((n_segments, counts.shape[1]))
        np.add.at(num, owner, gap * weights[:, None])
        den = np.bincount(owner, weights=weights, minlength=n_segments)[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(den > 0, D - num / den, np.nan)

    out = {"adjacency_dissimilarity": corrected(np.ones(pairs_i.size))}
    if lengths is not None:
        out["boundary_dissimilarity"] = corrected(np.asarray(lengths, dtype=float)[same])
    return out


def compute_spatial(
    counts: np.ndarray,
    x: np.ndarray | None,
    y: np.ndarray | None,
    names: Iterable[str],
    area: np.ndarray | None = None,
    segment_ids: np.ndarray | None = None,
    n_segments: int | None = None,
    kernel: str = "biweight",
    bandwidths: Iterable[float] = (500.0, 1000.0, 2000.0, 4000.0),
    contiguity: Mapping[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Spatial indices per segment.

    Returns name -> ``(S, K)`` for the two-group indices and ``(S, len(bandwidths))`` for
    ``spatial_information_theory``/``spatial_dissimilarity``. ``contiguity`` has ``i``, ``j`` (unit
    rows of each neighbouring pair, once per pair) and optionally ``length`` (shared boundary).
    """
    counts = np.ascontiguousarray(counts, dtype=np.float64)
    names = list(dict.fromkeys(names))
    unknown = [n for n in names if n not in SPATIAL_INDICES]
    if unknown:
        raise ValueError(f"unknown spatial index {unknown[0]!r}; choose from: {', '.join(SPATIAL_INDICES)}")
    seg = np.zeros(counts.shape[0], np.int64) if segment_ids is None else np.asarray(segment_ids, np.int64)
    n_segments = (int(seg[-1]) + 1 if seg.size else 1) if n_segments is None else n_segments
    out: dict[str, np.ndarray] = {}
    needs_points = [n for n in names if n in DISTANCE_DECAY_INDICES + KERNEL_INDICES]
    if needs_points:
        if x is None or y is None:
            raise ValueError(f"{needs_points[0]} needs coordinates (x and y in metres) or polygons")
        x = np.ascontiguousarray(x, dtype=np.float64)
        y = np.ascontiguousarray(y, dtype=np.float64)
    if any(n in DISTANCE_DECAY_INDICES for n in names):
        out.update(distance_decay(counts, x, y, area, seg, n_segments))
    if any(n in KERNEL_INDICES for n in names):
        out.update(kernel_profile(counts, x, y, seg, n_segments, kernel, bandwidths))
    adjacency_names = [n for n in names if n in ADJACENCY_INDICES]
    if adjacency_names:
        if contiguity is None:
            raise ValueError(f"{adjacency_names[0]} needs polygons (their contiguity)")
        if "boundary_dissimilarity" in names and contiguity.get("length") is None:
            raise ValueError("boundary_dissimilarity needs the shared boundary lengths of polygons")
        out.update(adjacency(counts, seg, n_segments, contiguity["i"], contiguity["j"], contiguity.get("length")))
    return {n: out[n] for n in names}
