"""Segment-vectorised index kernels: arrays in, arrays out.

Every kernel works on a whole table of units at once. Units are rows of ``counts``
(``(n_units, n_groups)``, float), ``segment_ids`` says which segment (municipality-year,
bootstrap draw, Dask partition piece, ...) each unit belongs to. Sums over units within a
segment are ``np.bincount`` calls, so there is no Python loop per segment; the only loops
that must visit units in order (Gini's sorted formula) are compiled with numba.

This module imports nothing from the rest of segreform except the index formulas, so a
distributed backend can call :func:`compute_segments` on partitions directly.
"""

from __future__ import annotations

from functools import cached_property
from typing import Iterable, Mapping

import numpy as np

from segreform.measure import fused, multigroup, twogroup

TWO_GROUP_INDICES: tuple[str, ...] = tuple(twogroup.FORMULAS)
MULTIGROUP_INDICES: tuple[str, ...] = tuple(multigroup.FORMULAS)
INDEX_NAMES: tuple[str, ...] = TWO_GROUP_INDICES + MULTIGROUP_INDICES

DEFAULT_PARAMS: dict[str, float] = {"atkinson_b": 0.5, "base": 2.0}


class Segments:
    """Per-unit and per-segment aggregates shared by every index formula.

    Attributes are plain arrays: ``x`` counts ``(n, K)``, ``t`` unit totals ``(n,)``,
    ``seg`` segment id per unit, ``N`` group totals ``(S, K)`` (compensated sums), ``T`` segment
    totals ``(S,)``, ``P`` group shares ``(S, K)``; ``p`` within-unit shares ``(n, K)`` (0 in
    empty units) and ``P_unit`` = ``P[seg]`` are computed when first read (formulas that use the
    fused sums never need them). :meth:`fused` and :attr:`pair_differences` are the one-pass
    compensated sums of :mod:`segreform.measure.fused`, computed once per call and shared.
    """

    def __init__(self, x, t, seg, n_segments, N, T, P):
        self.x, self.t, self.seg, self.n_segments = x, t, seg, n_segments
        self.N, self.T, self.P = N, T, P
        self._fused: dict[float, np.ndarray] = {}
        self._histogram_pairs: np.ndarray | None = None

    def sum_units(self, values: np.ndarray) -> np.ndarray:
        """Sum a per-unit array ``(n,)`` or ``(n, K)`` within each segment."""
        return segment_sums(values, self.seg, self.n_segments)

    @cached_property
    def bounds(self) -> np.ndarray:
        """``(S + 1,)`` offsets: units of segment s are rows ``bounds[s]:bounds[s+1]``."""
        return np.searchsorted(self.seg, np.arange(self.n_segments + 1), side="left")

    @cached_property
    def p(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.t[:, None] > 0, self.x / self.t[:, None], 0.0)

    @cached_property
    def P_unit(self) -> np.ndarray:
        return self.P[self.seg]

    def fused(self, atkinson_b: float) -> np.ndarray:
        """``(fused.N_SUMS, S, K)`` compensated per-unit sums (see :mod:`segreform.measure.fused`)."""
        if atkinson_b not in self._fused:
            from_histograms = fused.histogram_sums(self.x, self.t, self.bounds, self.P, atkinson_b)
            skip = np.zeros(self.n_segments, dtype=bool)
            skip[list(from_histograms)] = True
            sums = fused.unit_sums(self.x, self.t, self.bounds, self.P, atkinson_b, skip)
            pairs = None
            if from_histograms:
                pairs = np.full(self.P.shape, np.nan)
                for s, (segment_sums_, segment_pairs) in from_histograms.items():
                    sums[:, s, :] = segment_sums_
                    pairs[s] = segment_pairs
            self._fused[atkinson_b] = sums
            self._histogram_pairs = pairs
        return self._fused[atkinson_b]

    @cached_property
    def pair_differences(self) -> np.ndarray:
        """``(S, K)``: ``sum_ij t_i t_j |p_ik - p_jk|`` (Gini numerators), compensated."""
        if self._histogram_pairs is None and not self._fused:
            self.fused(DEFAULT_PARAMS["atkinson_b"])
        pairs = self._histogram_pairs
        if pairs is None:
            return fused.pair_difference_sums(self.x, self.t, self.bounds)
        missing = np.isnan(pairs).any(axis=1)
        if missing.any():
            pairs = pairs.copy()
            pairs[missing] = fused.pair_difference_sums(self.x, self.t, self.bounds)[missing]
        return pairs


def segment_sums(values: np.ndarray, segment_ids: np.ndarray, n_segments: int) -> np.ndarray:
    """Sum per-unit values ``(n,)`` or ``(n, K)`` within each segment: ``(S,)`` or ``(S, K)``."""
    if values.ndim == 1:
        return np.bincount(segment_ids, weights=values, minlength=n_segments)
    out = np.empty((n_segments, values.shape[1]))
    for k in range(values.shape[1]):
        out[:, k] = np.bincount(segment_ids, weights=values[:, k], minlength=n_segments)
    return out


