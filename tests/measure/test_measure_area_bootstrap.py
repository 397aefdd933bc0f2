"""The fast area bootstrap gives the generic path's draws (same picks, to 1e-12), for every index."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segreform.measure import MeasureInputError, area_bootstrap, indices
from segreform.measure.inference import (
    AREA_BOOTSTRAP_STREAM,
    area_bootstrap_tables,
    block_generator,
    bootstrap_summary,
    simulate_segments,
)
from segreform.measure.kernels import INDEX_NAMES, check_params, compute_prepared, prepare

from measure_helpers import random_wide

GROUPS = ["a", "b", "c"]


def segments_with_edge_cases() -> tuple[np.ndarray, np.ndarray, int]:
    """Four segments: ordinary, with empty areas and a group absent from some areas, two areas only
    (draws where one area is picked twice make P = 0 or 1, hence NaN), and one with a group absent."""
    rng = np.random.default_rng(11)
    ordinary = rng.integers(0, 80, size=(30, 3))
    sparse = rng.integers(0, 40, size=(25, 3))
    sparse[[2, 7]] = 0
    sparse[10:, 2] = 0
    two_areas = np.array([[10, 0, 5], [0, 12, 3]])
    group_absent = rng.integers(1, 50, size=(15, 3))
    group_absent[:, 1] = 0
    parts = [ordinary, sparse, two_areas, group_absent]
    counts = np.vstack(parts).astype(np.float64)
    segment_ids = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
    return counts, segment_ids, len(parts)


def segment_draws(counts, segment_ids, n_segments, names, draws, seed, n_jobs=1) -> dict[int, dict[str, np.ndarray]]:
    collected: dict[int, dict[str, np.ndarray]] = {}
    simulate_segments(counts, segment_ids, n_segments, names, check_params(None), draws, seed, AREA_BOOTSTRAP_STREAM,
                      collected.__setitem__, n_jobs)
    return collected


def assert_same_draws(fast, generic, names):
    assert fast.keys() == generic.keys()
    for s in fast:
        for name in names:
            np.testing.assert_allclose(fast[s][name], generic[s][name], rtol=1e-12, atol=1e-12,
                                       err_msg=f"{name}, segment {s}")


def test_every_index_has_a_fast_formula():
    resampler = area_bootstrap.AreaResampler(np.ones((3, 2)), INDEX_NAMES, check_params(None))
    assert resampler.generic_names == []


@pytest.mark.parametrize("groups", [slice(None), slice(0, 2)], ids=["multigroup", "pair"])
def test_fast_draws_equal_generic_draws_for_every_index(monkeypatch, groups):
    counts, segment_ids, n_segments = segments_with_edge_cases()
    counts = counts[:, groups]
    names = list(INDEX_NAMES)
    # 150 draws: two blocks per segment, so block boundaries are covered too.
    fast = segment_draws(counts, segment_ids, n_segments, names, 150, seed=3)
    monkeypatch.setattr(area_bootstrap, "FAST_FORMULAS", {})
    generic = segment_draws(counts, segment_ids, n_segments, names, 150, seed=3)
    assert_same_draws(fast, generic, names)
    two_area_draws = fast[2]["dissimilarity"][:, 0]
    assert np.isnan(two_area_draws).any() and not np.isnan(two_area_draws).all()


def test_one_block_equals_the_resampled_tables():
    counts = random_wide(4, n_segments=1, n_units=40)[GROUPS].to_numpy(np.float64)
    params = check_params({"atkinson_b": 0.3, "base": np.e})
    names = list(INDEX_NAMES)
    fast = area_bootstrap.AreaResampler(counts, names, params).block(60, block_generator(5, AREA_BOOTSTRAP_STREAM, 0, 0))
    tables = area_bootstrap_tables(counts, 60, block_generator(5, AREA_BOOTSTRAP_STREAM, 0, 0))
    generic = compute_prepared(prepare(tables, np.repeat(np.arange(60), 40), 60), names, params)
    assert_same_draws({0: fast}, {0: generic}, names)
    assert np.unique(fast["dissimilarity"][:, 0]).size > 50  # the draws really differ from each other


def test_an_index_without_a_fast_formula_falls_back_alone(monkeypatch):
    counts, segment_ids, n_segments = segments_with_edge_cases()
    names = ["gini", "dissimilarity", "theil_h", "diversity"]
    everything_fast = segment_draws(counts, segment_ids, n_segments, names, 40, seed=9)
    without = {k: v for k, v in area_bootstrap.FAST_FORMULAS.items() if k not in ("gini", "theil_h")}
    monkeypatch.setattr(area_bootstrap, "FAST_FORMULAS", without)
    resampler = area_bootstrap.AreaResampler(counts[:30], names, check_params(None))
    assert resampler.generic_names == ["gini", "theil_h"]
    assert resampler.fast_names == ["dissimilarity", "diversity"]
    mixed = segment_draws(counts, segment_ids, n_segments, names, 40, seed=9)
    assert_same_draws(mixed, everything_fast, names)


@pytest.mark.parametrize("focal", [None, "a"], ids=["all-groups", "focal-pair"])
def test_indices_summaries_unchanged_by_the_fast_path(monkeypatch, focal):
    data = random_wide(8, n_segments=3, n_units=20)
    data.loc[[3, 25], GROUPS] = 0
    options = dict(unit="area", groups=GROUPS, by="kommun", focal=focal, index="all" if focal is None else
                   ["dissimilarity", "gini", "entropy", "atkinson", "isolation", "exposure", "correlation_ratio"],
                   bootstrap=120, seed=21, bootstrap_by="areas")
    fast = indices(data, **options)
    monkeypatch.setattr(area_bootstrap, "FAST_FORMULAS", {})
    generic = indices(data, **options)
    pd.testing.assert_frame_equal(fast, generic, check_exact=False, rtol=1e-12, atol=1e-12)
    assert (fast["se"].dropna() > 0).all() and fast["se"].notna().sum() > 10


def test_same_seed_same_area_draws_for_any_number_of_workers():
    counts, segment_ids, n_segments = segments_with_edge_cases()
    names = list(INDEX_NAMES)
    one = segment_draws(counts, segment_ids, n_segments, names, 250, seed=4, n_jobs=1)
    three = segment_draws(counts, segment_ids, n_segments, names, 250, seed=4, n_jobs=3)
    for s in one:
        for name in names:
            np.testing.assert_array_equal(one[s][name], three[s][name])
    data = random_wide(2, n_segments=2, n_units=30)
    options = dict(unit="area", groups=GROUPS, by="kommun", bootstrap=300, seed=8, bootstrap_by="areas")
    pd.testing.assert_frame_equal(indices(data, n_jobs=1, **options), indices(data, n_jobs=2, **options))


def test_area_and_individual_bootstraps_are_different_draws():
    data = random_wide(3, n_segments=1, n_units=30)
    options = dict(unit="area", groups=GROUPS, index="theil_h", bootstrap=100, seed=1)
    by_areas = indices(data, bootstrap_by="areas", **options)
    by_individuals = indices(data, **options)
    assert by_areas["se"].iloc[0] != by_individuals["se"].iloc[0]


def test_unknown_bootstrap_by_is_a_clear_error():
    data = random_wide(1, n_segments=1, n_units=10)
    with pytest.raises(MeasureInputError, match=r"unknown bootstrap_by 'people'; choose one of: individuals, areas"):
        indices(data, unit="area", groups=GROUPS, bootstrap=10, seed=1, bootstrap_by="people")
    counts = data[GROUPS].to_numpy(np.float64)
    estimates = compute_prepared(prepare(counts), ["theil_h"], check_params(None))
    with pytest.raises(ValueError, match=r"bootstrap_by must be one of individuals, areas, got 'units'"):
        bootstrap_summary(estimates, counts, np.zeros(10, dtype=np.int64), 1, check_params(None), 10, 1,
                          resample="units")
