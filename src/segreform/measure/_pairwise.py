"""Population-weighted mean absolute difference without an N x N matrix.

``sum_i sum_j t_i t_j |p_i - p_j|`` is computed per segment by sorting ``p`` and keeping running
sums of weights and weighted values: O(n log n) time and O(n) memory, which is what lets Gini
indices run on 100,000 areas.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def weighted_abs_diff_sums(p: np.ndarray, t: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Return ``(S, K)``: for each segment and column k, ``sum_ij t_i t_j |p_ik - p_jk|``.

    ``p`` is ``(n, K)``, ``t`` is ``(n,)`` and ``bounds`` is ``(S + 1,)`` row offsets of the
    segments (rows sorted by segment).
    """
    n_segments = bounds.shape[0] - 1
    n_groups = p.shape[1]
    out = np.zeros((n_segments, n_groups))
    for s in range(n_segments):
        lo = bounds[s]
        hi = bounds[s + 1]
        if hi - lo < 2:
            continue
        weights = t[lo:hi]
        for k in range(n_groups):
            values = p[lo:hi, k]
            order = np.argsort(values, kind="mergesort")
            weight_below = 0.0
            weighted_value_below = 0.0
            total = 0.0
            for j in order:
                w = weights[j]
                if w == 0.0:
                    continue
                total += w * (values[j] * weight_below - weighted_value_below)
                weight_below += w
                weighted_value_below += w * values[j]
            out[s, k] = 2.0 * total
    return out
