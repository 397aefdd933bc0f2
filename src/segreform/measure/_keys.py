"""Row keys as int64 codes: duplicate detection and segment codes without pandas' object hashing.

``DataFrame.duplicated`` and ``groupby().ngroup()`` hash every row as a tuple of Python objects;
on 10 million rows that costs seconds. Here each key column becomes int64 codes (integer columns
as they are, anything else through ``pd.factorize``), the columns are combined into one int64 per
row, and numba finds the first repeated key (an open-addressing hash table; codes in a small range are
counted first, so that the search runs only when there is a repeat).
"""

from __future__ import annotations

from typing import Sequence

import numba
import numpy as np
import pandas as pd

_COMBINE_LIMIT = 2**62


def _column_codes(column: pd.Series, sort: bool) -> tuple[np.ndarray, int]:
    """Int64 codes of one column (equal values, equal codes) and the number of distinct codes
    they span; with ``sort`` the codes follow the values' sorted order."""
    values = column.to_numpy()
    if values.dtype.kind in "iub" and (values.dtype.kind != "u" or values.dtype.itemsize < 8 or values.size == 0
                                       or values.max() < 2**63):
        values = values.astype(np.int64, copy=False)
        if values.size == 0:
            return values, 1
        low, high = int(values.min()), int(values.max())
        if high - low < _COMBINE_LIMIT:
            return values - low, high - low + 1
    codes, uniques = pd.factorize(column, sort=sort)
    return codes.astype(np.int64, copy=False), max(len(uniques), 1)


def row_codes(data: pd.DataFrame, columns: Sequence[str], sort: bool = False) -> np.ndarray:
    """One int64 per row, equal exactly when the rows agree on every column of ``columns``.

    With ``sort`` the codes are dense (0, 1, ...) and follow the rows' sorted key order
    (lexicographic over ``columns``). Missing values must have been refused before.
    """
    if len(columns) == 1 and not sort:
        values = data[columns[0]].to_numpy()
        if values.dtype.kind in "ib":  # already one int64 per row, no copy needed
            return values.astype(np.int64, copy=False)
    combined, span = None, 1
    for column in columns:
        codes, width = _column_codes(data[column], sort)
        if combined is None:
            combined, span = codes, width
            continue
        if span * width >= _COMBINE_LIMIT:
            combined, uniques = pd.factorize(combined, sort=sort)
            combined, span = combined.astype(np.int64, copy=False), max(len(uniques), 1)
        combined = combined * width + codes
        span *= width
    if combined is None:
        return np.zeros(len(data), dtype=np.int64)
    if sort:
        combined = pd.factorize(combined, sort=True)[0].astype(np.int64, copy=False)
    return combined


@numba.njit(cache=True, nogil=True)
def _first_repeat_hashed(codes):
    size = 1
    while size < 2 * codes.shape[0]:
        size *= 2
    mask = size - 1
    slots = np.empty(size, dtype=np.int64)
    used = np.zeros(size, dtype=np.bool_)
    for i in range(codes.shape[0]):
        c = codes[i]
        h = (np.uint64(c) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(20)
        s = np.int64(h) & mask
        while used[s]:
            if slots[s] == c:
                return i
            s = (s + 1) & mask
        used[s] = True
        slots[s] = c
    return -1


def first_repeat(codes: np.ndarray) -> int:
    """Position of the first code that occurred earlier (``duplicated(keep="first")``), or -1."""
    codes = np.ascontiguousarray(codes, dtype=np.int64)
    if codes.size < 2:
        return -1
    low, high = int(codes.min()), int(codes.max())
    if high - low < 4 * codes.size:
        # codes in a small range (e.g. cell numbers): count them; the search runs only on a repeat
        occurrences = np.bincount(codes - low if low else codes, minlength=high - low + 1)
        if occurrences.max() < 2:
            return -1
    return int(_first_repeat_hashed(codes))
