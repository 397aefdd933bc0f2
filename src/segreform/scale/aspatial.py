"""Aspatial indices of arbitrarily large segments as map-reduce over partitions of cells.

Every aspatial index of a segment is a function of the segment's totals (``T``, group totals
``N_k``) and of sums over cells of per-cell terms that need only those totals. So no partition
needs the whole segment:

1. *totals pass*: each partition adds up its group counts per segment (``totals_partial``), and
   builds, per segment and group, a table of distinct shares ``p_ik = n_ik / t_i`` with the
   population ``t_i`` at each (``ratios_partial``); partials are merged by adding (``combine``);
2. *sums pass*: given the totals, each partition adds up the per-cell terms (``sums_partial``);
3. ``finalize`` turns totals, sums and share tables into the long result table.

Computed how (``x = n_ik``, ``t = t_i``, ``p = x / t``, ``P_k = N_k / T``, ``X = N_k``, ``Y = T - N_k``):

==========================  =====================================================================
dissimilarity               Σ t |p - P| / (2 T P (1 - P))                              (sums pass)
entropy (Theil's H)         1 - Σ t E(p) / (T E(P)),  E(q) = -q ln q - (1-q) ln(1-q)   (sums pass)
atkinson (b)                1 - P/(1-P) · |Σ (1-p)^(1-b) p^b t / (P T)|^(1/(1-b))      (sums pass)
isolation                   Σ x² / t / X                                               (sums pass)
exposure                    1 - isolation  (= Σ x (t-x) / t / X)                       (sums pass)
correlation_ratio           (isolation - P) / (1 - P)                                  (sums pass)
gini                        Σ_j gap_j · W_below_j · W_above_j / (X Y)  over the sorted distinct
                            shares (exact: equal shares add their populations)   (share tables)
multi_dissimilarity         Σ_k Σ |x - t P_k| / (2 T I),  I = Σ P_k (1 - P_k)          (sums pass)
multi_gini                  Σ_k (gini numerator_k) / (T² I)                          (share tables)
mutual_information (M)      Σ_k Σ x log(x / (t P_k)) / T  in log base ``base``         (sums pass)
theil_h                     M / E,  E = -Σ P_k log P_k                                 (sums pass)
normalized_exposure         Σ_k Σ (x - t P_k)² / t / (T (1 - P_k))                    (sums pass)
relative_diversity          Σ_k Σ (x - t P_k)² / t / (T I)                            (sums pass)
squared_cv                  Σ_k Σ (x - t P_k)² / t / (T (K - 1) P_k)                  (sums pass)
diversity                   E in log base ``base``; ``diversity_normalized``: E / ln K (totals)
simpson_concentration       Σ P_k²                                                      (totals)
simpson_interaction         Σ P_k (1 - P_k)                                             (totals)
==========================  =====================================================================

The share tables are small for integer counts (the number of distinct fractions ``x/t`` with
``t`` up to a few hundred residents is tens of thousands, whatever the number of cells); for
non-integer weights they can grow to the number of cells and must fit on the client.
Cells with no residents contribute nothing. Edge cases follow ``segreform.measure`` (the
single-machine engine these results are tested against): a two-group index whose focal group
(or its complement) is empty in a segment is NaN; groups without members in a segment are
absent there (``K`` counts present groups) and multigroup segregation indices need two of them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.special import xlogy

from segreform.measure.table import check_counts, check_keys, require_columns

__all__ = [
    "TWO_GROUP",
    "MULTIGROUP",
    "ASPATIAL",
    "SEGMENT",
    "validate_counts",
    "totals_partial",
    "ratios_partial",
    "sums_partial",
    "combine",
    "finalize",
    "two_pass_indices",
]

TWO_GROUP = (
    "dissimilarity",
    "gini",
    "entropy",
    "atkinson",
    "isolation",
    "exposure",
    "correlation_ratio",
)
MULTIGROUP = (
    "multi_dissimilarity",
    "multi_gini",
    "mutual_information",
    "theil_h",
    "normalized_exposure",
    "relative_diversity",
    "squared_cv",
    "diversity",
    "diversity_normalized",
    "simpson_concentration",
    "simpson_interaction",
)
ASPATIAL = TWO_GROUP + MULTIGROUP
SEGMENT = "_segment"
CELLS = "_cells"
_GROUP = "_group"
_RATIO = "_ratio"
_WEIGHT = "_weight"
_SUM_KINDS = ("dabs", "ent", "atk", "iso", "sq", "mabs", "mi")


def validate_counts(frame: pd.DataFrame, groups: Sequence[str]) -> np.ndarray:
    """The group counts as a float array; refuse a bad count as :func:`segreform.measure.indices` does.

    Raises :class:`~segreform.measure.MeasureInputError` naming the column and the row's index label
    (the Dask backend labels rows by their position in the whole input), with the single-machine message.
    """
    require_columns(frame, list(groups), "group")
    counts = np.empty((len(frame), len(groups)))
    for k, name in enumerate(groups):
        counts[:, k] = check_counts(frame, name, require_integer=False)
    return counts


def _keys(frame: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    if not by:
        return pd.DataFrame({SEGMENT: np.zeros(len(frame), dtype=np.int8)}, index=frame.index)
    require_columns(frame, list(by), "by")
    check_keys(frame, list(by))
    return frame[list(by)]


def _key_names(by: Sequence[str]) -> list[str]:
    return list(by) if by else [SEGMENT]


def totals_partial(frame: pd.DataFrame, groups: Sequence[str], by: Sequence[str] = ()) -> pd.DataFrame:
    """Group totals and cell counts per segment of one partition (index: the segment keys)."""
    counts = validate_counts(frame, groups)
    keys = _keys(frame, by)
    table = pd.DataFrame(counts, columns=list(groups), index=frame.index)
    table[CELLS] = 1
    return table.groupby([keys[c] for c in keys.columns], sort=False).sum()


def _counts(frame: pd.DataFrame, groups: Sequence[str], validated: bool) -> np.ndarray:
    """Counts as floats; checked unless this partition already passed ``totals_partial``."""
    return frame[list(groups)].to_numpy(dtype=float) if validated else validate_counts(frame, groups)


def ratios_partial(
    frame: pd.DataFrame, groups: Sequence[str], by: Sequence[str] = (), validated: bool = False
) -> pd.DataFrame:
    """Population at each distinct share ``n_ik / t_i`` per segment and group (for Gini indices)."""
    counts = _counts(frame, groups, validated)
    keys = _keys(frame, by)
    t = counts.sum(axis=1)
    occupied = t > 0
    counts, t, keys = counts[occupied], t[occupied], keys.loc[occupied]
    n_groups = len(groups)
    # IEEE division is correctly rounded, so equal fractions give identical doubles and add up
    long = pd.DataFrame(
        {c: np.tile(keys[c].to_numpy(), n_groups) for c in keys.columns}
        | {
            _GROUP: np.repeat(np.arange(n_groups, dtype=np.int32), len(t)),
            _RATIO: (counts / t[:, None]).T.ravel(),
            _WEIGHT: np.tile(t, n_groups),
        }
    )
    return long.groupby(list(keys.columns) + [_GROUP, _RATIO], sort=False).sum()


def combine(partials: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Merge partial tables (totals, share tables or sums) by adding them up."""
    if not partials:
        raise ValueError("no rows: the data hold no cells")
    merged = pd.concat([p for p in partials if len(p)] or partials[:1])
    return merged.groupby(level=list(range(merged.index.nlevels)), sort=True).sum()


