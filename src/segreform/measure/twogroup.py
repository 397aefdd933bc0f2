"""Two-group indices: each group (column k) against all other groups of its segment.

Notation per segment: ``x_i`` focal-group count of unit i, ``t_i`` unit total, ``X`` and ``T``
segment totals, ``P = X / T`` and ``p_i = x_i / t_i`` (0 in an empty unit). Every formula
returns an ``(n_segments, n_groups)`` array; it is NaN where the index is undefined: an empty
segment, or a focal group with no members (P = 0) or with every member (P = 1).

References: Duncan & Duncan (1955); Massey & Denton (1988), "The dimensions of residential
segregation", Social Forces 67(2); Atkinson (1970); Theil & Finizza (1971); Bell (1954);
White (1986) for the correlation ratio (eta squared).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Mapping

import numpy as np

from segreform.measure import fused
from segreform.measure._pairwise import weighted_abs_diff_sums

if TYPE_CHECKING:
    from segreform.measure.kernels import Segments


def _sums(seg: "Segments", params: Mapping[str, float]):
    """The fused compensated sums where ``seg`` offers them (duck-typed draw blocks do not)."""
    return seg.fused(params["atkinson_b"]) if hasattr(seg, "fused") else None


def _pair_differences(seg) -> np.ndarray:
    if hasattr(seg, "pair_differences"):
        return seg.pair_differences
    return weighted_abs_diff_sums(seg.p, seg.t, seg.bounds)


def _defined(seg: "Segments", values: np.ndarray) -> np.ndarray:
    """Blank out segments/groups where a two-group index has no meaning."""
    return np.where((seg.P > 0) & (seg.P < 1), values, np.nan)


def _binary_entropy(share: np.ndarray) -> np.ndarray:
    """``-q ln q - (1-q) ln(1-q)`` with ``0 ln 0 = 0``."""
    q = np.clip(share, 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(q > 0, -q * np.log(q), 0.0)
        b = np.where(q < 1, -(1 - q) * np.log1p(-q), 0.0)
    return a + b


def dissimilarity(seg: "Segments", params: Mapping[str, float]) -> np.ndarray:
    """D = sum_i t_i |p_i - P| / (2 T P (1 - P))  (Duncan & Duncan 1955)."""
    sums = _sums(seg, params)
    num = sums[fused.ABSDEV] if sums is not None else seg.sum_units(seg.t[:, None] * np.abs(seg.p - seg.P_unit))
    return _defined(seg, num / (2 * seg.T[:, None] * seg.P * (1 - seg.P)))


def gini(seg: "Segments", params: Mapping[str, float]) -> np.ndarray:
    """G = sum_i sum_j t_i t_j |p_i - p_j| / (2 T^2 P (1 - P))  (Massey & Denton 1988)."""
    num = _pair_differences(seg)
    return _defined(seg, num / (2 * seg.T[:, None] ** 2 * seg.P * (1 - seg.P)))


def entropy(seg: "Segments", params: Mapping[str, float]) -> np.ndarray:
    """Theil's H = sum_i t_i (E - E_i) / (E T), E binary entropy of P, E_i of p_i (Theil & Finizza 1971)."""
    E = _binary_entropy(seg.P)
    sums = _sums(seg, params)
    if sums is not None:
        num = sums[fused.ENTROPY]
    else:
        num = seg.sum_units(seg.t[:, None] * (E[seg.seg] - _binary_entropy(seg.p)))
    return _defined(seg, num / (E * seg.T[:, None]))


def atkinson(seg: "Segments", params: Mapping[str, float]) -> np.ndarray:
    """A_b = 1 - P/(1-P) |sum_i (1-p_i)^(1-b) p_i^b t_i / (P T)|^(1/(1-b))  (Atkinson 1970; Massey & Denton 1988)."""
    b = params["atkinson_b"]
    sums = _sums(seg, params)
    inner = sums[fused.ATKINSON] if sums is not None else seg.sum_units((1 - seg.p) ** (1 - b) * seg.p**b * seg.t[:, None])
    value = 1 - seg.P / (1 - seg.P) * np.abs(inner / (seg.P * seg.T[:, None])) ** (1 / (1 - b))
    return _defined(seg, value)


def _isolation(seg: "Segments", params: Mapping[str, float]) -> np.ndarray:
    sums = _sums(seg, params)
    if sums is not None:
        return sums[fused.ISOLATION] / seg.N
    with np.errstate(divide="ignore", invalid="ignore"):
        per_unit = np.where(seg.t[:, None] > 0, seg.x * seg.p, 0.0)
    return seg.sum_units(per_unit) / seg.N


def isolation(seg: "Segments", params: Mapping[str, float]) -> np.ndarray:
    """xPx = sum_i (x_i / X)(x_i / t_i)  (Bell 1954; Massey & Denton 1988)."""
    return _defined(seg, _isolation(seg, params))


def exposure(seg: "Segments", params: Mapping[str, float]) -> np.ndarray:
    """xPy = sum_i (x_i / X)(y_i / t_i) with y_i = t_i - x_i: the focal group's exposure to the others."""
    sums = _sums(seg, params)
    num = sums[fused.EXPOSURE] if sums is not None else seg.sum_units(seg.x * (1 - seg.p))
    return _defined(seg, num / seg.N)


def correlation_ratio(seg: "Segments", params: Mapping[str, float]) -> np.ndarray:
    """V = eta^2 = (xPx - P) / (1 - P)  (White 1986; Massey & Denton 1988)."""
    return _defined(seg, (_isolation(seg, params) - seg.P) / (1 - seg.P))


FORMULAS: dict[str, Callable[["Segments", Mapping[str, float]], np.ndarray]] = {
    "dissimilarity": dissimilarity,
    "gini": gini,
    "entropy": entropy,
    "atkinson": atkinson,
    "isolation": isolation,
    "exposure": exposure,
    "correlation_ratio": correlation_ratio,
}
