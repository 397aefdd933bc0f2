"""One-pass, compensated sums behind every aspatial index (numba).

Every aspatial index of a segment is a function of its group totals ``N_k`` and of a few sums
over units of per-unit terms. :func:`group_totals` and :func:`unit_sums` compute all of them in
two passes over the counts, without any ``(n, K)`` temporary, in parallel over pieces of
segments, with compensated summation (Knuth's TwoSum: each running sum keeps the exact
rounding error of its additions and adds it back at the end), so a sum over ten million cells is
within about one rounding of the exact sum. A big segment of whole counts is first reduced to
counts of units per distinct ``(x, t)`` (:func:`histogram_sums`). The terms that need logarithms or powers depend on a unit only
through ``(x, t)``; for whole-number counts with ``t <= TABLE_MAX`` they are looked up in tables
computed once per call (the same arithmetic, so the same values).

Sums returned by :func:`unit_sums`, ``(S, K)`` each, with ``x = n_ik``, ``t = t_i``,
``p = x / t`` (units with ``t = 0`` add nothing), ``P = P_k``:

=========  ===============================  ==================================================
ABSDEV     Σ t |p - P|                      dissimilarity, multi_dissimilarity
ENTROPY    Σ t (E(P) - E(p))                entropy (Theil's H), E binary entropy
ATKINSON   Σ (1-p)^(1-b) p^b t              atkinson
ISOLATION  Σ x p                            isolation, correlation_ratio
EXPOSURE   Σ x (1 - p)                      exposure
SQUARED    Σ t (p - P)²                     normalized_exposure, relative_diversity, squared_cv
MUTUAL     Σ x ln(p / P)  (x > 0)           mutual_information, theil_h
=========  ===============================  ==================================================

:func:`pair_difference_sums` gives ``Σ_ij t_i t_j |p_ik - p_jk|`` (the Gini numerators): for a
large segment of whole-number counts it adds up the population at each distinct ``(x, t)`` first
and sorts only those (a few thousand), otherwise it sorts the units.
"""

from __future__ import annotations

import os

# OpenMP threads that spin between parallel calls steal the cores on a shared machine: many
# small calls (bootstrap blocks, one kommun's pages) became 30x slower. Must be set before the
# OpenMP runtime loads (numba loads it at the first parallel call).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numba
import numpy as np

from segreform.measure.share_terms import TABLE_MAX, lookup_tables, share_terms

ABSDEV, ENTROPY, ATKINSON, ISOLATION, EXPOSURE, SQUARED, MUTUAL = range(7)
N_SUMS = 7
PIECE_ROWS = 1 << 18  # rows per parallel task within a big segment
HISTOGRAM_MIN_ROWS = 20_000  # a segment this large with whole counts: Gini via distinct (x, t)


@numba.njit(inline="always")
def _add(total, compensation, value):
    """Compensated addition (Knuth's branch-free TwoSum): returns the new (sum, compensation)."""
    new = total + value
    back = new - total
    compensation += (total - (new - back)) + (value - back)
    return new, compensation


