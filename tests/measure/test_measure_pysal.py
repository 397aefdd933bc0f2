"""Agreement with PySAL `segregation` 2.5 where both compute the same quantity, and where it is wrong."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from segreform.measure import indices, local_indices

from measure_helpers import random_wide, value_of

pytestmark = pytest.mark.peers
segregation = pytest.importorskip("segregation")
from pysal_peers import GROUPS, MULTI, TWO_GROUP  # noqa: E402
from segregation import local as pysal_local  # noqa: E402
from segregation import multigroup as pm  # noqa: E402
from segregation import singlegroup as ps  # noqa: E402


def _close(ours: float, theirs: float) -> None:
    assert math.isclose(ours, theirs, rel_tol=1e-12, abs_tol=1e-12), (ours, theirs)


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    frame = random_wide(11, n_segments=3, n_units=25)
    frame.loc[3, GROUPS] = 0  # an empty area: both libraries let it contribute nothing
    return frame


@pytest.fixture(scope="module")
def ours(data) -> pd.DataFrame:
    return indices(data, unit="area", groups=GROUPS, by="kommun", base=math.e)


def _pysal_gini(part, group, total):
    """PySAL's own Gini formula run as plain Python: compiling its parallel numba kernel takes ~30 s."""
    from segregation.singlegroup.gini import _gini_vecp

    formula = getattr(_gini_vecp, "py_func", _gini_vecp)
    return formula(part[group].to_numpy(float), part[total].to_numpy(float))


@pytest.mark.parametrize("name", list(TWO_GROUP))
def test_two_group_indices_agree_with_pysal(name, data, ours):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kommun, part in data.groupby("kommun"):
            part = part.assign(total=part[GROUPS].sum(axis=1))
            for group in GROUPS:
                if name == "gini":
                    theirs = _pysal_gini(part, group, "total")
                else:
                    theirs = TWO_GROUP[name](part, group, "total").statistic
                _close(value_of(ours, name, group, kommun=kommun), theirs)


@pytest.mark.parametrize("name", list(MULTI))
def test_multigroup_indices_agree_with_pysal(name, data, ours):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kommun, part in data.groupby("kommun"):
            part = part[part[GROUPS].sum(axis=1) > 0] if name == "theil_h" else part
            theirs = MULTI[name](part.reset_index(drop=True)).statistic
            _close(value_of(ours, name, kommun=kommun), theirs)


def test_local_indices_agree_with_pysal(data):
    part = data[(data.kommun == "k0") & (data[GROUPS].sum(axis=1) > 0)].reset_index(drop=True)
    ours = local_indices(part, unit="area", groups=GROUPS, base=math.e)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lq = pysal_local.MultiLocationQuotient(part, GROUPS).statistics
        entropy = pysal_local.MultiLocalEntropy(part, GROUPS).statistics
    ours_lq = ours[ours["index"] == "location_quotient"]["estimate"].to_numpy().reshape(len(part), len(GROUPS))
    np.testing.assert_allclose(ours_lq, lq, rtol=1e-12)
    np.testing.assert_allclose(ours[ours["index"] == "local_entropy"]["estimate"], entropy, rtol=1e-12)


def test_pysal_atkinson_ignores_b_and_ours_does_not(data):
    part = data[data.kommun == "k0"].assign(total=lambda d: d[GROUPS].sum(axis=1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pysal_low = ps.Atkinson(part, "a", "total", b=0.1).statistic
        pysal_high = ps.Atkinson(part, "a", "total", b=0.9).statistic
    assert pysal_low == pysal_high  # PySAL 2.5.4 never passes b to its formula: always b = 0.5
    ours_low = value_of(indices(part, unit="area", groups=GROUPS, index="atkinson", atkinson_b=0.1), "atkinson", "a")
    ours_high = value_of(indices(part, unit="area", groups=GROUPS, index="atkinson", atkinson_b=0.9), "atkinson", "a")
    ours_default = value_of(indices(part, unit="area", groups=GROUPS, index="atkinson"), "atkinson", "a")
    assert ours_low != pytest.approx(ours_high)
    _close(ours_default, pysal_low)


def test_pysal_h_is_nan_with_an_empty_group_and_ours_treats_the_group_as_absent():
    # Perfect segregation of a and b, and a group c with no members anywhere.
    frame = pd.DataFrame({"area": [1, 2, 3], "a": [10, 0, 5], "b": [0, 8, 0], "c": [0, 0, 0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = pm.MultiInfoTheory(frame, ["a", "b", "c"]).statistic
    assert np.isnan(theirs)
    ours = indices(frame, unit="area", groups=["a", "b", "c"], index="theil_h")
    assert value_of(ours, "theil_h") == pytest.approx(1.0, abs=1e-15)
