"""The single-machine engine and the Dask backend refuse bad input alike: same error type, same message.

Both read tables through :mod:`segreform.measure.table`, so a user who moves a call to a cluster
gets the message they already know. Rows are numbered by their position in the whole input.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segreform.measure import MeasureInputError, indices
from segreform.scale.dask_backend import OPTIONS, run_indices_distributed


def _wide(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame({
        "area": [f"a{i}" for i in range(n)],
        "year": np.repeat([2020, 2021], n // 2),
        "x": rng.integers(0, 30, n),
        "y": rng.integers(0, 30, n),
    })


def _with(column: str, row: int, value) -> pd.DataFrame:
    frame = _wide()
    frame[column] = frame[column].astype(object)
    frame.loc[row, column] = value
    return frame


CASES = {
    "negative count": (lambda: _with("y", 27, -1), {}),
    "missing count": (lambda: _with("x", 5, np.nan), {}),
    "text count": (lambda: _with("x", 31, "many"), {}),
    "missing segment key": (lambda: _with("year", 12, None), {}),
    "area twice in a segment": (lambda: _with("area", 7, "a3"), {}),
    "unknown unit column": (_wide, {"unit": "omrade"}),
    "unknown group column": (_wide, {"groups": ["x", "z"]}),
    "one group": (_wide, {"groups": ["x"]}),
    "unknown focal group": (_wide, {"focal": "z"}),
    "unknown index": (_wide, {"index": "dissim"}),
    "unknown parameter": (_wide, {"atkinson": 0.2}),
    "bad atkinson_b": (_wide, {"atkinson_b": 1.5}),
    "fractional bootstrap": (_wide, {"bootstrap": 2.5}),
    "negative bootstrap": (_wide, {"bootstrap": -1}),
    "long data without count_col": (_wide, {"groups": None, "group_col": "x"}),
    "unit is also a segment": (_wide, {"by": ["year", "area"]}),
}


def _error(call) -> MeasureInputError:
    with pytest.raises(Exception) as info:
        call()
    return info.value


@pytest.mark.parametrize("strategy", ["sums", "segments"])
@pytest.mark.parametrize("case", list(CASES))
def test_both_engines_refuse_with_the_same_error(dask_client, case, strategy):
    make, overrides = CASES[case]
    options = {"unit": "area", "groups": ["x", "y"], "by": "year", **overrides}
    local = _error(lambda: indices(make(), **options))
    if strategy == "sums" and options.get("group_col"):
        pytest.skip("the sums strategy reads wide data only (and says so)")
    cluster = _error(lambda: run_indices_distributed(make(), cluster=dask_client, strategy=strategy, progress=False,
                                                     **options))
    assert isinstance(local, MeasureInputError), local
    assert type(cluster) is type(local)
    assert str(cluster) == str(local)


def test_the_cluster_accepts_exactly_the_options_of_indices():
    import inspect

    assert list(OPTIONS) == [name for name in inspect.signature(indices).parameters if name not in ("data", "unknown")]
    assert OPTIONS["atkinson_b"] == inspect.signature(indices).parameters["atkinson_b"].default
