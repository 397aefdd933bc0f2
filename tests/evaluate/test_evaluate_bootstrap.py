"""Multiplier bootstrap: agrees with the analytic SEs, gives uniform bands, and does not depend on the split."""

from __future__ import annotations

import numpy as np
import pytest

from segreform.evaluate.bootstrap import block_seeds, draw_block, multiplier_bootstrap, summarise
from segreform.evaluate.did import callaway_santanna


def test_block_draws_are_independent_of_how_they_are_split():
    rng = np.random.default_rng(3)
    influence = rng.normal(size=(300, 4))
    blocks = block_seeds(42, 999)
    together = np.vstack([draw_block(influence, s, n) for s, n in blocks])
    # Two "workers" each take every other block, in reverse order: the same draws come back.
    worker_a = {i: draw_block(influence, s, n) for i, (s, n) in list(enumerate(blocks))[::-2]}
    worker_b = {i: draw_block(influence, s, n) for i, (s, n) in list(enumerate(blocks))[-2::-2]}
    merged = np.vstack([{**worker_a, **worker_b}[i] for i in range(len(blocks))])
    np.testing.assert_array_equal(together, merged)
    assert together.shape == (999, 4)
    assert summarise(together, 300).se == pytest.approx(summarise(merged, 300).se)


@pytest.mark.parametrize("weights", ["rademacher", "mammen"])
def test_bootstrap_se_approaches_the_analytic_se(weights):
    rng = np.random.default_rng(0)
    influence = rng.normal(size=(400, 3)) * np.array([1.0, 2.0, 0.5])
    influence -= influence.mean(axis=0)
    analytic = np.sqrt(np.mean(influence**2, axis=0) / 400)
    result = multiplier_bootstrap(influence, 4000, seed=1, weights=weights)
    np.testing.assert_allclose(result.se, analytic, rtol=0.06)
    # Three columns: the sup-t critical value lies between the pointwise 1.96 and Bonferroni's 2.39.
    assert 1.96 < result.critical_value < 2.45


def test_callaway_santanna_bootstrap_is_reproducible_with_uniform_bands(mpdta):
    run = lambda seed: callaway_santanna(mpdta, "countyreal", "year", "first_treat", "lemp", bootstrap=499, seed=seed)
    first, again, other = run(7), run(7), run(8)
    assert first.table().equals(again.table())
    assert first.get("simple").se != other.get("simple").se
    e0 = first.get("dynamic", "0")
    assert e0.band == "uniform"
    assert (e0.ci_high - e0.ci_low) / 2 / e0.se > 1.96  # a simultaneous band is wider than a pointwise one
    assert first.get("simple").se == pytest.approx(0.0120, rel=0.15)


def test_bootstrap_rejects_unknown_weights():
    with pytest.raises(ValueError, match="rademacher"):
        multiplier_bootstrap(np.ones((10, 1)), 10, seed=0, weights="gaussian")
