"""The compiled searches of :mod:`selection_core`: a depth-first branch and bound over one selection, and the same
over many score vectors at once (the stability draws), spread over the CPU cores with numba's ``prange``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True)
def search(scores, costs, money_left, counts, hi_left, lo_left, weights, capacity, order, start_x, start_value,
            node_limit):
    """Depth-first branch and bound over items in ``order`` (best score per surrogate weight first).

    Bound: the value so far plus the fractional (Dantzig) knapsack on the surrogate row ``weights·x ≤ capacity``
    over the items still open that fit every row now. Returns (best 0/1 vector or [-1], finished within the limit,
    nodes searched). A node is pruned unless it can beat the best set found by more than 1e-9; the incumbent
    ``start_x`` is kept on ties, so the answer is an optimum."""
    n = order.shape[0]
    k = costs.shape[0]
    m = counts.shape[0]
    x = np.zeros(n, np.int64)
    best = start_x.copy()
    best_value = start_value
    found = start_value > -np.inf
    state = np.zeros(n + 1, np.int64)
    spent = np.zeros(k, np.int64)
    counted = np.zeros(m, np.int64)
    value = 0.0
    used = 0.0
    nodes = 0
    # suffix[r, t]: how much the items from position t on could still add to count row r (for the minimums)
    # rows[i, :row_count[i]]: the money rows item i spends on (a year's frame and its reform line: a few of them)
    rows = np.zeros((n, k), np.int64)
    row_count = np.zeros(n, np.int64)
    for i in range(n):
        for r in range(k):
            if costs[r, i] != 0:
                rows[i, row_count[i]] = r
                row_count[i] += 1
    suffix = np.zeros((m, n + 1), np.int64)
    for t in range(n - 1, -1, -1):
        for r in range(m):
            suffix[r, t] = suffix[r, t + 1] + counts[r, order[t]]
    d = 0
    while d >= 0:
        if d == n:
            ok = True
            for r in range(m):
                if counted[r] < lo_left[r]:
                    ok = False
                    break
            if ok and value > best_value + 1e-9:
                best_value = value
                best[:] = x
                found = True
            d -= 1
            continue
        j = order[d]
        st = state[d]
        if st == 0:
            nodes += 1
            if nodes > node_limit:
                return best, False, nodes
            reachable = True
            for r in range(m):
                if counted[r] + suffix[r, d] < lo_left[r]:
                    reachable = False
                    break
            if not reachable:
                d -= 1
                continue
            # the bound
            bound = value
            left = capacity - used
            for t in range(d, n):
                i = order[t]
                if scores[i] <= 0:
                    break
                fits = True
                for q in range(row_count[i]):
                    r = rows[i, q]
                    if spent[r] + costs[r, i] > money_left[r]:
                        fits = False
                        break
                if not fits:
                    continue
                if weights[i] <= left:
                    bound += scores[i]
                    left -= weights[i]
                else:
                    bound += scores[i] * left / weights[i]
                    break
            if bound <= best_value + 1e-9:
                d -= 1
                continue
            state[d] = 1
            fits = True
            for q in range(row_count[j]):
                r = rows[j, q]
                if spent[r] + costs[r, j] > money_left[r]:
                    fits = False
                    break
            if fits:
                for r in range(m):
                    if counted[r] + counts[r, j] > hi_left[r]:
                        fits = False
                        break
            if fits:
                x[j] = 1
                for r in range(k):
                    spent[r] += costs[r, j]
                for r in range(m):
                    counted[r] += counts[r, j]
                value += scores[j]
                used += weights[j]
                state[d + 1] = 0
                d += 1
                continue
            st = 1
        if st == 1:
            if x[j] == 1:
                x[j] = 0
                for r in range(k):
                    spent[r] -= costs[r, j]
                for r in range(m):
                    counted[r] -= counts[r, j]
                value -= scores[j]
                used -= weights[j]
            state[d] = 2
            state[d + 1] = 0
            d += 1
            continue
        d -= 1
    if not found:
        best[0] = -1
    return best, True, nodes


@njit(cache=True, nogil=True, parallel=True)
def search_draws(score_rows, costs, limits, counts, hi, lo, weights, capacity, start, node_limit):
    """:func:`_search` for every row of ``score_rows`` over all applications, each from the feasible ``start``;
    returns the chosen sets, whether each search finished within ``node_limit``, and its nodes."""
    draws, n = score_rows.shape
    chosen = np.zeros((draws, n), np.int64)
    complete = np.zeros(draws, np.bool_)
    nodes = np.zeros(draws, np.int64)
    for d in prange(draws):
        scores = score_rows[d]
        start_value = 0.0
        for i in range(n):
            start_value += scores[i] * start[i]
        best, done, used = search(scores, costs, limits, counts, hi, lo, weights, capacity,
                                   ratio_order(scores, weights), start, start_value, node_limit)
        chosen[d] = best
        complete[d] = done
        nodes[d] = used
    return chosen, complete, nodes


@njit(cache=True, nogil=True)
def ratio_order(scores, weights):
    """Items by score per surrogate weight, best first (weightless ones first, those worth nothing last); stable."""
    n = scores.shape[0]
    ratio = np.empty(n)
    for i in range(n):
        if scores[i] <= 0:
            ratio[i] = -np.inf
        elif weights[i] > 0:
            ratio[i] = scores[i] / weights[i]
        else:
            ratio[i] = np.inf
    return np.argsort(-ratio, kind="mergesort")
