"""The one-copy Parquet reader gives what pandas gives."""

import numpy as np
import pandas as pd
import pytest

from segreform.scale.parquet_columns import read_parquet_columns


def test_folder_of_parts_equals_pandas(tmp_path):
    rng = np.random.default_rng(3)
    parts = []
    for p in range(3):
        n = 50 + p
        part = pd.DataFrame({"cell": np.arange(n) + 1000 * p, "a": rng.integers(0, 9, n),
                             "b": rng.random(n), "name": [f"x{v}" for v in range(n)], "unused": 1})
        if p == 1:  # nulls in one part only
            part["a"] = part["a"].astype("Int64").where(part.index % 7 != 0)
        parts.append(part)
        part.to_parquet(tmp_path / f"part-{p:05d}.parquet", index=False)
    (tmp_path / "_synthetic.json").write_text("{}")
    columns = ["cell", "b", "name", "a"]
    ours = read_parquet_columns(tmp_path, columns)
    theirs = pd.read_parquet(tmp_path, columns=columns)
    assert list(ours.columns) == columns
    pd.testing.assert_frame_equal(ours[["cell", "b", "name"]], theirs[["cell", "b", "name"]])
    np.testing.assert_array_equal(ours["a"].isna().to_numpy(), theirs["a"].isna().to_numpy())
    np.testing.assert_array_equal(ours["a"].dropna().to_numpy(float), theirs["a"].dropna().to_numpy(float))


def test_one_file_and_a_missing_column(tmp_path):
    frame = pd.DataFrame({"cell": [3, 1, 2], "g": [1.5, 0.0, 2.0]})
    frame.to_parquet(tmp_path / "one.parquet", index=False)
    pd.testing.assert_frame_equal(read_parquet_columns(tmp_path / "one.parquet", ["g", "cell"]), frame[["g", "cell"]])
    with pytest.raises(KeyError, match="no column 'nope'"):
        read_parquet_columns(tmp_path / "one.parquet", ["nope"])
