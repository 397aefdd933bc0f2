"""Bespoke neighbourhoods: each location's group shares among its k nearest persons (EquiPop).

For a location i and a scale k (persons), walk outwards from i over all locations in order of
distance (i's own population first, at distance 0). Locations at the same distance are taken
together. The first tie group that brings the running population to k or beyond is the last
one: each of its locations contributes the same fraction ``f = (k - before) / tie_population``
of its population, so exactly k persons are counted. ``k`` at or beyond the total population
gives the total shares. Group shares are the counted persons of each group divided by k.
(Östh, Malmberg & Andersson 2014, "Analysing segregation using individualized neighbourhoods",
in Lloyd, Shuttleworth & Wong (eds.), *Social-spatial segregation*, Policy Press; the EquiPop
software.)

Ties are exact: two locations are at the same distance when their squared distances
``dx*dx + dy*dy`` are equal in float64. Coordinates are projected (e.g. SWEREF 99 TM, metres).

How: locations at the same coordinates are merged (they always form one tie group) and each
distinct target place is walked once. The locations go into a uniform grid (a flat spatial index:
the points stored cell by cell, so a cell is one contiguous run of memory); for
each location a numba pass gathers every location within a radius R from the cells that the disk
touches, doubling R until the largest k is reached (incremental expansion; the next location
starts from this one's radius, as locations are visited in grid order). Every location with
d² <= R² is gathered, so each tie group met is complete. A counting sort by squared distance
(uniform in a disk) then a pass over the tie groups serve every k at once. Memory is the input,
the grid, one candidate buffer per thread and the ``n × len(k) × groups`` result: linear in the
input. (A k-d tree's k-nearest query needs a heap per location and was 2.5× slower here.)
"""

from __future__ import annotations

import os

# OpenMP threads that spin between parallel calls steal the cores on a shared machine: many
# small calls (bootstrap blocks, one kommun's pages) became 30x slower. Must be set before the
# OpenMP runtime loads (numba loads it at the first parallel call).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from dataclasses import dataclass

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _sorted_by_distance(d2, index, used, radius2, bucket_count, sorted_d2, sorted_index):
    """Counting sort into buckets of equal squared-distance width, then insertion sort.

    In two dimensions squared distances within a disk are about uniform, so buckets hold a few
    points each and the whole sort is linear in the number of candidates.
    """
    bucket_count[: used + 1] = 0
    scale = used / radius2 if radius2 > 0 else 0.0
    for c in range(used):
        b = min(int(d2[c] * scale), used - 1)
        bucket_count[b + 1] += 1
    for b in range(used):
        bucket_count[b + 1] += bucket_count[b]
    for c in range(used):
        b = min(int(d2[c] * scale), used - 1)
        position = bucket_count[b]
        sorted_d2[position] = d2[c]
        sorted_index[position] = index[c]
        bucket_count[b] += 1
    for c in range(1, used):
        value = sorted_d2[c]
        j = sorted_index[c]
        position = c
        while position > 0 and sorted_d2[position - 1] > value:
            sorted_d2[position] = sorted_d2[position - 1]
            sorted_index[position] = sorted_index[position - 1]
            position -= 1
        sorted_d2[position] = value
        sorted_index[position] = j