def _row_totals(keys: pd.DataFrame, totals: pd.DataFrame, groups: Sequence[str]) -> np.ndarray:
    index = pd.MultiIndex.from_frame(keys) if keys.shape[1] > 1 else pd.Index(keys.iloc[:, 0])
    position = totals.index.get_indexer(index)
    if (position < 0).any():
        raise ValueError("a partition holds a segment missing from the totals; the data changed between passes")
    return totals[list(groups)].to_numpy(dtype=float)[position]


def sums_partial(
    frame: pd.DataFrame,
    groups: Sequence[str],
    totals: pd.DataFrame,
    by: Sequence[str] = (),
    atkinson_b: float = 0.5,
    validated: bool = False,
) -> pd.DataFrame:
    """Per-cell terms summed per segment of one partition, given the segment totals."""
    counts = _counts(frame, groups, validated)
    keys = _keys(frame, by)
    t = counts.sum(axis=1)
    occupied = t > 0
    x, t, keys = counts[occupied], t[occupied][:, None], keys.loc[occupied]
    group_totals = _row_totals(keys, totals, groups)
    segment_total = group_totals.sum(axis=1, keepdims=True)
    P = group_totals / segment_total
    p = x / t
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = {
            "dabs": t * np.abs(p - P),
            "ent": -t * (xlogy(p, p) + xlogy(1 - p, 1 - p)),
            "atk": t * (1 - p) ** (1 - atkinson_b) * p**atkinson_b,
            "iso": x * x / t,
            "sq": (x - t * P) ** 2 / t,
            "mabs": np.abs(x - t * P),
            "mi": xlogy(x, x / (t * P)),
        }
    columns = {f"{kind}:{k}": terms[kind][:, k] for kind in _SUM_KINDS for k in range(len(groups))}
    table = pd.DataFrame(columns, index=keys.index)
    return table.groupby([keys[c] for c in keys.columns], sort=False).sum()