def prepare(counts: np.ndarray, segment_ids: np.ndarray | None = None, n_segments: int | None = None) -> Segments:
    """Aggregate a counts table once so that every index can reuse the sums.

    Parameters
    ----------
    counts : array of shape (n_units, n_groups)
        Non-negative counts (or weights). Validated by the caller.
    segment_ids : int array of shape (n_units,), sorted ascending, optional
        Segment of each unit; all units form one segment when omitted.
    n_segments : int, optional
        Number of segments (ids ``0 .. n_segments-1``); defaults to ``max(segment_ids) + 1``.
        Segments without units are allowed and yield NaN.
    """
    x = np.asarray(counts, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"counts must be a 2-D array (units x groups), got shape {x.shape}")
    if segment_ids is None:
        seg = np.zeros(x.shape[0], dtype=np.int64)
    else:
        seg = np.asarray(segment_ids, dtype=np.int64)
        if seg.shape != (x.shape[0],):
            raise ValueError(f"segment_ids must have shape ({x.shape[0]},), got {seg.shape}")
        if seg.size and (seg[1:] < seg[:-1]).any():
            raise ValueError("segment_ids must be sorted ascending; sort the units by segment first")
        if seg.size and seg[0] < 0:
            raise ValueError("segment_ids must be non-negative")
    if n_segments is None:
        n_segments = int(seg[-1]) + 1 if seg.size else 1
    x = np.ascontiguousarray(x)
    bounds = np.searchsorted(seg, np.arange(n_segments + 1), side="left")
    N, t = fused.group_totals(x, bounds)
    T = N.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        P = np.where(T[:, None] > 0, N / T[:, None], np.nan)
    segments = Segments(x, t, seg, n_segments, N, T, P)
    segments.__dict__["bounds"] = bounds
    return segments


def check_params(params: Mapping[str, float] | None) -> dict[str, float]:
    """Fill in defaults and reject unknown or out-of-range parameters."""
    merged = dict(DEFAULT_PARAMS)
    for name, value in (params or {}).items():
        if name not in DEFAULT_PARAMS:
            raise ValueError(
                f"unknown parameter {name!r}; known parameters: {', '.join(sorted(DEFAULT_PARAMS))}"
            )
        merged[name] = value
    b = merged["atkinson_b"]
    if not isinstance(b, (int, float)) or not 0.0 < float(b) < 1.0:
        raise ValueError(f"atkinson_b must be a number strictly between 0 and 1, got {b!r}")
    base = merged["base"]
    if not isinstance(base, (int, float)) or not float(base) > 0 or float(base) == 1.0:
        raise ValueError(f"base must be a positive number other than 1 (e.g. 2 or math.e), got {base!r}")
    return {k: float(v) for k, v in merged.items()}


def check_names(names: str | Iterable[str]) -> list[str]:
    """Resolve ``"all"``, one name or a list of names into known index names, in order."""
    if isinstance(names, str):
        names = list(INDEX_NAMES) if names == "all" else [names]
    names = list(names)
    unknown = [n for n in names if n not in INDEX_NAMES]
    if unknown:
        raise ValueError(
            f"unknown index name {unknown[0]!r}; choose from: {', '.join(INDEX_NAMES)} (or 'all')"
        )
    if not names:
        raise ValueError("no index requested; pass a name, a list of names or 'all'")
    return list(dict.fromkeys(names))


def compute_prepared(segments: Segments, names: Iterable[str], params: Mapping[str, float]) -> dict[str, np.ndarray]:
    """Compute indices on already aggregated segments (see :func:`compute_segments`)."""
    out: dict[str, np.ndarray] = {}
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for name in names:
            formula = twogroup.FORMULAS.get(name) or multigroup.FORMULAS[name]
            out[name] = formula(segments, params)
    return out


def compute_segments(
    counts: np.ndarray,
    segment_ids: np.ndarray | None,
    names: str | Iterable[str] = "all",
    params: Mapping[str, float] | None = None,
    n_segments: int | None = None,
) -> dict[str, np.ndarray]:
    """Compute aspatial indices for every segment at once.

    Parameters
    ----------
    counts : float array (n_units, n_groups)
        Non-negative counts; rows are units sorted by segment.
    segment_ids : int array (n_units,), sorted ascending
        Segment id per unit (``None``: a single segment).
    names : str or list of str
        Index names from :data:`INDEX_NAMES` or ``"all"``.
    params : mapping, optional
        ``atkinson_b`` (0 < b < 1, default 0.5) and ``base`` of logarithms (default 2).
    n_segments : int, optional
        Total number of segments, to keep trailing empty segments.

    Returns
    -------
    dict
        name -> ``(n_segments, n_groups)`` for two-group indices (column k: group k against
        all other groups) or ``(n_segments,)`` for multigroup indices. Undefined values
        (empty segment, a focal group with no members or all members) are NaN.
    """
    resolved = check_names(names)
    checked = check_params(params)
    return compute_prepared(prepare(counts, segment_ids, n_segments), resolved, checked)
