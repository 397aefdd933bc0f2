"""Duplicate ids and segment codes from int64 row codes agree with pandas' object hashing."""

import numpy as np
import pandas as pd
import pytest

from segreform.measure._keys import first_repeat, row_codes
from segreform.measure._validate import _segment_codes


def _frames(seed):
    rng = np.random.default_rng(seed)
    n = 500
    yield pd.DataFrame({"id": rng.integers(0, 800, n)})
    yield pd.DataFrame({"id": rng.integers(-2**62, 2**62, n)})
    yield pd.DataFrame({"id": rng.integers(0, 2**62, n)}).assign(id=lambda f: f["id"].where(rng.random(n) > 0.01, 7))
    yield pd.DataFrame({"id": [f"area {v}" for v in rng.integers(0, 900, n)]})
    yield pd.DataFrame({"kommun": rng.choice(["0180", "1280", "0114"], n), "year": rng.integers(2015, 2024, n),
                        "id": rng.integers(0, 60, n)})
    yield pd.DataFrame({"a": rng.integers(0, 2**40, n), "b": rng.integers(0, 2**40, n), "c": rng.random(n) < 0.5})
    yield pd.DataFrame({"x": rng.integers(0, 5, n).astype(float), "y": rng.integers(0, 5, n).astype(np.uint64)})


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_first_repeat_is_the_first_row_pandas_calls_duplicated(seed):
    for frame in _frames(seed):
        columns = list(frame.columns)
        expected = np.flatnonzero(frame.duplicated(subset=columns, keep="first").to_numpy())
        assert first_repeat(row_codes(frame, columns)) == (expected[0] if expected.size else -1)
        unique = frame.drop_duplicates(subset=columns)
        assert first_repeat(row_codes(unique, columns)) == -1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_segment_codes_follow_sorted_keys_as_groupby(seed):
    for frame in _frames(seed):
        by = list(frame.columns)
        codes, keys = _segment_codes(frame, by)
        expected = frame.groupby(by, sort=True, observed=True).ngroup().to_numpy()
        np.testing.assert_array_equal(codes, expected)
        first = pd.Series(np.arange(len(frame))).groupby(expected).first().to_numpy()
        pd.testing.assert_frame_equal(keys, frame.iloc[first][by].reset_index(drop=True))


def test_keys_that_do_not_sort_together_fall_back_to_pandas():
    frame = pd.DataFrame({"k": [1, "b", 1, "a"], "id": [1, 2, 3, 4]})
    codes, keys = _segment_codes(frame, ["k"])
    assert codes[0] == codes[2] and len(set(codes)) == 3 and len(keys) == 3
