"""One calling convention across measure and evaluate (issue 12), and bootstrap= on every measure result.

The same argument names (``data`` first, ``ci``, ``seed``, ``bootstrap``), the same result columns
(``estimate``, ``se``, ``ci_low``, ``ci_high``), and ``import segreform`` reaching both packages.
"""

from __future__ import annotations

import inspect
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import segreform
from segreform.measure import (
    MeasureInputError,
    compare_segments,
    decompose_change,
    decompose_nested,
    expected_indices,
    indices,
    local_indices,
)
from segreform.evaluate import callaway_santanna, event_study, synthetic_control, synthetic_did, twfe

MEASURE = [indices, expected_indices, compare_segments, local_indices, decompose_nested, decompose_change]
EVALUATE = [callaway_santanna, synthetic_control, synthetic_did, twfe, event_study]
WITH_BOOTSTRAP = [indices, local_indices, decompose_nested, decompose_change, callaway_santanna]
WITH_INTERVALS = [indices, compare_segments, local_indices, decompose_nested, decompose_change, callaway_santanna,
                  synthetic_did, twfe, event_study]


@pytest.mark.parametrize("function", MEASURE + EVALUATE, ids=lambda f: f.__name__)
def test_the_table_comes_first_and_is_called_data(function):
    parameters = list(inspect.signature(function).parameters)
    assert parameters[0] == "data"
    assert not {"frame", "alpha", "df"} & set(parameters)


@pytest.mark.parametrize("function", WITH_INTERVALS, ids=lambda f: f.__name__)
def test_interval_level_is_ci(function):
    assert inspect.signature(function).parameters["ci"].default == 0.95


@pytest.mark.parametrize("function", WITH_BOOTSTRAP, ids=lambda f: f.__name__)
def test_bootstrap_and_seed_where_there_are_draws(function):
    parameters = inspect.signature(function).parameters
    assert parameters["bootstrap"].default == 0 and "seed" in parameters


def test_import_segreform_reaches_measure_and_evaluate_lazily():
    code = ("import sys, segreform; assert 'segreform.measure' not in sys.modules; "
            "segreform.measure.indices; segreform.evaluate.callaway_santanna; print('ok')")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "ok\n"
    with pytest.raises(AttributeError, match="no attribute 'mesure'"):
        segreform.mesure  # noqa: B018


@pytest.fixture
def two_years():
    rng = np.random.default_rng(8)
    frames = []
    for year in (2020, 2021):
        frame = pd.DataFrame(rng.integers(0, 60, size=(12, 3)), columns=["a", "b", "c"])
        frames.append(frame.assign(area=[f"r{i}" for i in range(12)], kommun=[f"k{i // 4}" for i in range(12)],
                                   year=year))
    return pd.concat(frames, ignore_index=True)


def _check_intervals(result: pd.DataFrame):
    assert {"estimate", "se", "ci_low", "ci_high"} <= set(result.columns)
    defined = result.dropna(subset=["estimate", "se"])
    assert len(defined) and (defined["se"] >= 0).all()
    assert (defined["ci_low"] <= defined["ci_high"]).all()


def test_decompose_nested_bootstrap_is_reproducible_and_brackets_the_estimate(two_years):
    options = dict(unit="area", groups=["a", "b", "c"], nesting="kommun", by="year", bootstrap=60, seed=4)
    first, again = decompose_nested(two_years, **options), decompose_nested(two_years, **options)
    pd.testing.assert_frame_equal(first, again)
    _check_intervals(first)
    plain = decompose_nested(two_years, unit="area", groups=["a", "b", "c"], nesting="kommun", by="year")
    pd.testing.assert_series_equal(first["estimate"], plain["estimate"])  # draws never change the estimate
    total_m = first[(first.component == "total") & (first["index"] == "M")]
    assert (total_m["se"] > 0).all()
    other_seed = decompose_nested(two_years, **{**options, "seed": 5})
    assert not np.allclose(other_seed["se"], first["se"])


def test_decompose_change_and_local_indices_take_bootstrap(two_years):
    change = decompose_change(two_years, 2020, 2021, unit="area", groups=["a", "b", "c"], by="year", base=math.e,
                              bootstrap=40, seed=1, ci=0.9)
    _check_intervals(change)
    assert list(change["component"])[:3] == ["M1", "M2", "diff"]
    local = local_indices(two_years, unit="area", groups=["a", "b", "c"], by="year", index="local_segregation",
                          bootstrap=30, seed=2)
    _check_intervals(local)
    # M is the weighted mean of the local scores, draw by draw as on the data
    m = indices(two_years, unit="area", groups=["a", "b", "c"], by="year", index="mutual_information")
    weighted = (local["weight"] * local["estimate"]).groupby(local["year"]).sum()
    np.testing.assert_allclose(weighted.to_numpy(), m["estimate"].to_numpy(), rtol=1e-12)


@pytest.mark.parametrize("function", [local_indices, decompose_nested, decompose_change], ids=lambda f: f.__name__)
def test_bootstrap_refuses_bad_draws_and_fractional_counts(function, two_years):
    extra = {"nesting": "kommun"} if function is decompose_nested else {}
    args = (2020, 2021) if function is decompose_change else ()
    with pytest.raises(MeasureInputError, match="bootstrap must be a whole number of draws >= 0"):
        function(two_years, *args, unit="area", groups=["a", "b", "c"], by="year", bootstrap=-3, **extra)
    fractional = two_years.assign(a=two_years["a"] + 0.5)
    with pytest.raises(MeasureInputError, match="not a whole number"):
        function(fractional, *args, unit="area", groups=["a", "b", "c"], by="year", bootstrap=5, **extra)
    with pytest.raises(MeasureInputError, match="ci must be between 0 and 1"):
        function(two_years, *args, unit="area", groups=["a", "b", "c"], by="year", bootstrap=5, ci=95, **extra)


def test_evaluate_results_share_the_columns_of_measure():
    rows = [(f"k{u}", y, 2018 if u < 3 else 0, u + 0.5 * y + (2.0 if u < 3 and y >= 2018 else 0.0) + 0.1 * (u * y % 3))
            for u in range(8) for y in range(2012, 2021)]
    panel = pd.DataFrame(rows, columns=["kommun", "year", "first_year", "outcome"])
    table = callaway_santanna(panel, "kommun", "year", "first_year", "outcome", ci=0.9).table()
    assert {"estimate", "se", "ci_low", "ci_high"} <= set(table.columns)
    narrow = callaway_santanna(panel, "kommun", "year", "first_year", "outcome", ci=0.5).get("simple")
    wide = callaway_santanna(panel, "kommun", "year", "first_year", "outcome", ci=0.99).get("simple")
    assert wide.ci_high - wide.ci_low > narrow.ci_high - narrow.ci_low
    # treated means the treated unit labels: one label or a list, in both synthetic estimators
    one = synthetic_did(panel, "kommun", "year", "outcome", "k0", 2018, replications=0).get("sdid").estimate
    listed = synthetic_did(panel, "kommun", "year", "outcome", ["k0"], 2018, replications=0).get("sdid").estimate
    assert one == listed
    control = panel[panel["kommun"].isin(["k0"]) | (panel["first_year"] == 0)]
    a = synthetic_control(control, "kommun", "year", "outcome", "k0", 2018).get("att", "average_post").estimate
    b = synthetic_control(control, "kommun", "year", "outcome", ["k0"], 2018).get("att", "average_post").estimate
    assert a == b
