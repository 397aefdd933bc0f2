"""Bootstrap, random-allocation and two-segment tests: reproducible, never a p-value of 0."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segreform.measure import compare_segments, expected_indices, indices
from segreform.measure.inference import block_generator, block_sizes, bootstrap_tables

from measure_helpers import random_wide

NAMES = ["dissimilarity", "gini", "theil_h", "mutual_information"]


def test_same_seed_same_numbers_for_any_number_of_workers():
    data = random_wide(5, n_segments=2, n_units=40)
    one = indices(data, unit="area", groups=["a", "b", "c"], by="kommun", index=NAMES, bootstrap=250, seed=42, n_jobs=1)
    three = indices(data, unit="area", groups=["a", "b", "c"], by="kommun", index=NAMES, bootstrap=250, seed=42, n_jobs=3)
    pd.testing.assert_frame_equal(one, three)
    other = indices(data, unit="area", groups=["a", "b", "c"], by="kommun", index=NAMES, bootstrap=250, seed=43)
    assert not np.allclose(one["se"], other["se"])


def test_bootstrap_columns_are_sane():
    data = random_wide(6, n_segments=1, n_units=60)
    result = indices(data, unit="area", groups=["a", "b", "c"], index=NAMES, bootstrap=200, seed=1)
    assert list(result.columns) == ["index", "group", "estimate", "se", "ci_low", "ci_high", "bias_corrected"]
    assert (result["se"] > 0).all()
    assert (result["ci_low"] < result["ci_high"]).all()
    # Resampling individuals inflates segregation in small samples, so the correction lowers the estimate.
    d = result[result["index"] == "mutual_information"].iloc[0]
    assert d["bias_corrected"] < d["estimate"]


def test_bootstrap_tables_keep_the_total_and_follow_a_generator():
    counts = np.array([[3.0, 4.0], [10.0, 0.0], [0.0, 5.0]])
    draws = bootstrap_tables(counts, 50, block_generator(9, 0, 0, 0)).reshape(50, 3, 2)
    assert (draws.sum(axis=(1, 2)) == counts.sum()).all()
    again = bootstrap_tables(counts, 50, block_generator(9, 0, 0, 0)).reshape(50, 3, 2)
    np.testing.assert_array_equal(draws, again)
    assert sum(block_sizes(10_000, 1000)) == 1000


def test_random_allocation_gives_a_smaller_expected_value_for_a_segregated_table():
    frame = pd.DataFrame({"area": range(20), "a": [30] * 10 + [0] * 10, "b": [0] * 10 + [30] * 10})
    result = expected_indices(frame, unit="area", groups=["a", "b"], focal="a", index=["dissimilarity", "theil_h"], draws=99, seed=2)
    assert (result["estimate"] == 1.0).all()
    assert (result["expected"] < 0.5).all()
    assert np.allclose(result["p_value"], 1 / 100)  # (0 + 1) / (99 + 1): never 0


def test_compare_two_segments():
    rng = np.random.default_rng(8)
    low = pd.DataFrame({"area": range(30), "a": rng.integers(20, 30, 30), "b": rng.integers(20, 30, 30), "year": 2020})
    high = pd.DataFrame({"area": range(30), "a": np.r_[[50] * 15, [2] * 15], "b": np.r_[[2] * 15, [50] * 15], "year": 2021})
    data = pd.concat([low, high])
    result = compare_segments(data, 2020, 2021, unit="area", groups=["a", "b"], focal="a", by="year",
                              index=["dissimilarity", "theil_h"], draws=199, seed=4)
    assert (result["difference"] > 0.5).all()
    assert np.allclose(result["p_value"], 1 / 200)
    same = compare_segments(pd.concat([low, low.assign(year=2021)]), 2020, 2021, unit="area", groups=["a", "b"],
                            focal="a", by="year", index="dissimilarity", draws=199, seed=4)
    assert same["difference"].iloc[0] == 0.0
    assert same["p_value"].iloc[0] == 1.0


def test_focal_pair_resampling_is_the_same_bootstrap_as_full_tables():
    data = pd.DataFrame({"area": range(30), "a": np.arange(30) % 7, "b": np.arange(30) % 5 + 1, "c": 3})
    options = dict(unit="area", groups=["a", "b", "c"], focal="a", bootstrap=2000, seed=1)
    pair = indices(data, index="dissimilarity", **options)  # resamples (a, rest) per area
    full = indices(data, index=["dissimilarity", "theil_h"], **options).iloc[:1]  # resamples all three groups
    assert pair["estimate"].iloc[0] == full["estimate"].iloc[0]
    assert pair["se"].iloc[0] == pytest.approx(full["se"].iloc[0], rel=0.1)
    assert pair["bias_corrected"].iloc[0] == pytest.approx(full["bias_corrected"].iloc[0], abs=0.01)


def test_seed_may_be_a_generator_or_seed_sequence():
    data = random_wide(2, n_segments=1, n_units=20)
    options = dict(unit="area", groups=["a", "b", "c"], index="theil_h", bootstrap=40)
    from_generator = indices(data, seed=np.random.default_rng(7), **options)
    again = indices(data, seed=np.random.default_rng(7), **options)
    pd.testing.assert_frame_equal(from_generator, again)
    from_sequence = indices(data, seed=np.random.SeedSequence(7), **options)
    pd.testing.assert_frame_equal(from_sequence, indices(data, seed=7, **options))
