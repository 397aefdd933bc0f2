"""Map-reduce sums give the single-machine indices of segreform.measure to 1e-12, however split."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segreform.measure import INDEX_NAMES, MeasureInputError, indices
from segreform.scale.aspatial import (
    ASPATIAL,
    combine,
    finalize,
    ratios_partial,
    sums_partial,
    totals_partial,
    two_pass_indices,
)
from segreform.scale.synthetic import SyntheticSpec, group_columns, synthetic_population

KEYS = ["index", "group"]


def _split_run(frame, groups, by, cuts, **options):
    parts = [frame.iloc[a:b] for a, b in zip(cuts, cuts[1:])]
    totals = combine([totals_partial(p, groups, by) for p in parts])
    ratios = combine([ratios_partial(p, groups, by) for p in parts])
    sums = combine([sums_partial(p, groups, totals, by, options.get("atkinson_b", 0.5)) for p in parts])
    return finalize(totals, sums, ratios, groups, by, **options)


def assert_same_table(result: pd.DataFrame, expected: pd.DataFrame, tol: float = 1e-12) -> None:
    """Same rows in the same order, values equal to ``tol`` (relative and absolute), NaN where NaN."""
    keys = [c for c in expected.columns if c != "estimate"]
    assert list(result.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(result[keys].astype(str), expected[keys].astype(str))
    np.testing.assert_allclose(result["estimate"].to_numpy(float), expected["estimate"].to_numpy(float),
                               rtol=tol, atol=tol, equal_nan=True)


def test_covers_every_aspatial_index_of_the_engine():
    assert tuple(ASPATIAL) == tuple(INDEX_NAMES)


def test_split_sums_equal_measure_indices_by_segment():
    spec = SyntheticSpec(n_cells=12_000, n_groups=4, segregation=0.5, seed=4, n_regions=3)
    frame = synthetic_population(spec)
    groups = group_columns(4)
    frame.loc[frame["region"] == 2, "group_4"] = 0  # a group absent from one segment
    frame.loc[frame.index[::97], groups] = 0  # empty cells
    expected = indices(frame, unit="cell", groups=groups, by="region", atkinson_b=0.3, base=np.e)
    result = _split_run(frame, groups, ["region"], [0, 5_000, 5_001, 12_000], atkinson_b=0.3, base=np.e)
    assert_same_table(result, expected)
    assert result.loc[(result["region"] == 2) & (result["group"] == "group_4"), "estimate"].isna().all()


def test_one_segment_and_focal_groups():
    frame = synthetic_population(SyntheticSpec(n_cells=8_000, n_groups=3, segregation=0.2, seed=9))
    groups = group_columns(3)
    expected = indices(frame, unit="cell", groups=groups, focal=["group_3"], index=["gini", "atkinson", "theil_h"])
    result = two_pass_indices(frame, groups, focal=["group_3"], index=["gini", "atkinson", "theil_h"])
    assert_same_table(result, expected)


@settings(max_examples=25, deadline=None)
@given(
    counts=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 5)), min_size=2, max_size=40),
    segments=st.lists(st.integers(0, 2), min_size=40, max_size=40),
    cut=st.integers(0, 40),
)
def test_any_split_of_any_table_gives_the_engine_result(counts, segments, cut):
    frame = pd.DataFrame(counts, columns=["a", "b", "c"])
    frame["segment"] = segments[: len(frame)]
    frame["area"] = np.arange(len(frame))
    expected = indices(frame, unit="area", groups=["a", "b", "c"], by="segment")
    cut = min(cut, len(frame))
    result = _split_run(frame, ["a", "b", "c"], ["segment"], [0, cut, len(frame)])
    assert_same_table(result, expected)


def test_bad_count_names_column_and_row():
    frame = pd.DataFrame({"a": [1, 2, -3], "b": [1, 1, 1]}, index=[10, 11, 12])
    with pytest.raises(MeasureInputError, match=r"column 'a', row 12: count is negative \(-3\)"):
        totals_partial(frame, ["a", "b"], ())
    frame.loc[12, "a"] = np.nan
    with pytest.raises(MeasureInputError, match="column 'a', row 12: count is missing"):
        totals_partial(frame, ["a", "b"])
