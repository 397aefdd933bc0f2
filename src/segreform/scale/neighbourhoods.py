"""Bespoke neighbourhoods on Dask: strips of locations, each with a halo wide enough to be exact.

The locations are cut into vertical strips (equal numbers of locations by x). A strip's task gets
its own locations plus every location within ``halo`` metres of the strip in x. A location's
k-nearest neighbourhood lies inside the disk of radius ``radius`` (the distance of its last tie
group); every location left out of the task is more than ``halo`` away in x alone, so when
``radius < halo`` the task's answer is the single machine's. Locations where that fails are
recomputed in the same task with the halo doubled, until none is left. Group totals (for k at or
beyond the whole population) are computed once and passed to every task.
"""

from __future__ import annotations

import numpy as np

from segreform.measure.neighbourhoods import bespoke_shares_among, checked_locations


def strip_shares(x, y, counts, ks, totals, lo: float, hi: float, halo: float, last: bool) -> np.ndarray:
    """Shares of the locations with ``lo <= x < hi`` (``<= hi`` for the last strip), exact."""
    inside = (x >= lo) & ((x <= hi) if last else (x < hi))
    targets = np.flatnonzero(inside)
    out = np.full((targets.size, len(ks), counts.shape[1]), np.nan)
    pending = np.arange(targets.size)
    width = max(halo, 1e-9)
    while pending.size:
        near = np.flatnonzero((x >= lo - width) & (x <= hi + width))
        whole = near.size == x.size
        result = bespoke_shares_among(x[targets[pending]], y[targets[pending]], x[near], y[near], counts[near], ks,
                                      total_counts=totals, candidates_complete=whole)
        done = whole | (result.radius < width)
        out[pending[done]] = result.shares[done]
        pending = pending[~done]
        width *= 2.0
    return out


def bespoke_shares_partitioned(x, y, counts, ks, partitions: int = 4, client=None, halo: float | None = None):
    """The single machine's :func:`segreform.measure.neighbourhoods.bespoke_shares` as Dask tasks.

    ``partitions`` strips; ``client`` a ``dask.distributed.Client`` (default: Dask's threaded
    scheduler); ``halo`` the first halo width in coordinate units (default: estimated from a
    sample of locations). Returns ``(n, len(ks), n_groups)``.
    """
    import dask  # optional heavy dependency, on use

    x, y, counts, k_values = checked_locations(x, y, counts, ks)
    totals = counts.sum(axis=0)
    n = x.size
    if n == 0:
        return np.empty((0, k_values.size, counts.shape[1]))
    if halo is None:
        sample = np.random.default_rng(0).choice(n, size=min(n, 64), replace=False)
        radius = bespoke_shares_among(x[sample], y[sample], x, y, counts, k_values).radius
        finite = radius[np.isfinite(radius)]
        halo = float(np.quantile(finite, 0.9)) * 1.5 if finite.size else 0.0
    edges = np.quantile(x, np.linspace(0, 1, max(1, partitions) + 1))
    tasks, members = [], []
    for p in range(len(edges) - 1):
        lo, hi, last = edges[p], edges[p + 1], p == len(edges) - 2
        if hi <= lo and not last:
            continue
        inside = (x >= lo) & ((x <= hi) if last else (x < hi))
        members.append(np.flatnonzero(inside))
        tasks.append(dask.delayed(strip_shares)(x, y, counts, k_values, totals, lo, hi, halo, last))
    parts = client.compute(tasks, sync=True) if client is not None else dask.compute(*tasks, scheduler="threads")
    out = np.full((n, k_values.size, counts.shape[1]), np.nan)
    for rows, part in zip(members, parts):
        out[rows] = part
    return out
