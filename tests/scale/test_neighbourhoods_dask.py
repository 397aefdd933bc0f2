"""Bespoke neighbourhoods by strips with halos equal the single machine's."""

import numpy as np
import pytest

from segreform.measure.neighbourhoods import bespoke_shares
from segreform.scale.neighbourhoods import bespoke_shares_partitioned


@pytest.mark.parametrize("halo", [None, 1.0])  # 1 m: every strip must widen its halo many times
def test_partitions_with_halos_equal_single_machine(halo):
    rng = np.random.default_rng(11)
    n = 3000
    x = np.round(rng.normal(0, 4000, n), -2)
    y = np.round(rng.normal(0, 4000, n), -2)
    counts = rng.poisson(3, (n, 3)).astype(float)
    ks = [10, 100, 1000, 5000, 10 * counts.sum()]
    single = bespoke_shares(x, y, counts, ks)
    split = bespoke_shares_partitioned(x, y, counts, ks, partitions=5, halo=halo)
    assert not np.isnan(split).any()
    np.testing.assert_allclose(split, single, rtol=0, atol=1e-12)


def test_partitions_on_a_distributed_client():
    distributed = pytest.importorskip("distributed")
    rng = np.random.default_rng(2)
    n = 800
    x, y = rng.integers(0, 40, n) * 100.0, rng.integers(0, 40, n) * 100.0
    counts = rng.integers(0, 5, (n, 2)).astype(float)
    ks = [5, 50, 500]
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as client:
        split = bespoke_shares_partitioned(x, y, counts, ks, partitions=3, client=client)
    np.testing.assert_allclose(split, bespoke_shares(x, y, counts, ks), rtol=0, atol=1e-12)
