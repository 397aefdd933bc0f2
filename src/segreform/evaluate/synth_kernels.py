"""Compiled kernels of the synthetic control: the exact simplex least squares and the nested V search.

Pure arrays in, arrays out (numba); :mod:`segreform.evaluate.synth` prepares the data.
"""

from __future__ import annotations

import numpy as np
from numba import njit

MIN_LOG_RATIO = np.log(1e-6)


@njit(cache=True)
def _gauss_solve(matrix: np.ndarray, rhs: np.ndarray) -> tuple[np.ndarray, bool]:
    """Gaussian elimination with partial pivoting; (solution, ok). Plain loops keep numba's compile short."""
    n = rhs.size
    m = matrix.copy()
    x = rhs.copy()
    scale = 0.0
    for i in range(n):
        for j in range(n):
            scale = max(scale, abs(m[i, j]))
    for col in range(n):
        pivot = col
        for row in range(col + 1, n):
            if abs(m[row, col]) > abs(m[pivot, col]):
                pivot = row
        if abs(m[pivot, col]) <= 1e-13 * scale:
            return x, False
        if pivot != col:
            for j in range(n):
                m[col, j], m[pivot, j] = m[pivot, j], m[col, j]
            x[col], x[pivot] = x[pivot], x[col]
        for row in range(col + 1, n):
            factor = m[row, col] / m[col, col]
            if factor != 0.0:
                for j in range(col, n):
                    m[row, j] -= factor * m[col, j]
                x[row] -= factor * x[col]
    for row in range(n - 1, -1, -1):
        total = x[row]
        for j in range(row + 1, n):
            total -= m[row, j] * x[j]
        x[row] = total / m[row, row]
    return x, True


