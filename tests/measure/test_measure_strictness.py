"""`indices` never changes data silently: ids stay text, counts stay exact, every index is finite or refused."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from segreform.cli import main
from segreform.measure import MeasureInputError, indices
from segreform.measure._validate import (
    EXACT_COUNT_LIMIT,
    SYMMETRIC_TWO_GROUP_INDICES,
    UNIT_INTERVAL_INDICES,
    counts_table,
    settle_estimates,
)
from segreform.measure.kernels import TWO_GROUP_INDICES

PROPERTIES = settings(max_examples=40, deadline=None, derandomize=True)


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def one_line_error(result, *fragments):
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: "), result.stderr
    assert "Traceback" not in result.output + result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


# --- identifiers are text ---------------------------------------------------------------------------------------

def test_csv_ids_keep_leading_zeros_and_1_01_1p0_are_three_areas(tmp_path):
    path = tmp_path / "areas.csv"
    path.write_text("kommun,area,a,b\n0114,1,10,20\n0114,01,30,5\n0114,1.0,7,7\n0180,1,3,4\n0180,2,8,1\n")
    out = tmp_path / "out.csv"
    result = run("indices", path, "--unit", "area", "--groups", "a,b", "--by", "kommun", "--index", "dissimilarity",
                 "-o", out)
    assert result.exit_code == 0, result.stderr
    written = pd.read_csv(out, dtype={"kommun": str})
    assert sorted(set(written["kommun"])) == ["0114", "0180"]
    # Three distinct areas in 0114: the value is D over all three, not a "duplicate" refusal.
    expected = indices(pd.DataFrame({"area": ["1", "01", "1.0"], "a": [10, 30, 7], "b": [20, 5, 7]}),
                       unit="area", groups=["a", "b"], index="dissimilarity")
    assert written[written.kommun == "0114"]["estimate"].iloc[0] == pytest.approx(expected["estimate"].iloc[0], rel=1e-15)


def test_long_csv_group_labels_and_parquet_ids_are_text(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("year,area,group,n\n2020,0114,01,5\n2020,0114,1,7\n2020,0115,01,9\n2020,0115,1,1\n")
    result = run("indices", path, "--unit", "area", "--group-col", "group", "--count-col", "n", "--by", "year",
                 "--index", "dissimilarity")
    assert result.exit_code == 0, result.stderr
    rows = pd.read_csv(io.StringIO(result.stdout), dtype=str)
    assert sorted(rows["group"]) == ["01", "1"] and set(rows["year"]) == {"2020"}

    typed = tmp_path / "typed.parquet"
    pd.DataFrame({"kommun": [114, 114, 180, 180], "area": [1, 2, 1, 2], "a": [1, 2, 3, 4], "b": [4, 3, 2, 1]}
                 ).to_parquet(typed)
    out = tmp_path / "typed_out.parquet"
    assert run("indices", typed, "--unit", "area", "--groups", "a,b", "--by", "kommun", "-o", out).exit_code == 0
    assert sorted(set(pd.read_parquet(out)["kommun"])) == ["114", "180"]


def test_excel_text_ids_are_read_as_written(tmp_path):
    path = tmp_path / "areas.xlsx"
    pd.DataFrame({"kommun": ["0114", "0114"], "area": ["001", "01"], "a": [5, 1], "b": [1, 5]}).to_excel(path, index=False)
    result = run("indices", path, "--unit", "area", "--groups", "a,b", "--by", "kommun", "--index", "dissimilarity")
    assert result.exit_code == 0, result.stderr
    assert "0114,dissimilarity,a,0.6666666666666666" in result.stdout


# --- counts must be exact ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("count", ["1e22", "2e300", str(EXACT_COUNT_LIMIT + 2)])
def test_counts_beyond_2_53_are_refused_naming_file_line_and_column(tmp_path, count):
    path = tmp_path / "big.csv"
    path.write_text(f"area,inrikes,utrikes\n0114,5,3\n0115,{count},10\n")
    for extra in ([], ["--bootstrap", "20", "--seed", "1"]):
        result = run("indices", path, "--unit", "area", "--groups", "inrikes,utrikes", *extra)
        one_line_error(result, f"{path}: line 3, column 'inrikes'", "larger than 2^53")


def test_count_exactly_2_53_is_computed():
    data = pd.DataFrame({"area": ["x", "y"], "a": [float(EXACT_COUNT_LIMIT), 1.0], "b": [1.0, float(EXACT_COUNT_LIMIT)]})
    result = indices(data, unit="area", groups=["a", "b"], index=["dissimilarity", "gini"])
    assert np.isfinite(result["estimate"]).all() and result["estimate"].iloc[0] == result["estimate"].iloc[1]


def test_bootstrap_refuses_a_segment_total_beyond_2_53(tmp_path):
    path = tmp_path / "total.csv"
    half = EXACT_COUNT_LIMIT // 2 + 10
    path.write_text(f"k,area,a,b\nx,1,{half},1\nx,2,1,{half}\ny,1,5,6\ny,2,6,5\n")
    estimates = run("indices", path, "--unit", "area", "--groups", "a,b", "--by", "k")
    assert estimates.exit_code == 0, estimates.stderr
    result = run("indices", path, "--unit", "area", "--groups", "a,b", "--by", "k", "--bootstrap", "10")
    one_line_error(result, f"{path}: line 2", "segment k='x'", "more than 2^53")


# --- every index finite, clamped, symmetric --------------------------------------------------------------------

def test_single_area_atkinson_is_exactly_zero_for_both_groups(tmp_path):
    data = pd.DataFrame({"area": ["0114"], "a": [10], "b": [20]})
    result = indices(data, unit="area", groups=["a", "b"])
    two_group = result[result["group"] != ""]
    atkinson = result[result["index"] == "atkinson"]["estimate"].tolist()
    assert atkinson == [0.0, 0.0]
    defined = two_group[two_group["index"].isin(["dissimilarity", "gini", "entropy", "atkinson", "correlation_ratio"])]
    assert (defined["estimate"] == 0.0).all()
    assert (result["estimate"].dropna() >= 0).all()


def test_settle_refuses_a_blank_where_the_index_is_defined_and_asymmetric_twins():
    data = pd.DataFrame({"k": ["x", "x", "y", "y"], "area": ["1", "2", "1", "2"], "a": [1, 5, 2, 2], "b": [5, 1, 2, 0]})
    table = counts_table(data, "area", ["a", "b"], None, None, ["k"])
    blank = {"gini": np.array([[0.5, np.nan], [0.1, 0.1]])}
    with pytest.raises(MeasureInputError, match=r"gini for group 'b' in segment k='x' is nan although it is defined"):
        settle_estimates(table, blank, TWO_GROUP_INDICES)
    apart = {"dissimilarity": np.array([[0.5, 0.6], [0.1, 0.1]])}
    with pytest.raises(MeasureInputError, match=r"dissimilarity differs between the two groups in segment k='x'"):
        settle_estimates(table, apart, TWO_GROUP_INDICES)
    tiny = {"atkinson": np.array([[-4.4e-16, 1 + 2e-16], [0.1, 0.2]]), "theil_h": np.array([np.inf, 0.5])}
    with pytest.raises(MeasureInputError, match="theil_h in segment k='x' is inf"):
        settle_estimates(table, tiny, TWO_GROUP_INDICES)
    settled = settle_estimates(table, {"atkinson": tiny["atkinson"]}, TWO_GROUP_INDICES)
    assert settled["atkinson"][0].tolist() == [0.0, 1.0]
    assert settled["atkinson"][1].tolist() == [0.1, 0.2]


def test_rounding_beyond_the_slack_is_left_visible():
    data = pd.DataFrame({"area": ["1", "2"], "a": [1, 5], "b": [5, 1]})
    table = counts_table(data, "area", ["a", "b"], None, None, [])
    settled = settle_estimates(table, {"atkinson": np.array([[-0.01, 0.2]])}, TWO_GROUP_INDICES)
    assert settled["atkinson"][0, 0] == -0.01


# --- unwritable output -----------------------------------------------------------------------------------------

def test_output_into_a_missing_folder_is_one_line(tmp_path):
    path = tmp_path / "areas.csv"
    path.write_text("area,a,b\n1,4,5\n2,3,2\n")
    for target in ("/nonexist/x.csv", "/nonexist/x.parquet", tmp_path / "no" / "x.json"):
        result = run("indices", path, "--unit", "area", "--groups", "a,b", "-o", target)
        one_line_error(result, f"{target}: cannot write", "does not exist")
        assert not (tmp_path / "no").exists()


# --- properties -------------------------------------------------------------------------------------------------

ids = st.text(alphabet="0123456789.-abcÅÖ ", min_size=1, max_size=5).filter(lambda s: s.strip() == s and s != "")


@st.composite
def tables(draw):
    n_groups = draw(st.integers(2, 4))
    n_segments = draw(st.integers(1, 3))
    segment_keys = draw(st.lists(ids, min_size=n_segments, max_size=n_segments, unique=True))
    rows = []
    for key in segment_keys:
        areas = draw(st.lists(ids, min_size=1, max_size=8, unique=True))
        for area in areas:
            counts = draw(st.lists(st.integers(0, 10**6), min_size=n_groups, max_size=n_groups))
            rows.append([key, area, *counts])
    groups = [f"g{k}" for k in range(n_groups)]
    return pd.DataFrame(rows, columns=["kommun", "area", *groups]), groups


@PROPERTIES
@given(tables())
def test_ids_round_trip_as_text_through_the_cli(tmp_path_factory, table):
    frame, groups = table
    path = tmp_path_factory.mktemp("ids") / "t.csv"
    frame.to_csv(path, index=False)
    result = run("indices", path, "--unit", "area", "--groups", ",".join(groups), "--by", "kommun",
                 "--index", "theil_h")
    assert result.exit_code == 0, result.stderr
    written = pd.read_csv(io.StringIO(result.stdout), dtype=str, keep_default_na=False)
    assert sorted(written["kommun"]) == sorted(set(frame["kommun"]))


@PROPERTIES
@given(tables(), st.randoms(use_true_random=False))
def test_indices_are_in_range_finite_where_defined_and_ignore_area_order(table, random):
    frame, groups = table
    result = indices(frame, unit="area", groups=groups, by="kommun")
    for name in UNIT_INTERVAL_INDICES:
        values = result[result["index"] == name]["estimate"].dropna()
        assert ((values >= 0) & (values <= 1)).all(), (name, values.tolist())
    assert (result["estimate"].dropna() >= 0).all()
    assert np.isfinite(result["estimate"].dropna()).all()
    # A blank only where the definition has none: a segment with fewer than two groups present.
    table_ = counts_table(frame, "area", groups, None, None, ["kommun"])
    for s, key in enumerate(table_.keys["kommun"]):
        totals = table_.counts[table_.segment_ids == s].sum(axis=0)
        theil = result[(result["index"] == "theil_h") & (result["kommun"] == key)]["estimate"].iloc[0]
        assert np.isnan(theil) == ((totals > 0).sum() < 2)
    if len(groups) == 2:
        for name in SYMMETRIC_TWO_GROUP_INDICES:
            pair = result[result["index"] == name].groupby("kommun")["estimate"]
            assert (pair.nunique(dropna=False) == 1).all(), name
    rows = list(range(len(frame)))
    random.shuffle(rows)
    shuffled = indices(frame.iloc[rows].reset_index(drop=True), unit="area", groups=groups, by="kommun")
    np.testing.assert_allclose(shuffled["estimate"], result["estimate"], rtol=1e-11, atol=1e-14, equal_nan=True)
    assert shuffled[["kommun", "index", "group"]].equals(result[["kommun", "index", "group"]])


@PROPERTIES
@given(tables(), st.floats(EXACT_COUNT_LIMIT * 1.01, 1e300))
def test_a_huge_count_is_an_error_never_a_blank(table, huge):
    frame, groups = table
    frame = frame.astype({groups[0]: float})
    frame.loc[len(frame) - 1, groups[0]] = huge
    with pytest.raises(MeasureInputError, match=r"larger than 2\^53") as info:
        indices(frame, unit="area", groups=groups, by="kommun")
    assert info.value.row == len(frame) - 1 and info.value.column == groups[0]
