"""Multigroup indices over all groups of a segment.

Notation per segment: ``n_ik`` count of group k in unit i, ``t_i`` unit total, ``T`` segment
total, ``P_k`` group share, ``p_ik = n_ik / t_i`` (0 in an empty unit), ``I = sum_k P_k (1-P_k)``
(Simpson's interaction), ``E = -sum_k P_k log P_k``. A group with no members in a segment is
treated as absent there (``0 log 0 = 0``, and ``K`` counts only groups with members), as in
Elbers' R package; PySAL returns NaN instead. Segregation indices are NaN for an empty segment or
one with fewer than two non-empty groups.

References: Reardon & Firebaugh (2002), "Measures of multigroup segregation", Sociological
Methodology 32; Theil & Finizza (1971); Mora & Ruiz-Castillo (2011) and Elbers (2023) for the
mutual information index M; Simpson (1949).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Mapping

import numpy as np

from segreform.measure import fused
from segreform.measure.twogroup import _pair_differences, _sums

if TYPE_CHECKING:
    from segreform.measure.kernels import Segments


def _present_groups(seg: "Segments") -> np.ndarray:
    return (seg.N > 0).sum(axis=1)


def _segregation_defined(seg: "Segments", values: np.ndarray) -> np.ndarray:
    return np.where((seg.T > 0) & (_present_groups(seg) >= 2), values, np.nan)


def _simpson_interaction(seg: "Segments") -> np.ndarray:
    return np.nansum(seg.P * (1 - seg.P), axis=1)


def _squared_deviations(seg: "Segments", params: Mapping[str, float] | None = None) -> np.ndarray:
    """``(S, K)``: sum_i t_i (p_ik - P_k)^2."""
    sums = _sums(seg, params) if params is not None else None
    if sums is not None:
        return sums[fused.SQUARED]
    return seg.sum_units(seg.t[:, None] * (seg.p - seg.P_unit) ** 2)


def _entropy(seg: "Segments") -> np.ndarray:
    """Natural-log entropy of the group shares, ``0 ln 0 = 0``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(seg.P > 0, seg.P * np.log(seg.P), 0.0).sum(axis=1)


def _mutual_information_nat(seg: "Segments", params: Mapping[str, float] | None = None) -> np.ndarray:
    sums = _sums(seg, params) if params is not None else None
    if sums is not None:
        return sums[fused.MUTUAL].sum(axis=1) / seg.T
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log(seg.p) - np.log(seg.P_unit)
        per_unit = np.where(seg.x > 0, seg.x * log_ratio, 0.0).sum(axis=1)
    return seg.sum_units(per_unit) / seg.T


def multi_dissimilarity(seg: "Segments", params: Mapping[str, float]) -> np.ndarray:
    """D = sum_k sum_i t_i |p_ik - P_k| / (2 T I)  (Morgan 1975; Reardon & Firebaugh 2002)."""
    sums = _sums(seg, params)
    per_group = sums[fused.ABSDEV] if sums is not None else seg.sum_units(seg.t[:, None] * np.abs(seg.p - seg.P_unit))
    num = per_group.sum(axis=1)
    return _segregation_defined(seg, num / (2 * seg.T * _simpson_interaction(seg)))


def multi_gini(seg: "Segments", params: Mapping[str, float]) -> np.ndarray:
    """G = sum_k sum_i sum_j t_i t_j |p_ik - p_jk| / (2 T^2 I)  (Reardon & Firebaugh 2002)."""
    num = _pair_differences(seg).sum(axis=1)
    return _segregation_defined(seg, num / (2 * seg.T**2 * _simpson_interaction(seg)))


def mutual_information(seg: "Segments", params: Mapping[str, float]) -> np.ndarray:
    """M = sum_i sum_k (n_ik / T) log_base(p_ik / P_k)  (Theil & Finizza 1971; Mora & Ruiz-Castillo 2011)."""
    return _segregation_defined(seg, _mutual_information_nat(seg, params) / np.log(params["base"]))


def theil_h(seg: "Segments", params: Mapping[str, float]) -> np.ndarray:
    """H = M / E, the information theory index, between 0 and 1 (Theil & Finizza 1971)."""
    return _segregation_defined(seg, _mutual_information_nat(seg, params) / _entropy(seg))


def normalized_exposure(seg: "Segments", params: Mapping[str, float]) -> np.ndarray:
    """P = sum_k sum_i t_i (p_ik - P_k)^2 / (T (1 - P_k))  (James 1986; Reardon & Firebaugh 2002)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        per_group = np.where(seg.P < 1, _squared_deviations(seg, params) / (1 - seg.P), 0.0)
    return _segregation_defined(seg, per_group.sum(axis=1) / seg.T)


def relative_diversity(seg: "Segments", params: Mapping[str, float]) -> np.ndarray:
    """R = sum_k sum_i t_i (p_ik - P_k)^2 / (T I)  (Carlson 1992; Reardon & Firebaugh 2002)."""
    num = _squared_deviations(seg, params).sum(axis=1)
    return _segregation_defined(seg, num / (seg.T * _simpson_interaction(seg)))


def squared_cv(seg: "Segments", params: Mapping[str, float]) -> np.ndarray:
    """C = sum_k sum_i t_i (p_ik - P_k)^2 / ((K - 1) T P_k)  (Reardon & Firebaugh 2002)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        per_group = np.where(seg.P > 0, _squared_deviations(seg, params) / seg.P, 0.0)
    K = _present_groups(seg)
    return _segregation_defined(seg, per_group.sum(axis=1) / ((K - 1) * seg.T))


def diversity(seg: "Segments", params: Mapping[str, float]) -> np.ndarray:
    """E = -sum_k P_k log_base P_k, the entropy of the segment's group shares (Theil 1972)."""
    return np.where(seg.T > 0, _entropy(seg) / np.log(params["base"]), np.nan)


def diversity_normalized(seg: "Segments", params: Mapping[str, float]) -> np.ndarray:
    """E / log K, between 0 and 1 (K: groups with members; NaN when K < 2)."""
    return _segregation_defined(seg, _entropy(seg) / np.log(_present_groups(seg)))


def simpson_concentration(seg: "Segments", params: Mapping[str, float]) -> np.ndarray:
    """lambda = sum_k P_k^2, the chance that two random residents share a group (Simpson 1949)."""
    return np.where(seg.T > 0, np.nansum(seg.P**2, axis=1), np.nan)


def simpson_interaction(seg: "Segments", params: Mapping[str, float]) -> np.ndarray:
    """I = sum_k P_k (1 - P_k), the chance that two random residents differ in group (Simpson 1949)."""
    return np.where(seg.T > 0, _simpson_interaction(seg), np.nan)


FORMULAS: dict[str, Callable[["Segments", Mapping[str, float]], np.ndarray]] = {
    "multi_dissimilarity": multi_dissimilarity,
    "multi_gini": multi_gini,
    "mutual_information": mutual_information,
    "theil_h": theil_h,
    "normalized_exposure": normalized_exposure,
    "relative_diversity": relative_diversity,
    "squared_cv": squared_cv,
    "diversity": diversity,
    "diversity_normalized": diversity_normalized,
    "simpson_concentration": simpson_concentration,
    "simpson_interaction": simpson_interaction,
}
