"""Property tests: scale invariance, symmetry, bounds and the K = 2 identities."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from segreform.measure.kernels import INDEX_NAMES, MULTIGROUP_INDICES, TWO_GROUP_INDICES, compute_segments

SETTINGS = settings(max_examples=50, deadline=None)
BOUNDED = ["dissimilarity", "gini", "entropy", "atkinson", "isolation", "exposure", "correlation_ratio",
           "multi_dissimilarity", "multi_gini", "theil_h", "normalized_exposure", "relative_diversity",
           "diversity_normalized", "simpson_concentration", "simpson_interaction"]
SCALE_FREE = [n for n in INDEX_NAMES]  # every index depends on shares only


def tables(n_groups: int):
    return arrays(np.int64, st.tuples(st.integers(2, 15), st.just(n_groups)), elements=st.integers(0, 40)).filter(
        lambda a: (a.sum(axis=0) > 0).all() and (a.sum(axis=1) > 0).sum() >= 2
    )


def _values(counts, names=INDEX_NAMES, **params):
    return compute_segments(counts.astype(float), None, names, params or None)


@SETTINGS
@given(tables(3), st.integers(2, 9))
def test_scaling_all_counts_changes_nothing(counts, factor):
    plain, scaled = _values(counts), _values(counts * factor)
    for name in SCALE_FREE:
        np.testing.assert_allclose(scaled[name], plain[name], rtol=1e-9, atol=1e-12, err_msg=name)


@SETTINGS
@given(tables(3), st.randoms(use_true_random=False))
def test_order_of_areas_and_of_groups_does_not_matter(counts, random):
    rows = list(range(counts.shape[0]))
    random.shuffle(rows)
    cols = [2, 0, 1]
    plain, permuted = _values(counts), _values(counts[rows][:, cols])
    for name in MULTIGROUP_INDICES:
        np.testing.assert_allclose(permuted[name], plain[name], rtol=1e-9, atol=1e-12, err_msg=name)
    for name in TWO_GROUP_INDICES:
        np.testing.assert_allclose(permuted[name], plain[name][:, cols], rtol=1e-9, atol=1e-12, err_msg=name)


@SETTINGS
@given(tables(2))
def test_two_group_symmetry_between_a_group_and_the_rest(counts):
    v = _values(counts)
    for name in ("dissimilarity", "gini", "entropy", "correlation_ratio"):
        np.testing.assert_allclose(v[name][0, 0], v[name][0, 1], rtol=1e-9, atol=1e-12, err_msg=name)


@SETTINGS
@given(tables(4), st.floats(0.05, 0.95))
def test_bounds(counts, b):
    v = _values(counts, atkinson_b=b)
    for name in BOUNDED:
        finite = v[name][np.isfinite(v[name])]
        assert (finite >= -1e-12).all() and (finite <= 1 + 1e-12).all(), (name, finite)
    assert (v["mutual_information"] >= -1e-12).all()
    assert (v["squared_cv"] >= -1e-12).all()


@SETTINGS
@given(tables(2))
def test_two_group_identities(counts):
    v = _values(counts)
    np.testing.assert_allclose(v["multi_dissimilarity"][0], v["dissimilarity"][0, 0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(v["multi_gini"][0], v["gini"][0, 0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(v["theil_h"][0], v["entropy"][0, 0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(v["normalized_exposure"][0], v["correlation_ratio"][0, 0], rtol=1e-9, atol=1e-12)


@SETTINGS
@given(arrays(np.int64, st.tuples(st.integers(1, 30), st.integers(2, 4)), elements=st.integers(0, 30)),
       st.integers(1, 5))
def test_segments_at_once_equal_segments_one_by_one(counts, n_segments):
    ids = np.sort(np.arange(counts.shape[0]) % n_segments)
    together = compute_segments(counts.astype(float), ids, "all", None, n_segments)
    for s in range(n_segments):
        alone = compute_segments(counts[ids == s].astype(float), None, "all")
        for name in INDEX_NAMES:
            np.testing.assert_allclose(together[name][s], alone[name][0], rtol=1e-12, atol=1e-14, equal_nan=True, err_msg=name)
