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
