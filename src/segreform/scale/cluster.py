"""Connect to a Dask cluster (an address, a Client, a Cluster) or start a local one for one call."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator

from tqdm.auto import tqdm

__all__ = ["connect", "local_cluster", "wait_with_progress"]


def local_cluster(workers: int):
    """A loopback-only ``LocalCluster`` of ``workers`` processes with one thread each."""
    from distributed import LocalCluster  # optional heavy dependency, on use

    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive whole number, got {workers!r}")
    return LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )


@contextlib.contextmanager
def connect(cluster=None, workers: int | None = None) -> Iterator:
    """Yield a ``distributed.Client``; close whatever this call started, and nothing else.

    Parameters
    ----------
    cluster : str, distributed.Client, distributed cluster object or None
        ``"tcp://HOST:PORT"`` of a running scheduler, a client to reuse, or a cluster object.
    workers : int, optional
        Start a local cluster of this many worker processes (one thread each) for this call.
        Give either ``cluster`` or ``workers``; with neither, a client already made current in
        this process (``Client(...)``) is used.
    """
    from distributed import Client, default_client  # optional heavy dependency, on use

    if cluster is not None and workers is not None:
        raise ValueError("give either cluster= (an address or client) or workers= (a local cluster), not both")
    if isinstance(cluster, Client):
        yield cluster
        return
    if workers is not None:
        with local_cluster(workers) as started, Client(started) as client:
            yield client
        return
    if cluster is None:
        try:
            yield default_client()
        except ValueError:
            raise ValueError(
                "no Dask cluster: pass cluster='tcp://HOST:PORT' or workers=N for a local cluster"
            ) from None
        return
    if isinstance(cluster, str) and not cluster.startswith(("tcp://", "tls://", "ucx://", "inproc://")):
        raise ValueError(f"cluster must be a scheduler address like tcp://HOST:PORT, got {cluster!r}")
    try:
        client = Client(cluster, timeout="30s")
    except OSError as exc:
        raise ValueError(f"cannot reach the Dask scheduler at {cluster}: {exc}") from None
    with client:
        yield client


def wait_with_progress(futures: Iterable, description: str, progress: bool) -> None:
    """Wait for ``futures`` with a progress bar; re-raise the first task error."""
    from distributed import as_completed  # optional heavy dependency, on use

    futures = list(futures)
    with tqdm(total=len(futures), desc=description, unit="task", disable=not progress) as bar:
        for future in as_completed(futures):
            if future.status == "error":
                future.result()  # raises the task's own exception, with its message
            bar.update(1)
