"""The map-reduce strategy refuses a repeated area id, as the single-machine engine does."""

from __future__ import annotations

import dask.dataframe as dd
import pandas as pd
import pytest

from segreform.measure import MeasureInputError, indices
from segreform.scale import run_indices_distributed


def _frame(repeat_in_other_partition: bool) -> pd.DataFrame:
    frame = pd.DataFrame({
        "region": ["n"] * 6 + ["s"] * 6,
        "cell": list(range(6)) * 2,
        "a": [5, 1, 0, 7, 2, 2, 3, 3, 1, 0, 9, 4],
        "b": [0, 4, 6, 1, 2, 3, 1, 2, 5, 7, 0, 2],
    })
    if repeat_in_other_partition:
        frame.loc[10, "cell"] = 1  # region s, cell 1 again, eight rows after the first
    return frame


def test_sums_strategy_refuses_a_repeated_area_across_partitions(dask_client):
    frame = _frame(repeat_in_other_partition=True)
    with pytest.raises(MeasureInputError) as single:
        indices(frame, unit="cell", groups=["a", "b"], by="region")
    with pytest.raises(MeasureInputError) as distributed:
        run_indices_distributed(dd.from_pandas(frame, npartitions=3), cluster=dask_client, strategy="sums",
                                unit="cell", groups=["a", "b"], by="region", progress=False)
    assert distributed.value.column == single.value.column == "cell"
    assert distributed.value.row == single.value.row == 10
    assert str(distributed.value) == str(single.value)


def test_the_same_id_in_another_segment_is_fine(dask_client):
    frame = _frame(repeat_in_other_partition=False)
    got = run_indices_distributed(dd.from_pandas(frame, npartitions=3), cluster=dask_client, strategy="sums",
                                  unit="cell", groups=["a", "b"], by="region", index="dissimilarity", progress=False)
    expected = indices(frame, unit="cell", groups=["a", "b"], by="region", index="dissimilarity")
    pd.testing.assert_series_equal(got["estimate"].reset_index(drop=True), expected["estimate"].reset_index(drop=True),
                                   rtol=1e-12, atol=1e-12)


def test_csv_ids_are_text_on_the_cluster_as_on_one_machine(dask_client, tmp_path):
    """``0114`` stays ``0114`` and ``1``, ``01``, ``1.0`` are three areas, not a repeated one."""
    path = tmp_path / "ids.csv"
    path.write_text("kommun,area,a,b\n0114,0114,5,1\n0114,1,3,4\n0114,01,2,6\n0114,1.0,8,2\n", encoding="utf-8")
    got = run_indices_distributed(str(path), cluster=dask_client, unit="area", groups=["a", "b"], by="kommun",
                                  index="dissimilarity", progress=False)
    assert got["kommun"].tolist() == ["0114", "0114"]
    frame = pd.read_csv(path, dtype={"kommun": str, "area": str})
    expected = indices(frame, unit="area", groups=["a", "b"], by="kommun", index="dissimilarity")
    assert got["estimate"].tolist() == pytest.approx(expected["estimate"].tolist(), rel=1e-12)
