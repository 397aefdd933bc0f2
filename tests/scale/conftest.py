"""One loopback LocalCluster (2 processes, 1 thread each) shared by a test module."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def dask_client():
    """A client on a fresh local cluster, closed after the module's tests."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()
