"""Every aspatial index of one huge segment: single machine (segreform.measure) vs Dask (segreform.scale).

Workload: a synthetic population (``segreform synth-population``: N cells, 4 groups, segregation
0.3, seed 1, ten Parquet files), all 18 aspatial indices of ``segreform.measure``
for the whole grid as one segment, each two-group index for every group.

* single machine: ``pd.read_parquet`` + ``segreform.measure.indices`` in a fresh process;
* cluster: ``segreform.scale.run_indices_distributed`` (strategy "sums": two map-reduce passes)
  on a loopback ``LocalCluster`` of 1, 2, 4 worker processes with one thread each; the time
  counts from the call to the result (cluster start-up is printed separately).

Printed per run: wall time, ratio single/cluster (> 1: the cluster is faster), peak resident
memory of every process (maximum RSS), and the largest difference to the single-machine values.
Bytes per cell count the peak above each process's memory once the engine is imported.
The largest N one machine handles is extrapolated from the measured peak bytes per cell and the
memory available, and labelled as such.

Usage::

    python benchmarks/scale.py --quick            # 1,000,000 cells, 1 and 2 workers (~1 minute)
    python benchmarks/scale.py                    # 10,000,000 cells, 1, 2 and 4 workers
    python benchmarks/scale.py --cells 3000000 --workers 1,2 --data /tmp/grid3m
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

GROUPS = ["group_1", "group_2", "group_3", "group_4"]
MIB = 1024 * 1024


def _max_rss_bytes() -> int:
    # ru_maxrss is in KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _single_machine(path: str, queue) -> None:
    from segreform.measure import indices

    baseline = _max_rss_bytes()
    start = time.perf_counter()
    frame = pd.read_parquet(path, columns=["cell", *GROUPS])
    result = indices(frame, unit="cell", groups=GROUPS, index="all")
    queue.put((time.perf_counter() - start, _max_rss_bytes(), baseline, result))


def run_single(path: Path):
    """Time and peak memory of the single-machine engine, in a fresh process."""
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_single_machine, args=(str(path), queue))
    process.start()
    seconds, peak, baseline, result = queue.get()
    process.join()
    return seconds, peak, baseline, result


def run_cluster(path: Path, workers: int):
    """Time of run_indices_distributed and each worker's peak memory, on a fresh local cluster."""
    from distributed import Client

    from segreform.scale.cluster import local_cluster
    from segreform.scale.dask_backend import run_indices_distributed

    started = time.perf_counter()
    with local_cluster(workers) as cluster, Client(cluster) as client:
        startup = time.perf_counter() - started
        client.run(_import_engine)
        baselines = client.run(_max_rss_bytes)
        start = time.perf_counter()
        result = run_indices_distributed(path, cluster=client, unit="cell", groups=GROUPS, index="all",
                                         progress=sys.stderr.isatty())
        seconds = time.perf_counter() - start
        peaks = client.run(_max_rss_bytes)
    workers_in_order = sorted(peaks)
    return (startup, seconds, [peaks[w] for w in workers_in_order], [baselines.get(w, 0) for w in workers_in_order],
            result)


def _import_engine() -> None:
    """Load the modules a task needs, so the baseline memory includes them."""
    import segreform.scale.aspatial  # noqa: F401
    import segreform.scale.dask_backend  # noqa: F401


def ensure_data(cells: int, directory: Path | None, rows_per_partition: int) -> Path:
    from segreform.scale.synthetic import SyntheticSpec, read_spec, write_synthetic_parquet

    spec = SyntheticSpec(n_cells=cells, n_groups=4, segregation=0.3, seed=1)
    directory = directory or Path(tempfile.gettempdir()) / f"segreform-grid-{cells}"
    if directory.exists() and any(directory.iterdir()):
        if read_spec(directory) != spec:
            raise SystemExit(f"{directory} holds another population; pass --data NEW_DIR")
        return directory
    start = time.perf_counter()
    write_synthetic_parquet(spec, directory, rows_per_partition=rows_per_partition, progress=sys.stderr.isatty())
    print(f"generated {cells:,} cells in {time.perf_counter() - start:.1f} s -> {directory}")
    return directory


def available_memory() -> int:
    with open("/proc/meminfo", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000,000 cells, 1 and 2 workers")
    parser.add_argument("--cells", type=int, help="number of cells (default 10,000,000)")
    parser.add_argument("--workers", default=None, help="comma-separated worker counts (default 1,2,4)")
    parser.add_argument("--data", type=Path, help="directory of the Parquet files (reused if it matches)")
    parser.add_argument("--rows-per-partition", type=int, help="cells per Parquet file (default: N / 10)")
    parser.add_argument("--keep", action="store_true", help="keep generated data in the temporary directory")
    args = parser.parse_args()
    cells = args.cells or (1_000_000 if args.quick else 10_000_000)
    rows_per_partition = args.rows_per_partition or max(cells // 10, 1)
    worker_counts = [int(w) for w in (args.workers or ("1,2" if args.quick else "1,2,4")).split(",")]

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"{available_memory() / 2**30:.1f} GiB available; Python {platform.python_version()}")
    path = ensure_data(cells, args.data, rows_per_partition)
    print(f"workload: {cells:,} cells x 4 groups in {-(-cells // rows_per_partition)} partitions, one segment, "
          "all aspatial indices (2 passes)\n")

    single_s, single_peak, single_base, expected = run_single(path)
    print(f"{'run':<22}{'time s':>9}{'ratio':>8}  peak memory per process (MiB)   max |diff|")
    print(f"{'single machine':<22}{single_s:9.2f}{1.0:8.2f}  {single_peak / MIB:,.0f}")
    cluster_peaks = {}
    for workers in worker_counts:
        startup, seconds, peaks, baselines, result = run_cluster(path, workers)
        diff = np.nanmax(np.abs(result["value"].to_numpy() - expected["value"].to_numpy()))
        cluster_peaks[workers] = sum(p - b for p, b in zip(peaks, baselines))
        peak_text = ", ".join(f"{p / MIB:,.0f}" for p in peaks)
        print(f"{f'dask, {workers} worker(s)':<22}{seconds:9.2f}{single_s / seconds:8.2f}  "
              f"{peak_text:<30}  {diff:.1e}   (cluster start {startup:.1f} s)")

    per_cell = (single_peak - single_base) / cells
    available = available_memory()
    print("\npeak memory above each process's memory after imports, per cell:")
    print(f"single machine: {per_cell:,.0f} bytes per cell -> about "
          f"{available / per_cell / 1e6:,.0f} million cells fit in the {available / 2**30:.1f} GiB available now "
          "(extrapolated)")
    for workers, above_baseline in cluster_peaks.items():
        held = above_baseline / cells
        print(f"dask, {workers} worker(s): {held:,.0f} bytes per cell summed over workers -> about "
              f"{available / held / 1e6:,.0f} million cells on this machine; each added machine of the same "
              "memory adds as much (extrapolated; partitions are held in worker memory between the passes)")
    if args.data is None and not args.keep:
        shutil.rmtree(path, ignore_errors=True)


if __name__ == "__main__":
    main()