@numba.njit(cache=True, nogil=True)
def _targets(targets_x, targets_y, cx, cy, counts, population, ks, reach_all, grid_x0, grid_y0, cell,
             nx, ny, cell_start, start_radius, shares, radius, unreached):
    """Fill ``shares[r, :, :]`` for each target r by walking its candidates in order of distance.

    Candidates are gathered from grid cells within a radius R (doubled until the largest k is
    reached or every candidate is in); every point with d² <= R² is gathered, so each tie group
    met is complete. The candidates are stored in grid order: cell g holds positions
    ``cell_start[g] .. cell_start[g + 1]``, so a cell's points are read from contiguous memory.
    """
    n_targets = targets_x.shape[0]
    n_groups = counts.shape[1]
    n_k = ks.shape[0]
    n_points = cx.shape[0]
    capacity = 1024
    d2 = np.empty(capacity)
    index = np.empty(capacity, dtype=np.int64)
    sorted_d2 = np.empty(capacity)
    sorted_index = np.empty(capacity, dtype=np.int64)
    bucket_count = np.empty(capacity + 1, dtype=np.int64)
    cum = np.empty(n_groups)
    tie = np.empty(n_groups)
    guess = start_radius
    k_max = ks[n_k - 1]
    for r in range(n_targets):
        x0 = targets_x[r]
        y0 = targets_y[r]
        R = guess
        while True:
            ix0 = max(0, int(np.floor((x0 - R - grid_x0) / cell)))
            ix1 = min(nx - 1, int(np.floor((x0 + R - grid_x0) / cell)))
            iy0 = max(0, int(np.floor((y0 - R - grid_y0) / cell)))
            iy1 = min(ny - 1, int(np.floor((y0 + R - grid_y0) / cell)))
            covers_all = (x0 - R <= grid_x0 and x0 + R >= grid_x0 + nx * cell
                          and y0 - R <= grid_y0 and y0 + R >= grid_y0 + ny * cell)
            R2 = R * R
            used = 0
            reached = 0.0
            for gy in range(iy0, iy1 + 1):
                for gx in range(ix0, ix1 + 1):
                    g = gy * nx + gx
                    for j in range(cell_start[g], cell_start[g + 1]):
                        dx = cx[j] - x0
                        dy = cy[j] - y0
                        value = dx * dx + dy * dy
                        if value <= R2 or covers_all:
                            if used == capacity:
                                capacity *= 2
                                d2_new = np.empty(capacity)
                                index_new = np.empty(capacity, dtype=np.int64)
                                d2_new[:used] = d2[:used]
                                index_new[:used] = index[:used]
                                d2, index = d2_new, index_new
                                sorted_d2 = np.empty(capacity)
                                sorted_index = np.empty(capacity, dtype=np.int64)
                                bucket_count = np.empty(capacity + 1, dtype=np.int64)
                            d2[used] = value
                            index[used] = j
                            used += 1
                            reached += population[j]
            if reached >= k_max or covers_all or used >= n_points:
                break
            R = 2.0 * R if R > 0 else cell
        largest = 0.0
        for c in range(used):
            largest = max(largest, d2[c])
        _sorted_by_distance(d2, index, used, largest * (1.0 + 1e-12) + 1e-300, bucket_count, sorted_d2, sorted_index)
        cum[:] = 0.0
        cum_population = 0.0
        kk = 0
        start = 0
        need = 0.0
        while start < used and kk < n_k:
            stop = start + 1
            while stop < used and sorted_d2[stop] == sorted_d2[start]:
                stop += 1
            tie[:] = 0.0
            tie_population = 0.0
            for c in range(start, stop):
                j = sorted_index[c]
                for g in range(n_groups):
                    tie[g] += counts[j, g]
                tie_population += population[j]
            if cum_population + tie_population >= ks[kk]:
                need = np.sqrt(sorted_d2[start])
                while kk < n_k and cum_population + tie_population >= ks[kk]:
                    fraction = (ks[kk] - cum_population) / tie_population
                    for g in range(n_groups):
                        shares[r, kk, g] = (cum[g] + fraction * tie[g]) / ks[kk]
                    kk += 1
            for g in range(n_groups):
                cum[g] += tie[g]
            cum_population += tie_population
            start = stop
        if kk < n_k:
            unreached[r] = True
            radius[r] = np.inf
            if reach_all:  # only when k is beyond everyone (the caller answers those directly)
                for q in range(kk, n_k):
                    for g in range(n_groups):
                        shares[r, q, g] = cum[g] / cum_population if cum_population > 0 else np.nan
            continue
        radius[r] = need
        guess = max(need * 1.05, cell * 0.05)


@numba.njit(cache=True, nogil=True, parallel=True)
def _targets_parallel(blocks, targets_x, targets_y, cx, cy, counts, population, ks, reach_all, grid_x0, grid_y0,
                      cell, nx, ny, cell_start, start_radius, shares, radius, unreached):
    for b in numba.prange(blocks.shape[0] - 1):
        lo = blocks[b]
        hi = blocks[b + 1]
        _targets(targets_x[lo:hi], targets_y[lo:hi], cx, cy, counts, population, ks, reach_all, grid_x0, grid_y0,
                 cell, nx, ny, cell_start, start_radius, shares[lo:hi], radius[lo:hi],
                 unreached[lo:hi])


@dataclass(frozen=True)
class BespokeResult:
    """``shares`` ``(n, len(ks), n_groups)`` and ``radius`` ``(n,)``: the distance (coordinate units)
    of the last tie group used for the largest k below the total population (0 if none)."""

    shares: np.ndarray
    radius: np.ndarray