def tasks(bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row ranges of at most PIECE_ROWS rows, each in one segment: (start, stop, segment)."""
    sizes = np.diff(bounds)
    pieces = np.maximum(1, -(-sizes // PIECE_ROWS))
    segment = np.repeat(np.arange(sizes.size), pieces)
    first_piece = np.repeat(np.cumsum(pieces) - pieces, pieces)
    k = np.arange(segment.size) - first_piece
    start = bounds[:-1][segment] + k * PIECE_ROWS
    stop = np.minimum(start + PIECE_ROWS, bounds[1:][segment])
    return start.astype(np.int64), stop.astype(np.int64), segment.astype(np.int64)


@numba.njit(cache=True, nogil=True, parallel=True)
def _totals(x, start, stop, segment, n_segments, t):
    n_tasks = start.shape[0]
    K = x.shape[1]
    partial = np.zeros((n_tasks, K))
    correction = np.zeros((n_tasks, K))
    for task in numba.prange(n_tasks):
        total = np.zeros(K)
        compensation = np.zeros(K)
        for i in range(start[task], stop[task]):
            row = 0.0
            for k in range(K):
                total[k], compensation[k] = _add(total[k], compensation[k], x[i, k])
                row += x[i, k]
            t[i] = row
        partial[task] = total
        correction[task] = compensation
    out = np.zeros((n_segments, K))
    out_c = np.zeros((n_segments, K))
    for task in range(n_tasks):
        s = segment[task]
        for k in range(K):
            out[s, k], out_c[s, k] = _add(out[s, k], out_c[s, k], partial[task, k])
            out_c[s, k] += correction[task, k]
    return out + out_c


def group_totals(x: np.ndarray, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(S, K)`` compensated column sums of the rows of each segment, and the row sums ``(n,)``."""
    start, stop, segment = tasks(bounds)
    t = np.zeros(x.shape[0])
    return _totals(x, start, stop, segment, bounds.shape[0] - 1, t), t


@numba.njit(cache=True, nogil=True, parallel=True)
def _unit_sums(x, t, start, stop, segment, P, E, log_P, b, table_max, tab_entropy, tab_atkinson, tab_log):
    n_tasks = start.shape[0]
    K = x.shape[1]
    partial = np.zeros((n_tasks, N_SUMS, K))
    correction = np.zeros((n_tasks, N_SUMS, K))
    for task in numba.prange(n_tasks):
        s = segment[task]
        acc = np.zeros((N_SUMS, K))
        comp = np.zeros((N_SUMS, K))
        for i in range(start[task], stop[task]):
            ti = t[i]
            if ti <= 0.0:
                continue
            whole = ti <= table_max and ti == np.floor(ti)
            base = 0
            if whole:
                ti_int = int(ti)
                base = ti_int * (ti_int + 1) // 2
            for k in range(K):
                xi = x[i, k]
                Pk = P[s, k]
                if whole and xi == np.floor(xi):
                    j = base + int(xi)
                    entropy_i = tab_entropy[j]
                    atkinson_i = tab_atkinson[j]
                    log_p = tab_log[j]
                else:
                    entropy_i, atkinson_i, log_p = share_terms(xi, ti, b)
                p = xi / ti
                gap = p - Pk
                acc[ABSDEV, k], comp[ABSDEV, k] = _add(acc[ABSDEV, k], comp[ABSDEV, k], ti * abs(gap))
                acc[ENTROPY, k], comp[ENTROPY, k] = _add(acc[ENTROPY, k], comp[ENTROPY, k], ti * (E[s, k] - entropy_i))
                acc[ATKINSON, k], comp[ATKINSON, k] = _add(acc[ATKINSON, k], comp[ATKINSON, k], atkinson_i * ti)
                acc[ISOLATION, k], comp[ISOLATION, k] = _add(acc[ISOLATION, k], comp[ISOLATION, k], xi * p)
                acc[EXPOSURE, k], comp[EXPOSURE, k] = _add(acc[EXPOSURE, k], comp[EXPOSURE, k], xi * (1.0 - p))
                acc[SQUARED, k], comp[SQUARED, k] = _add(acc[SQUARED, k], comp[SQUARED, k], ti * gap * gap)
                if xi > 0.0:
                    acc[MUTUAL, k], comp[MUTUAL, k] = _add(acc[MUTUAL, k], comp[MUTUAL, k], xi * (log_p - log_P[s, k]))
        partial[task] = acc
        correction[task] = comp
    n_segments = P.shape[0]
    out = np.zeros((N_SUMS, n_segments, K))
    out_c = np.zeros((N_SUMS, n_segments, K))
    for task in range(n_tasks):
        s = segment[task]
        for m in range(N_SUMS):
            for k in range(K):
                out[m, s, k], out_c[m, s, k] = _add(out[m, s, k], out_c[m, s, k], partial[task, m, k])
                out_c[m, s, k] += correction[task, m, k]
    return out + out_c


def unit_sums(x: np.ndarray, t: np.ndarray, bounds: np.ndarray, P: np.ndarray, atkinson_b: float,
              skip: np.ndarray | None = None) -> np.ndarray:
    """``(N_SUMS, S, K)``: the sums of the module docstring, indexed by ABSDEV, ENTROPY, ...

    Segments flagged in ``skip`` are left at 0 (their sums come from :func:`histogram_sums`)."""
    start, stop, segment = tasks(bounds)
    if skip is not None and skip.any():
        keep = ~skip[segment]
        start, stop, segment = start[keep], stop[keep], segment[keep]
    P_filled, E, log_P = _share_constants(P)
    table_max, (tab_entropy, tab_atkinson, tab_log) = lookup_tables(t, x.size, float(atkinson_b))
    return _unit_sums(x, t, start, stop, segment, P_filled, E, log_P, float(atkinson_b), float(table_max),
                      tab_entropy, tab_atkinson, tab_log)


@numba.njit(cache=True, nogil=True)
def _pair_sums_sorted(values, weights):
    """Σ_ij w_i w_j |v_i - v_j| by sorting (compensated running sums)."""
    order = np.argsort(values, kind="mergesort")
    below_w = 0.0
    below_w_c = 0.0
    below_wv = 0.0
    below_wv_c = 0.0
    total = 0.0
    total_c = 0.0
    for j in order:
        w = weights[j]
        if w == 0.0:
            continue
        v = values[j]
        total, total_c = _add(total, total_c, w * (v * (below_w + below_w_c) - (below_wv + below_wv_c)))
        below_w, below_w_c = _add(below_w, below_w_c, w)
        below_wv, below_wv_c = _add(below_wv, below_wv_c, w * v)
    return 2.0 * (total + total_c)


@numba.njit(cache=True, nogil=True, parallel=True)
def _pair_difference_sums(x, t, bounds, table_max):
    n_segments = bounds.shape[0] - 1
    K = x.shape[1]
    out = np.zeros((n_segments, K))
    size = (table_max + 1) * (table_max + 2) // 2
    for job in numba.prange(n_segments * K):
        s = job // K
        k = job % K
        lo = bounds[s]
        hi = bounds[s + 1]
        if hi - lo < 2:
            continue
        histogram = hi - lo >= HISTOGRAM_MIN_ROWS
        if histogram:
            for i in range(lo, hi):
                ti = t[i]
                if ti > table_max or ti != np.floor(ti) or x[i, k] != np.floor(x[i, k]):
                    histogram = False
                    break
        if histogram:
            weight = np.zeros(size)
            compensation = np.zeros(size)
            for i in range(lo, hi):
                ti = int(t[i])
                j = ti * (ti + 1) // 2 + int(x[i, k])
                weight[j], compensation[j] = _add(weight[j], compensation[j], t[i])
            used = 0
            for j in range(size):
                if weight[j] != 0.0:
                    used += 1
            values = np.empty(used)
            weights = np.empty(used)
            used = 0
            for ti in range(1, table_max + 1):
                base = ti * (ti + 1) // 2
                for xi in range(ti + 1):
                    if weight[base + xi] != 0.0:
                        values[used] = xi / ti
                        weights[used] = weight[base + xi] + compensation[base + xi]
                        used += 1
            out[s, k] = _pair_sums_sorted(values, weights)
        else:
            values = np.empty(hi - lo)
            for i in range(lo, hi):
                values[i - lo] = x[i, k] / t[i] if t[i] > 0 else 0.0
            out[s, k] = _pair_sums_sorted(values, t[lo:hi])
    return out


def pair_difference_sums(x: np.ndarray, t: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """``(S, K)``: ``Σ_ij t_i t_j |p_ik - p_jk|`` within each segment."""
    t_max = float(t.max()) if t.size else 0.0
    return _pair_difference_sums(x, t, bounds, int(min(TABLE_MAX, max(t_max, 1.0))))


HISTOGRAM_MAX_PAIRS = 1 << 16  # distinct (x, t) slots per group: t up to about 360 residents


@numba.njit(cache=True, nogil=True, parallel=True)
def _histograms(x, t, start, stop, slot, n_slots, t_max):
    """Per histogram slot (a big segment), group and (x, t): how many units have that (x, t).

    Returns (n_slots, K, D) counts, or an empty array when a unit is not whole or t > t_max."""
    n_tasks = start.shape[0]
    K = x.shape[1]
    D = (t_max + 1) * (t_max + 2) // 2
    partial = np.zeros((n_tasks, K, D))
    ok = np.ones(n_tasks, dtype=np.bool_)
    for task in numba.prange(n_tasks):
        if slot[task] < 0:
            continue
        for i in range(start[task], stop[task]):
            ti = t[i]
            if ti > t_max or ti != np.floor(ti):
                ok[task] = False
                break
            base = int(ti) * (int(ti) + 1) // 2
            for k in range(K):
                xi = x[i, k]
                if xi != np.floor(xi):
                    ok[task] = False
                    break
                partial[task, k, base + int(xi)] += 1.0
    out = np.zeros((n_slots, K, D))
    for task in range(n_tasks):
        if slot[task] >= 0:
            out[slot[task]] += partial[task]
    good = np.ones(n_slots, dtype=np.bool_)
    for task in range(n_tasks):
        if slot[task] >= 0 and not ok[task]:
            good[slot[task]] = False
    return out, good


@numba.njit(cache=True, nogil=True)
def _histogram_sums(histogram, P, E, log_P, b, t_max):
    """The sums of the module docstring and the Gini numerator from one segment's (x, t) counts."""
    K = histogram.shape[0]
    out = np.zeros((N_SUMS, K))
    pairs = np.zeros(K)
    for k in range(K):
        acc = np.zeros(N_SUMS)
        comp = np.zeros(N_SUMS)
        used = 0
        for j in range(histogram.shape[1]):
            if histogram[k, j] > 0:
                used += 1
        values = np.empty(used)
        weights = np.empty(used)
        used = 0
        Pk = P[k]
        for ti_int in range(1, t_max + 1):
            base = ti_int * (ti_int + 1) // 2
            ti = float(ti_int)
            for xi_int in range(ti_int + 1):
                m = histogram[k, base + xi_int]
                if m == 0:
                    continue
                xi = float(xi_int)
                entropy_i, atkinson_i, log_p = share_terms(xi, ti, b)
                p = xi / ti
                gap = p - Pk
                acc[ABSDEV], comp[ABSDEV] = _add(acc[ABSDEV], comp[ABSDEV], m * (ti * abs(gap)))
                acc[ENTROPY], comp[ENTROPY] = _add(acc[ENTROPY], comp[ENTROPY], m * (ti * (E[k] - entropy_i)))
                acc[ATKINSON], comp[ATKINSON] = _add(acc[ATKINSON], comp[ATKINSON], m * (atkinson_i * ti))
                acc[ISOLATION], comp[ISOLATION] = _add(acc[ISOLATION], comp[ISOLATION], m * (xi * p))
                acc[EXPOSURE], comp[EXPOSURE] = _add(acc[EXPOSURE], comp[EXPOSURE], m * (xi * (1.0 - p)))
                acc[SQUARED], comp[SQUARED] = _add(acc[SQUARED], comp[SQUARED], m * (ti * gap * gap))
                if xi_int > 0:
                    acc[MUTUAL], comp[MUTUAL] = _add(acc[MUTUAL], comp[MUTUAL], m * (xi * (log_p - log_P[k])))
                values[used] = p
                weights[used] = m * ti
                used += 1
        for q in range(N_SUMS):
            out[q, k] = acc[q] + comp[q]
        pairs[k] = _pair_sums_sorted(values, weights)
    return out, pairs


def histogram_sums(x, t, bounds, P, atkinson_b):
    """For every segment big enough and of whole counts with small t: its sums and Gini numerators
    from (x, t) counts. Returns ``{segment: (sums (N_SUMS, K), pairs (K,))}``."""
    sizes = np.diff(bounds)
    big = np.flatnonzero(sizes >= HISTOGRAM_MIN_ROWS)
    if big.size == 0 or t.size == 0:
        return {}
    t_max = int(np.ceil(t.max()))
    if (t_max + 1) * (t_max + 2) // 2 > HISTOGRAM_MAX_PAIRS:
        return {}
    start, stop, segment = tasks(bounds)
    slot_of_segment = np.full(sizes.size, -1, dtype=np.int64)
    slot_of_segment[big] = np.arange(big.size)
    counts, good = _histograms(x, t, start, stop, slot_of_segment[segment], big.size, t_max)
    out = {}
    P_filled, E, log_P = _share_constants(P)
    for slot, s in enumerate(big):
        if good[slot]:
            out[int(s)] = _histogram_sums(counts[slot], P_filled[s], E[s], log_P[s], float(atkinson_b), t_max)
    return out


def _share_constants(P):
    P_filled = np.where(np.isfinite(P), P, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        E = np.where((P_filled > 0) & (P_filled < 1),
                     -P_filled * np.log(np.where(P_filled > 0, P_filled, 1.0)) - (1 - P_filled) * np.log1p(-P_filled), 0.0)
        log_P = np.where(P_filled > 0, np.log(np.where(P_filled > 0, P_filled, 1.0)), 0.0)
    return P_filled, E, log_P
