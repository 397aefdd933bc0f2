"""The per-unit terms of the entropy, Atkinson and mutual-information sums, and their lookup tables.

For a unit with ``x`` members of a group among ``t`` residents the fused kernels (:mod:`segreform.measure.fused`)
need the binary entropy of ``x / t``, ``(1 - p)^(1 - b) p^b`` and ``ln p``. With whole counts these repeat, so
large inputs read them from tables indexed by ``(t, x)`` instead of calling ``log`` and ``pow`` per cell.
"""

from __future__ import annotations

import functools

import numba
import numpy as np

TABLE_MAX = 1024  # largest unit population whose (x, t) terms are tabulated


@numba.njit(cache=True, nogil=True)
def binary_entropy(q):
    a = -q * np.log(q) if q > 0.0 else 0.0
    b = -(1.0 - q) * np.log1p(-q) if q < 1.0 else 0.0
    return a + b


@numba.njit(cache=True, nogil=True)
def share_terms(x, t, b):
    """(binary entropy of p, (1-p)^(1-b) p^b, ln p) for one unit-group (t > 0)."""
    p = x / t
    q = min(max(p, 0.0), 1.0)
    log_p = np.log(p) if x > 0 else 0.0
    return binary_entropy(q), (1.0 - p) ** (1.0 - b) * p**b, log_p


@numba.njit(cache=True, nogil=True)
def _tables(t_max, b):
    size = (t_max + 1) * (t_max + 2) // 2
    entropy = np.zeros(size)
    atkinson = np.zeros(size)
    log_p = np.zeros(size)
    for t in range(1, t_max + 1):
        base = t * (t + 1) // 2
        for x in range(t + 1):
            entropy[base + x], atkinson[base + x], log_p[base + x] = share_terms(float(x), float(t), b)
    return entropy, atkinson, log_p


_NO_TABLES = (np.zeros(1), np.zeros(1), np.zeros(1))


def lookup_tables(t: np.ndarray, cells: int, atkinson_b: float) -> tuple[int, tuple[np.ndarray, ...]]:
    """``(table_max, tables)`` for :func:`_unit_sums`: tabulated (x, t) terms when they pay for themselves.

    A table for units up to ``table_max`` residents costs about as much as computing that many terms
    directly, so small inputs (a bootstrap block, one kommun) skip it (``table_max`` 0), and tables are kept
    per size (rounded up to a power of two) and Atkinson parameter instead of being rebuilt on every call:
    rebuilding them made the barometer's 200 bootstrap draws per kommun take minutes. The terms are the
    same either way, so the sums are too."""
    t_max = float(t.max()) if t.size else 0.0
    needed = int(min(TABLE_MAX, max(t_max, 1.0)))
    table_max = min(TABLE_MAX, 1 << (needed - 1).bit_length())
    if cells < (table_max + 1) * (table_max + 2) // 2:
        return 0, _NO_TABLES
    return table_max, _cached_tables(table_max, atkinson_b)


@functools.lru_cache(maxsize=8)
def _cached_tables(table_max: int, atkinson_b: float) -> tuple[np.ndarray, ...]:
    tables = _tables(table_max, atkinson_b)
    for table in tables:
        table.setflags(write=False)  # shared between calls and threads
    return tables
