"""Input handling: wide and long tables, segments, errors that name column and row, edge cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from segreform.measure import INDEX_NAMES, MeasureInputError, indices
from segreform.measure.kernels import compute_segments

from measure_helpers import value_of

GROUPS = ["a", "b", "c"]


def test_output_shape_and_order(wide):
    result = indices(wide, unit="area", groups=GROUPS, by="kommun")
    assert list(result.columns) == ["kommun", "index", "group", "estimate"]
    n_two, n_multi = 7, len(INDEX_NAMES) - 7
    assert len(result) == 3 * (n_two * 3 + n_multi)
    assert set(result[result["index"] == "theil_h"]["group"]) == {""}
    assert set(result[result["index"] == "gini"]["group"]) == set(GROUPS)


def test_long_input_equals_wide_input(wide):
    long = wide.melt(id_vars=["kommun", "area"], value_vars=GROUPS, var_name="grp", value_name="n")
    long = long[long["n"] > 0].sample(frac=1.0, random_state=1)  # missing rows mean zero
    from_long = indices(long, unit="area", group_col="grp", count_col="n", groups=GROUPS, by="kommun")
    from_wide = indices(wide, unit="area", groups=GROUPS, by="kommun")
    pd.testing.assert_frame_equal(from_long, from_wide)


def test_segments_equal_separate_calls(wide):
    together = indices(wide, unit="area", groups=GROUPS, by="kommun", index=["gini", "theil_h"])
    for kommun, part in wide.groupby("kommun"):
        alone = indices(part, unit="area", groups=GROUPS, index=["gini", "theil_h"])
        mine = together[together.kommun == kommun].drop(columns="kommun").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone)


def test_several_by_columns_and_focal(wide):
    data = wide.assign(year=np.where(wide.index % 2 == 0, 2020, 2021))
    result = indices(data, unit="area", groups=GROUPS, by=["kommun", "year"], focal="b", index="dissimilarity")
    assert list(result.columns) == ["kommun", "year", "index", "group", "estimate"]
    assert len(result) == 6 and set(result["group"]) == {"b"}


def test_a_pair_of_groups_is_those_two_groups_only(wide):
    pair = indices(wide, unit="area", groups=["a", "b"], focal="a", index="dissimilarity", by="kommun")
    part = wide[wide.kommun == "k0"]
    x, y = part["a"].to_numpy(float), part["b"].to_numpy(float)
    expected = 0.5 * np.abs(x / x.sum() - y / y.sum()).sum()
    assert value_of(pair, "dissimilarity", "a", kommun="k0") == pytest.approx(expected, rel=1e-12)


def test_base_changes_m_but_not_h(wide):
    nats = indices(wide, unit="area", groups=GROUPS, index=["mutual_information", "theil_h"], base=math.e, by="kommun")
    bits = indices(wide, unit="area", groups=GROUPS, index=["mutual_information", "theil_h"], base=2, by="kommun")
    m_ratio = bits[bits["index"] == "mutual_information"]["estimate"].to_numpy() / nats[nats["index"] == "mutual_information"]["estimate"].to_numpy()
    np.testing.assert_allclose(m_ratio, 1 / math.log(2), rtol=1e-12)
    np.testing.assert_allclose(bits[bits["index"] == "theil_h"]["estimate"], nats[nats["index"] == "theil_h"]["estimate"], rtol=1e-12)


@pytest.mark.parametrize(
    "change, column, row, words",
    [
        ({"b": (4, -3)}, "b", 4, "negative"),
        ({"c": (2, np.nan)}, "c", 2, "missing"),
        ({"a": (5, "many")}, "a", 5, "not a number"),
    ],
)
def test_bad_counts_name_column_and_row(wide, change, column, row, words):
    data = wide.astype({column: object})
    (col, (at, value)), = change.items()
    data.loc[at, col] = value
    with pytest.raises(MeasureInputError) as info:
        indices(data, unit="area", groups=GROUPS, by="kommun")
    assert info.value.column == column and info.value.row == row
    assert words in str(info.value) and f"column {column!r}" in str(info.value)


def test_fractional_counts_are_fine_for_estimates_but_not_for_bootstrap(wide):
    data = wide.astype({"a": float})
    data.loc[7, "a"] = 2.5
    assert np.isfinite(indices(data, unit="area", groups=GROUPS, index="theil_h", by="kommun")["estimate"]).all()
    with pytest.raises(MeasureInputError, match="not a whole number") as info:
        indices(data, unit="area", groups=GROUPS, index="theil_h", by="kommun", bootstrap=10, seed=1)
    assert info.value.row == 7


def test_duplicate_area_within_a_segment(wide):
    data = wide.copy()
    data.loc[5, "area"] = data.loc[3, "area"]
    with pytest.raises(MeasureInputError, match="appears twice") as info:
        indices(data, unit="area", groups=GROUPS, by="kommun")
    assert info.value.row == 5 and "row 3" in str(info.value)
    # The same area id in two different segments is fine.
    indices(wide, unit="area", groups=GROUPS, by="kommun")


def test_unknown_index_and_unknown_parameter(wide):
    with pytest.raises(MeasureInputError, match="unknown index name 'dissim'"):
        indices(wide, unit="area", groups=GROUPS, index="dissim")
    with pytest.raises(MeasureInputError, match="unknown parameter 'b'"):
        indices(wide, unit="area", groups=GROUPS, b=0.3)
    with pytest.raises(MeasureInputError, match="atkinson_b"):
        indices(wide, unit="area", groups=GROUPS, atkinson_b=1.0)
    with pytest.raises(MeasureInputError, match="base"):
        indices(wide, unit="area", groups=GROUPS, base=1)
    with pytest.raises(MeasureInputError, match="'nope' is not in the data"):
        indices(wide, unit="area", groups=["a", "nope"])
    with pytest.raises(MeasureInputError, match="focal group 'z'"):
        indices(wide, unit="area", groups=GROUPS, focal="z", by="kommun")
    with pytest.raises(ValueError, match="unknown parameter"):
        compute_segments(np.ones((3, 2)), None, "gini", {"atkinson": 0.2})


def test_missing_segment_key_is_an_error(wide):
    data = wide.copy()
    data.loc[6, "kommun"] = None
    with pytest.raises(MeasureInputError, match="missing") as info:
        indices(data, unit="area", groups=GROUPS, by="kommun")
    assert info.value.column == "kommun" and info.value.row == 6


def test_empty_segment_gives_nan_not_a_number(wide):
    data = wide.copy()
    data.loc[data.kommun == "k1", GROUPS] = 0
    result = indices(data, unit="area", groups=GROUPS, by="kommun")
    assert result[result.kommun == "k1"]["estimate"].isna().all()
    assert result[result.kommun != "k1"]["estimate"].notna().all()


def test_group_without_members(wide):
    data = wide.copy()
    data.loc[data.kommun == "k0", "c"] = 0
    result = indices(data, unit="area", groups=GROUPS, by="kommun")
    k0 = result[result.kommun == "k0"]
    # Two-group indices for the empty group are undefined; the others are unaffected by it.
    assert k0[k0.group == "c"]["estimate"].isna().all()
    without_c = indices(wide[wide.kommun == "k0"], unit="area", groups=["a", "b"], index=["theil_h", "mutual_information", "multi_dissimilarity"])
    for name in ("theil_h", "mutual_information", "multi_dissimilarity"):
        assert value_of(k0, name, kommun="k0") == pytest.approx(value_of(without_c, name), rel=1e-12)


def test_one_area_segment_has_no_segregation():
    data = pd.DataFrame({"area": [1], "a": [5], "b": [7]})
    result = indices(data, unit="area", groups=["a", "b"], index=["dissimilarity", "gini", "theil_h"])
    np.testing.assert_allclose(result["estimate"], 0.0, atol=1e-15)


def test_kernel_keeps_empty_segments_and_refuses_unsorted_ids():
    counts = np.array([[5.0, 1.0], [1.0, 5.0], [2.0, 2.0]])
    out = compute_segments(counts, np.array([0, 0, 2]), ["dissimilarity", "theil_h"], None, n_segments=4)
    assert out["dissimilarity"].shape == (4, 2) and out["theil_h"].shape == (4,)
    assert np.isnan(out["theil_h"][[1, 3]]).all() and out["theil_h"][2] == 0.0
    assert out["dissimilarity"][0, 0] == pytest.approx(4 / 6)
    with pytest.raises(ValueError, match="sorted"):
        compute_segments(counts, np.array([1, 0, 0]), "gini")


def test_local_indices_shape_and_unknown_name(wide):
    from segreform.measure import local_indices

    result = local_indices(wide, unit="area", groups=GROUPS, by="kommun")
    assert list(result.columns) == ["kommun", "area", "index", "group", "estimate", "weight"]
    assert len(result) == len(wide) * (len(GROUPS) + 2)
    with pytest.raises(MeasureInputError, match="unknown local index 'lq'"):
        local_indices(wide, unit="area", groups=GROUPS, index="lq")


def test_categorical_keys_with_unobserved_combinations(wide):
    data = wide.assign(kommun=pd.Categorical(wide["kommun"]), year=pd.Categorical(np.where(wide.kommun == "k0", 2020, 2021)))
    long = data.melt(id_vars=["kommun", "year", "area"], value_vars=GROUPS, var_name="grp", value_name="n")
    result = indices(long, unit="area", group_col="grp", count_col="n", by=["kommun", "year"], index="theil_h")
    assert len(result) == 3  # only the observed (kommun, year) pairs
    plain = indices(wide, unit="area", groups=GROUPS, by="kommun", index="theil_h")
    np.testing.assert_allclose(result["estimate"], plain["estimate"], rtol=1e-12)
