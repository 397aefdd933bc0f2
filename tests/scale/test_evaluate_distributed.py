"""Synthetic-control placebos and the multiplier bootstrap on a LocalCluster equal the local results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segreform.evaluate import bootstrap as mboot
from segreform.evaluate import synth
from segreform.scale.evaluate import (
    leave_one_out_fits_distributed,
    multiplier_bootstrap_distributed,
    multiplier_draws_distributed,
    placebo_fits_distributed,
    placebo_test_distributed,
)

ADH_PREDICTORS = ("retprice:1980-1988,lnincome:1980-1988,age15to24:1980-1988,beer:1984-1988,"
                  "cigsale:1975,cigsale:1980,cigsale:1988")


@pytest.fixture(scope="module")
def smoking(reference_data) -> pd.DataFrame:
    return pd.read_csv(reference_data / "smoking_adh2010.csv")


def _same_fits(ours, theirs) -> None:
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.treated == b.treated
        np.testing.assert_array_equal(a.donors, b.donors)
        np.testing.assert_allclose(a.weights, b.weights, rtol=0, atol=1e-12)
        np.testing.assert_allclose(a.v, b.v, rtol=0, atol=1e-12)
        np.testing.assert_allclose(a.gaps, b.gaps, rtol=1e-12, atol=1e-12)


def test_nested_placebo_and_leave_one_out_refits_equal_local(dask_client, smoking):
    data = synth.synth_data(smoking, "state", "year", "cigsale", "California", 1989,
                         synth.parse_predictors(ADH_PREDICTORS))
    units = [3, 0, 17]
    options = {"n_random_starts": 1, "seed": 5}
    ours = placebo_fits_distributed(data, units, cluster=dask_client, progress=False, **options)
    _same_fits(ours, synth.placebo_fits(data, units, **options))
    left_out = [4, 9]
    ours = leave_one_out_fits_distributed(data, left_out, cluster=dask_client, chunk=2, progress=False, **options)
    _same_fits(ours, synth.leave_one_out_fits(data, left_out, **options))


def test_placebo_test_equals_synthetic_control_placebos(dask_client, smoking):
    data = synth.synth_data(smoking, "state", "year", "cigsale", "California", 1989)
    ours = placebo_test_distributed(data, cluster=dask_client, chunk=5, progress=False)
    local = synth.synthetic_control(smoking, "state", "year", "cigsale", "California", 1989, placebos=True)
    theirs = local.diagnostics["placebo"]
    assert (ours["rank"], ours["of"], ours["p_value"]) == (theirs["rank"], theirs["of"], theirs["p_value"])
    assert list(ours["rmspe_ratios"]) == list(theirs["rmspe_ratios"])
    np.testing.assert_allclose(list(ours["rmspe_ratios"].values()), list(theirs["rmspe_ratios"].values()),
                               rtol=1e-12)


@pytest.mark.parametrize("weights", ["rademacher", "mammen"])
def test_multiplier_draws_equal_local_whatever_the_split(dask_client, weights):
    rng = np.random.default_rng(0)
    influence = rng.normal(size=(300, 4))
    expected = mboot.multiplier_draws(influence, 999, seed=42, weights=weights)
    for blocks_per_task in (1, 3):
        draws = multiplier_draws_distributed(influence, 999, seed=42, weights=weights, cluster=dask_client,
                                             blocks_per_task=blocks_per_task, progress=False)
        np.testing.assert_array_equal(draws, expected)
    result = multiplier_bootstrap_distributed(influence, 999, seed=42, weights=weights, cluster=dask_client,
                                              progress=False)
    local = mboot.multiplier_bootstrap(influence, 999, seed=42, weights=weights)
    np.testing.assert_array_equal(result.se, local.se)
    assert result.critical_value == local.critical_value


def test_bad_input_is_refused(dask_client, smoking):
    with pytest.raises(ValueError, match="at least 2 draws"):
        multiplier_draws_distributed(np.ones((5, 1)), 1, seed=1, cluster=dask_client)
    with pytest.raises(ValueError, match="finite"):
        multiplier_draws_distributed(np.array([[1.0], [np.nan]]), 10, seed=1, cluster=dask_client)
    data = synth.synth_data(smoking, "state", "year", "cigsale", "California", 1989)
    with pytest.raises(ValueError, match="unit 99 is not a column index"):
        placebo_fits_distributed(data, [99], cluster=dask_client)
    with pytest.raises(ValueError, match="unknown option 'starts'"):
        placebo_fits_distributed(data, [1], cluster=dask_client, starts=3)