@njit(cache=True)
def _equality_ls(a: np.ndarray, b: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """argmin ||A[:, P] z - b||² subject to sum(z) = 1, through its KKT system."""
    p = columns.size
    sub = a[:, columns]
    kkt = np.zeros((p + 1, p + 1))
    kkt[:p, :p] = sub.T @ sub
    kkt[:p, p] = 1.0
    kkt[p, :p] = 1.0
    rhs = np.zeros(p + 1)
    rhs[:p] = sub.T @ b
    rhs[p] = 1.0
    solution, ok = _gauss_solve(kkt, rhs)
    if not ok:
        # Collinear donors: a tiny ridge picks one of the equally good solutions.
        ridge = 1e-10 * (np.trace(kkt[:p, :p]) / p + 1e-300)
        for i in range(p):
            kkt[i, i] += ridge
        solution, ok = _gauss_solve(kkt, rhs)
    return solution[:p]


@njit(cache=True)
def simplex_least_squares(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Exact argmin ||A w - b||² over the unit simplex, started from the best single donor."""
    return simplex_least_squares_from(a, b, np.zeros(0))


@njit(cache=True)
def simplex_least_squares_from(a: np.ndarray, b: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Exact argmin ||A w - b||² over the unit simplex (w ≥ 0, sum w = 1).

    A primal active-set method in the manner of Lawson & Hanson's NNLS, with the sum-to-one
    constraint carried by its multiplier: it stops when every inactive donor's gradient is no
    smaller than the common gradient of the active donors (the KKT conditions), so the answer is
    the optimum to rounding, not an approximation. ``start`` (feasible weights, or empty) only
    shortens the path: inside a search over V the previous solution is usually almost right.
    """
    k, j = a.shape
    if start.size == j:
        w = start.copy()
        active = w > 0
    else:
        best = 0
        best_err = np.inf
        for c in range(j):
            err = np.sum((a[:, c] - b) ** 2)
            if err < best_err:
                best_err = err
                best = c
        w = np.zeros(j)
        w[best] = 1.0
        active = w > 0
    scale = 1.0 + np.sum(a * a) / j
    tol = 1e-12 * scale
    entering = -1
    for _outer in range(4 * j + 20):
        if _outer > 0 or start.size == j:
            if _outer == 0:
                entering = np.flatnonzero(active)[0]
            for _inner in range(j + 5):
                columns = np.flatnonzero(active)
                z = _equality_ls(a, b, columns)
                if np.all(z > 1e-14):
                    w[:] = 0.0
                    w[columns] = z
                    break
                alpha = 1.0
                for i in range(columns.size):
                    c = columns[i]
                    if z[i] <= 1e-14:
                        denominator = w[c] - z[i]
                        if denominator > 0:
                            ratio = w[c] / denominator
                            if ratio < alpha:
                                alpha = ratio
                for i in range(columns.size):
                    c = columns[i]
                    w[c] = w[c] + alpha * (z[i] - w[c])
                for i in range(columns.size):
                    c = columns[i]
                    if w[c] <= 1e-14:
                        w[c] = 0.0
                        active[c] = False
                if not np.any(active):
                    active[entering] = True
                    w[entering] = 1.0
                    break
        r = a @ w - b
        g = a.T @ r
        mu = 0.0
        count = 0
        for c in range(j):
            if active[c]:
                mu += g[c]
                count += 1
        mu /= count
        entering = -1
        most_negative = -tol
        for c in range(j):
            if not active[c] and g[c] - mu < most_negative:
                most_negative = g[c] - mu
                entering = c
        if entering < 0:
            break
        active[entering] = True
    w = np.maximum(w, 0.0)
    return w / np.sum(w)


@njit(cache=True)
def _v_scaled(x0: np.ndarray, x1: np.ndarray, v: np.ndarray):
    """Rows 0..K-1 (the predictors) scaled by sqrt(V); any further rows (the tie-break) kept as they are."""
    a = x0.copy()
    b = x1.copy()
    for i in range(v.size):
        root = np.sqrt(v[i])
        a[i, :] *= root
        b[i] *= root
    return a, b


@njit(cache=True)
def weights_for_v(x0: np.ndarray, x1: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Donor weights minimising the V-weighted predictor distance.

    ``x0`` is (K [+ extra]) × donors: the first K = len(v) rows are predictors weighted by V; extra
    rows, pre-scaled by the caller, enter with weight one (the synthetic control's tie-break).
    """
    a, b = _v_scaled(x0, x1, v)
    return simplex_least_squares(a, b)


@njit(cache=True)
def _weights_warm(x0, x1, v, warm):
    a, b = _v_scaled(x0, x1, v)
    w = simplex_least_squares_from(a, b, warm)
    warm[:] = w
    return w


@njit(cache=True)
def v_from_theta(theta: np.ndarray) -> np.ndarray:
    """Predictor weights on the simplex from unconstrained log-scale parameters (softmax).

    No weight falls below 1e-6 of the largest: with predictors weighted (almost) zero the donor
    weights stop being unique, and the search would then chase rounding noise in the inner solver.
    """
    e = np.exp(np.maximum(theta - np.max(theta), MIN_LOG_RATIO))
    return e / np.sum(e)


@njit(cache=True)
def outcome_loss(theta, x0, x1, z0, z1, warm) -> float:
    """Pre-period mean squared prediction error of the outcome for the weights that V(theta) implies.

    ``warm`` holds the last weights found and is updated: it starts the next inner solve.
    """
    w = _weights_warm(x0, x1, v_from_theta(theta), warm)
    d = z1 - z0 @ w
    return np.mean(d * d)


@njit(cache=True)
def nelder_mead(theta0, x0, x1, z0, z1, max_evals, ftol):
    """Nelder-Mead over theta; returns (theta, loss, evaluations)."""
    n = theta0.size
    warm = weights_for_v(x0, x1, v_from_theta(theta0))
    simplex = np.empty((n + 1, n))
    values = np.empty(n + 1)
    simplex[0] = theta0
    for i in range(n):
        simplex[i + 1] = theta0
        simplex[i + 1, i] += 1.0
    evals = 0
    for i in range(n + 1):
        values[i] = outcome_loss(simplex[i], x0, x1, z0, z1, warm)
        evals += 1
    while evals < max_evals:
        order = np.argsort(values)
        simplex = simplex[order]
        values = values[order]
        # Only the loss decides convergence: once a predictor's weight is negligible, its
        # log-weight is free to drift without changing anything.
        if values[-1] - values[0] <= ftol * (abs(values[0]) + 1e-30):
            break
        centroid = np.zeros(n)
        for i in range(n):
            centroid += simplex[i]
        centroid /= n
        reflected = centroid + (centroid - simplex[-1])
        f_r = outcome_loss(reflected, x0, x1, z0, z1, warm)
        evals += 1
        if f_r < values[0]:
            expanded = centroid + 2.0 * (centroid - simplex[-1])
            f_e = outcome_loss(expanded, x0, x1, z0, z1, warm)
            evals += 1
            if f_e < f_r:
                simplex[-1] = expanded
                values[-1] = f_e
            else:
                simplex[-1] = reflected
                values[-1] = f_r
        elif f_r < values[-2]:
            simplex[-1] = reflected
            values[-1] = f_r
        else:
            if f_r < values[-1]:
                contracted = centroid + 0.5 * (reflected - centroid)
            else:
                contracted = centroid + 0.5 * (simplex[-1] - centroid)
            f_c = outcome_loss(contracted, x0, x1, z0, z1, warm)
            evals += 1
            if f_c < min(f_r, values[-1]):
                simplex[-1] = contracted
                values[-1] = f_c
            else:
                for i in range(1, n + 1):
                    simplex[i] = simplex[0] + 0.5 * (simplex[i] - simplex[0])
                    values[i] = outcome_loss(simplex[i], x0, x1, z0, z1, warm)
                    evals += 1
    best = np.argmin(values)
    return simplex[best].copy(), values[best], evals


@njit(cache=True)
def nested_search(starts, x0, x1, z0, z1, max_evals, ftol):
    """Run Nelder-Mead from every start (rows of ``starts``), restart the best once; best theta, loss, per-start losses."""
    best_theta = starts[0].copy()
    best_loss = np.inf
    losses = np.empty(starts.shape[0])
    for s in range(starts.shape[0]):
        theta, loss, _ = nelder_mead(starts[s], x0, x1, z0, z1, max_evals, ftol)
        losses[s] = loss
        if loss < best_loss:
            best_loss = loss
            best_theta = theta
    # A restart from the best point escapes Nelder-Mead's premature collapse of its simplex.
    theta, loss, _ = nelder_mead(best_theta, x0, x1, z0, z1, max_evals, ftol)
    if loss < best_loss:
        best_loss = loss
        best_theta = theta
    return best_theta, best_loss, losses