def _gini_numerators(ratios: pd.DataFrame, key_names: list[str], n_groups: int) -> pd.DataFrame:
    """Σ_i Σ_j t_i t_j |p_i - p_j| / 2 per segment (rows) and group (columns), from share tables."""
    table = ratios.reset_index().sort_values(key_names + [_GROUP, _RATIO], kind="stable")
    if table.empty:
        return pd.DataFrame(0.0, index=pd.Index([], name=key_names[0]), columns=range(n_groups))
    cell = key_names + [_GROUP]
    below = table.groupby(cell, sort=False)[_WEIGHT].cumsum()
    whole = table.groupby(cell, sort=False)[_WEIGHT].transform("sum")
    gap = table.groupby(cell, sort=False)[_RATIO].shift(-1) - table[_RATIO]
    # a sum of non-negative gap terms: no cancellation, unlike the usual cumulative formula
    table["_term"] = (gap * below * (whole - below)).fillna(0.0)
    numerators = table.groupby(cell, sort=True)["_term"].sum().unstack(_GROUP)
    return numerators.reindex(columns=range(n_groups), fill_value=0.0)


def finalize(
    totals: pd.DataFrame,
    sums: pd.DataFrame,
    ratios: pd.DataFrame | None,
    groups: Sequence[str],
    by: Sequence[str] = (),
    *,
    index: Sequence[str] = ASPATIAL,
    focal: Sequence[str] | None = None,
    atkinson_b: float = 0.5,
    base: float = 2.0,
) -> pd.DataFrame:
    """The long result table ``<by>, index, group, estimate`` from merged totals, sums and share tables."""
    key_names = _key_names(by)
    groups = list(groups)
    K = len(groups)
    totals = totals.sort_index()
    sums = sums.reindex(totals.index).fillna(0.0)
    N = totals[groups].to_numpy(dtype=float)
    T = N.sum(axis=1, keepdims=True)
    T1 = T[:, 0]
    occupied = T1 > 0
    present = (N > 0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        P = np.where(T > 0, N / T, np.nan)
    X, Y = N, T - N
    interaction = np.nansum(P * (1 - P), axis=1)
    entropy_total = -np.nansum(xlogy(P, P), axis=1)

    def per_group(kind: str) -> np.ndarray:
        return sums[[f"{kind}:{k}" for k in range(K)]].to_numpy(dtype=float)

    two: dict[str, np.ndarray] = {}
    multi: dict[str, np.ndarray] = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        isolation = per_group("iso") / X
        two["dissimilarity"] = per_group("dabs") / (2 * T * P * (1 - P))
        two["entropy"] = 1 - per_group("ent") / (T * -(xlogy(P, P) + xlogy(1 - P, 1 - P)))
        atk = per_group("atk") / (P * T)
        two["atkinson"] = 1 - P / (1 - P) * np.abs(atk) ** (1 / (1 - atkinson_b))
        two["isolation"] = isolation
        two["exposure"] = 1 - isolation
        two["correlation_ratio"] = (isolation - P) / (1 - P)
        if ratios is not None:
            gini_num = _gini_numerators(ratios, key_names, K).reindex(totals.index).fillna(0.0).to_numpy()
            two["gini"] = gini_num / (X * Y)
            multi["multi_gini"] = gini_num.sum(axis=1) / (T1**2 * interaction)
        # as in segreform.measure: a two-group index needs members inside and outside the focal group
        two = {name: np.where((X > 0) & (Y > 0), value, np.nan) for name, value in two.items()}

        sq = per_group("sq")
        mutual = per_group("mi").sum(axis=1) / T1
        multi["multi_dissimilarity"] = per_group("mabs").sum(axis=1) / (2 * T1 * interaction)
        multi["mutual_information"] = mutual / np.log(base)
        multi["theil_h"] = mutual / entropy_total
        multi["normalized_exposure"] = np.where(P < 1, sq / (1 - P), 0.0).sum(axis=1) / T1
        multi["relative_diversity"] = sq.sum(axis=1) / (T1 * interaction)
        multi["squared_cv"] = np.where(P > 0, sq / P, 0.0).sum(axis=1) / ((present - 1) * T1)
        multi["diversity_normalized"] = entropy_total / np.log(present)
        # groups without members count as absent (K = groups present), as in segreform.measure
        multi = {name: np.where(occupied & (present >= 2), value, np.nan) for name, value in multi.items()}
        multi["diversity"] = np.where(occupied, entropy_total / np.log(base), np.nan)
        multi["simpson_concentration"] = np.where(occupied, np.nansum(P**2, axis=1), np.nan)
        multi["simpson_interaction"] = np.where(occupied, interaction, np.nan)

    focal_positions = list(range(K)) if focal is None else [groups.index(g) for g in focal]
    keys = totals.index.to_frame(index=False)
    n_segments = len(keys)
    pieces = []
    for name in index:
        if name in TWO_GROUP:
            if name not in two:
                raise ValueError(f"index {name!r} needs the share tables (ratios)")
            # rows segment by segment, focal groups within: the order of segreform.measure.indices
            piece = keys.iloc[np.repeat(np.arange(n_segments), len(focal_positions))].reset_index(drop=True)
            piece["index"] = name
            piece["group"] = np.tile(np.array([groups[k] for k in focal_positions], dtype=object), n_segments)
            piece["estimate"] = two[name][:, focal_positions].ravel()
        elif name in MULTIGROUP:
            piece = keys.copy()
            piece["index"] = name
            piece["group"] = ""
            piece["estimate"] = multi[name]
        else:
            raise ValueError(f"unknown index {name!r}; choose from {', '.join(ASPATIAL)}")
        pieces.append(piece)
    result = pd.concat(pieces, ignore_index=True)
    if not by:
        result = result.drop(columns=SEGMENT)
    return result


def two_pass_indices(
    data: pd.DataFrame,
    groups: Sequence[str],
    by: Sequence[str] = (),
    *,
    index: Sequence[str] = ASPATIAL,
    focal: Sequence[str] | None = None,
    atkinson_b: float = 0.5,
    base: float = 2.0,
) -> pd.DataFrame:
    """The map-reduce computation on one in-memory frame (a single partition); for checks."""
    by = list(by or [])
    totals = combine([totals_partial(data, groups, by)])
    needs_ratios = any(name in ("gini", "multi_gini") for name in index)
    ratios = combine([ratios_partial(data, groups, by)]) if needs_ratios else None
    sums = combine([sums_partial(data, groups, totals, by, atkinson_b)])
    return finalize(totals, sums, ratios, groups, by, index=index, focal=focal, atkinson_b=atkinson_b, base=base)