def checked_locations(x, y, counts, ks):
    x = np.ascontiguousarray(x, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    counts = np.ascontiguousarray(counts, dtype=np.float64)
    if counts.ndim != 2 or counts.shape[0] != x.shape[0] or y.shape != x.shape:
        raise ValueError(f"x, y and counts must describe the same locations, got {x.shape}, {y.shape}, {counts.shape}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("coordinates must be finite numbers")
    if not np.isfinite(counts).all() or (counts < 0).any():
        raise ValueError("counts must be finite and non-negative")
    k_values = np.asarray(ks, dtype=np.float64)
    if k_values.ndim != 1 or k_values.size == 0 or not (k_values > 0).all() or not np.isfinite(k_values).all():
        raise ValueError(f"k must be one or more positive numbers of persons, got {ks!r}")
    if (np.diff(k_values) <= 0).any():
        raise ValueError(f"k values must be strictly increasing, got {list(k_values)}")
    return x, y, counts, k_values


def _grid(x, y, per_cell: float = 4.0):
    """A uniform grid over the candidates: cell size for about ``per_cell`` points per cell."""
    x0, x1 = float(x.min()), float(x.max())
    y0, y1 = float(y.min()), float(y.max())
    width, height = max(x1 - x0, 1e-9), max(y1 - y0, 1e-9)
    cell = max(np.sqrt(width * height * per_cell / x.size), 1e-9, max(width, height) / 4096)
    nx = int(width // cell) + 1
    ny = int(height // cell) + 1
    which = (np.floor((y - y0) / cell).astype(np.int64) * nx + np.floor((x - x0) / cell).astype(np.int64))
    order = np.argsort(which, kind="stable")
    cell_start = np.searchsorted(which[order], np.arange(nx * ny + 1))
    return x0, y0, cell, nx, ny, cell_start.astype(np.int64), order.astype(np.int64)


def _same_places(x, y):
    """Distinct coordinates: ``(first_rows, inverse)`` with ``x[first_rows][inverse] == x`` (same for y)."""
    order = np.lexsort((y, x))
    xs, ys = x[order], y[order]
    new = np.ones(x.size, dtype=np.bool_)
    new[1:] = (xs[1:] != xs[:-1]) | (ys[1:] != ys[:-1])
    place = np.cumsum(new) - 1
    inverse = np.empty(x.size, dtype=np.int64)
    inverse[order] = place
    return order[new], inverse


def _merged(x, y, counts):
    """Locations at the same coordinates as one location with their summed counts.

    They are at the same distance from every target, so they always fall in the same tie group
    and contribute the same fraction of their population: merged, the rule gives the same shares.
    """
    first, inverse = _same_places(x, y)
    if first.size == x.size:
        return x, y, counts
    merged = np.empty((first.size, counts.shape[1]))
    for g in range(counts.shape[1]):
        merged[:, g] = np.bincount(inverse, weights=counts[:, g], minlength=first.size)
    return x[first], y[first], merged


def bespoke_shares_among(target_x, target_y, x, y, counts, ks, total_counts=None, candidates_complete=True,
                         threads: int | None = None) -> BespokeResult:
    """Shares for target points among candidate locations ``(x, y, counts)``.

    ``total_counts`` are the group totals of the whole population (default: of the candidates);
    k at or beyond their sum gives these totals. ``candidates_complete=False`` says the candidates
    are only part of the population (a partition with its halo): a target whose largest k is not
    reached among them then gets ``radius`` ``inf`` so that the caller can widen its halo.
    """
    x, y, counts, k_values = checked_locations(x, y, counts, ks)
    target_x = np.ascontiguousarray(target_x, dtype=np.float64)
    target_y = np.ascontiguousarray(target_y, dtype=np.float64)
    n, n_groups = counts.shape
    totals = counts.sum(axis=0) if total_counts is None else np.asarray(total_counts, dtype=np.float64)
    grand = float(totals.sum())
    shares = np.full((target_x.shape[0], k_values.size, n_groups), np.nan)
    radius = np.zeros(target_x.shape[0])
    # k at or beyond the whole population: the total shares, without looking at neighbours
    beyond = k_values >= grand
    if beyond.any() and grand > 0:
        shares[:, beyond, :] = totals / grand
    walked = np.ascontiguousarray(k_values[~beyond])
    if walked.size == 0 or target_x.size == 0:
        return BespokeResult(shares, radius)
    if n == 0:
        radius[:] = np.inf
        return BespokeResult(shares, radius)
    x, y, counts = _merged(x, y, counts)
    population = counts.sum(axis=1)
    grid_x0, grid_y0, cell, nx, ny, cell_start, cell_points = _grid(x, y)
    # candidates in grid order: a cell's points lie side by side in memory
    x, y, counts, population = x[cell_points], y[cell_points], counts[cell_points], population[cell_points]
    # each distinct target place once, in grid order, so that each one's search radius is a good
    # guess for the next
    places, place_of_target = _same_places(target_x, target_y)
    place_x, place_y = target_x[places], target_y[places]
    order = np.argsort(np.floor((place_y - grid_y0) / cell) * (nx + 1) + np.floor((place_x - grid_x0) / cell),
                       kind="stable")
    part = np.full((places.size, walked.size, n_groups), np.nan)
    part_radius = np.zeros(places.size)
    unreached = np.zeros(places.size, dtype=np.bool_)
    threads = threads or numba.get_num_threads()
    blocks = np.linspace(0, places.size, max(2, min(places.size, 64 * threads) + 1)).astype(np.int64)
    start_radius = cell * np.sqrt(walked[-1] / max(float(population.mean()), 1e-300) / np.pi / 4.0)
    _targets_parallel(blocks, place_x[order], place_y[order], x, y, counts, population, walked,
                      candidates_complete, grid_x0, grid_y0, cell, nx, ny, cell_start,
                      start_radius, part, part_radius, unreached)
    back = np.empty_like(order)
    back[order] = np.arange(order.size)
    back = back[place_of_target]
    shares[:, ~beyond, :] = part[back]
    radius[:] = part_radius[back]
    return BespokeResult(shares, radius)


def bespoke_shares(x, y, counts, ks, threads: int | None = None) -> np.ndarray:
    """Each location's group shares among its k nearest persons, ``(n, len(ks), n_groups)``.

    Parameters
    ----------
    x, y : float arrays (n,)
        Projected coordinates of the locations (e.g. metres in SWEREF 99 TM).
    counts : float array (n, n_groups)
        Persons of each group at each location (non-negative).
    ks : increasing sequence of positive numbers
        Neighbourhood sizes in persons.
    threads : int, optional
        numba threads (default: numba's setting).
    """
    return bespoke_shares_among(x, y, x, y, counts, ks, threads=threads).shares


def bespoke_summary(shares: np.ndarray, counts: np.ndarray, segment_ids: np.ndarray | None = None,
                    n_segments: int | None = None) -> dict[str, np.ndarray]:
    """Dissimilarity and isolation of the bespoke neighbourhoods, per segment, k and group.

    With ``s_ikg`` location i's share of group g among its k nearest, ``x_ig`` its own persons of
    group g, ``t_i`` its population, and per segment ``X_g``, ``T``, ``P_g = X_g / T``:

    * ``dissimilarity``: Σ_i t_i |s_ikg - P_g| / (2 T P_g (1 - P_g)) — the dissimilarity index
      with each person's bespoke neighbourhood in place of the area (Östh et al. 2014);
    * ``isolation``: Σ_i (x_ig / X_g) s_ikg — the average share of one's own group among one's
      k nearest (Bell 1954's P* on bespoke neighbourhoods).

    Returns arrays ``(n_segments, len(ks), n_groups)`` (NaN where ``P_g`` is 0 or 1).
    """
    counts = np.asarray(counts, dtype=np.float64)
    seg = np.zeros(counts.shape[0], dtype=np.int64) if segment_ids is None else np.asarray(segment_ids, np.int64)
    n_segments = int(seg.max()) + 1 if n_segments is None else n_segments
    t = counts.sum(axis=1)
    n_k = shares.shape[1]
    X = np.zeros((n_segments, counts.shape[1]))
    np.add.at(X, seg, counts)
    T = X.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        P = X / T[:, None]
        dissimilarity = np.zeros((n_segments, n_k, counts.shape[1]))
        isolation = np.zeros_like(dissimilarity)
        for k in range(n_k):
            np.add.at(dissimilarity[:, k, :], seg, t[:, None] * np.abs(shares[:, k, :] - P[seg]))
            np.add.at(isolation[:, k, :], seg, counts * shares[:, k, :])
        defined = ((P > 0) & (P < 1))[:, None, :]
        dissimilarity = np.where(defined, dissimilarity / (2 * T[:, None, None] * (P * (1 - P))[:, None, :]), np.nan)
        isolation = np.where(defined, isolation / X[:, None, :], np.nan)
    return {"dissimilarity": dissimilarity, "isolation": isolation}
