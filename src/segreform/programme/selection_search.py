"""The compiled searches of :mod:`selection_core`: a depth-first branch and bound over one selection, and the same
over many score vectors at once (the stability draws), spread over the CPU cores with numba's ``prange``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(inline="always")
def _take(j, x, spent, counted, costs, counts):
    """Put application ``j`` in the selection ``x`` and add what it spends and counts."""
    x[j] = 1
    for r in range(costs.shape[0]):
        spent[r] += costs[r, j]
    for r in range(counts.shape[0]):
        counted[r] += counts[r, j]


@njit(inline="always")
def _money_fits(i, rows, row_count, costs, spent, money_left):
    """Whether application ``i`` still fits every money row it spends on (only those rows are checked)."""
    for q in range(row_count[i]):
        r = rows[i, q]
        if spent[r] + costs[r, i] > money_left[r]:
            return False
    return True


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
                if not _money_fits(i, rows, row_count, costs, spent, money_left):
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
            fits = _money_fits(j, rows, row_count, costs, spent, money_left)
            if fits:
                for r in range(m):
                    if counted[r] + counts[r, j] > hi_left[r]:
                        fits = False
                        break
            if fits:
                _take(j, x, spent, counted, costs, counts)
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


@njit(cache=True, nogil=True, parallel=True)
def search_pinned(scores, costs, limits, counts, hi, lo, weights, capacities, pin_item, pin_value, starts, has_start,
                  node_limit):
    """:func:`search` once per pin (application ``pin_item[t]`` held at ``pin_value[t]``, the others free), over the
    CPU cores: the explanations' re-solves. Returns the chosen sets (pinned item included) and a status per pin:
    0 solved, 1 node limit reached, 2 no set meets the constraints with that pin."""
    tasks = pin_item.shape[0]
    n = scores.shape[0]
    chosen = np.zeros((tasks, n), np.int64)
    status = np.zeros(tasks, np.int64)
    for t in prange(tasks):
        j, v = pin_item[t], pin_value[t]
        money_left = limits - v * costs[:, j]
        hi_left = hi - v * counts[:, j]
        lo_left = lo - v * counts[:, j]
        if np.any(money_left < 0) or np.any(hi_left < 0):
            status[t] = 2
            continue
        free = np.concatenate((np.arange(j), np.arange(j + 1, n)))
        sub_scores = scores[free]
        sub_weights = weights[free]
        start_x = starts[t][free] if has_start[t] else np.zeros(n - 1, np.int64)
        start_value = -np.inf
        if has_start[t]:
            start_value = 0.0
            for i in range(n - 1):
                start_value += sub_scores[i] * start_x[i]
        best, done, _ = search(sub_scores, np.ascontiguousarray(costs[:, free]), money_left,
                               np.ascontiguousarray(counts[:, free]), hi_left, lo_left, sub_weights, capacities[t],
                               ratio_order(sub_scores, sub_weights), start_x, start_value, node_limit)
        if not done:
            status[t] = 1
        elif best[0] < 0 and not has_start[t]:
            status[t] = 2
        else:
            chosen[t, j] = v
            chosen[t][free] = best if best[0] >= 0 else start_x
    return chosen, status


@njit(cache=True, nogil=True)
def greedy_fill(scores, costs, limits, counts, hi, x, free, order, spent, counted):
    """Adds to ``x`` (in place), in ``order``, every free item worth something that still fits every row."""
    k, m = costs.shape[0], counts.shape[0]
    for j in order:
        if not free[j] or scores[j] <= 0:
            continue
        fits = True
        for r in range(k):
            if spent[r] + costs[r, j] > limits[r]:
                fits = False
        for r in range(m):
            if counted[r] + counts[r, j] > hi[r]:
                fits = False
        if fits:
            _take(j, x, spent, counted, costs, counts)
