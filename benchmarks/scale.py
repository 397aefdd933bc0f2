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

``--largest-n --memory-budget 1.5GiB`` MEASURES the largest N instead, under one equal memory
budget B (see ``largest_n``): the single machine is one fresh process that is killed as soon as its
resident memory exceeds B; the cluster is 2 worker processes with ``memory_limit = B / 2`` each,
which Dask's nanny kills as soon as a worker's resident memory exceeds it (spilling to disk and
pausing are switched off, no task is retried). N grows by whole Parquet files of one fixed
population (doubling, then bisection to 10 %), and the cluster's values are compared with the
single machine's wherever both ran.

Usage::

    python benchmarks/scale.py --quick            # 1,000,000 cells, 1 and 2 workers (~1 minute)
    python benchmarks/scale.py                    # 10,000,000 cells, 1, 2 and 4 workers
    python benchmarks/scale.py --cells 3000000 --workers 1,2 --data /tmp/grid3m
    python benchmarks/scale.py --largest-n --memory-budget 1.5GiB   # about 10-15 minutes
"""

from __future__ import annotations

import argparse
import contextlib
import logging
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
from dask.utils import format_bytes, parse_bytes

GROUPS = ["group_1", "group_2", "group_3", "group_4"]
MIB = 1024 * 1024


def _max_rss_bytes() -> int:
    # ru_maxrss is in KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _single_machine(path: str, queue) -> None:
    from segreform.measure import indices
    from segreform.scale.parquet_columns import read_parquet_columns

    baseline = _max_rss_bytes()
    start = time.perf_counter()
    frame = read_parquet_columns(path, ["cell", *GROUPS])
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
    parser.add_argument("--largest-n", action="store_true",
                        help="measure the largest N single machine vs 2-worker cluster under --memory-budget")
    parser.add_argument("--memory-budget", type=parse_bytes, default=parse_bytes("1.5GiB"),
                        help="memory budget for --largest-n, e.g. 1.5GiB (default)")
    parser.add_argument("--quick", action="store_true", help="1,000,000 cells, 1 and 2 workers")
    parser.add_argument("--cells", type=int, help="number of cells (default 10,000,000)")
    parser.add_argument("--workers", default=None, help="comma-separated worker counts (default 1,2,4)")
    parser.add_argument("--data", type=Path, help="directory of the Parquet files (reused if it matches)")
    parser.add_argument("--rows-per-partition", type=int,
                        help="cells per Parquet file (default: N / 10; 250,000 with --largest-n)")
    parser.add_argument("--keep", action="store_true", help="keep generated data in the temporary directory")
    args = parser.parse_args()
    if args.largest_n:
        largest_n_report(args.memory_budget, args.rows_per_partition or 250_000, args.data, args.keep)
        return
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
        diff = np.nanmax(np.abs(result["estimate"].to_numpy() - expected["estimate"].to_numpy()))
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


# --- --largest-n: the largest N that fits one equal memory budget, measured ---------------------

POLL_SECONDS = 0.1  # as often as Dask's nanny checks its workers (distributed.worker.memory.monitor-interval)
RUN_TIMEOUT_SECONDS = 300
POOL_CELLS = 400_000_000  # the pool population's size; only the files that a run needs are written


class Outcome:
    """One attempt: did it fit, how long it took, peak resident memory per counted process, the values."""

    def __init__(self, fitted: bool, seconds: float, peaks: list[int], note: str = "", result=None,
                 client_rss: int = 0, baselines: list[int] | None = None):
        self.fitted, self.seconds, self.peaks, self.note = fitted, seconds, peaks, note
        self.result, self.client_rss, self.baselines = result, client_rss, baselines or []


def single_within(path: Path, budget: int) -> Outcome:
    """The single-machine run in a fresh process that is killed once its resident memory exceeds ``budget``."""
    import psutil

    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_single_machine, args=(str(path), queue))
    start = time.perf_counter()
    # the allocator setting that Dask gives its workers (distributed.nanny.pre-spawn-environ), for equal terms
    with _environment(MALLOC_TRIM_THRESHOLD_="65536"):
        process.start()
    watched = psutil.Process(process.pid)
    peak_seen = 0
    while queue.empty() and process.is_alive():
        try:
            peak_seen = max(peak_seen, watched.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        if peak_seen > budget:
            process.kill()
            process.join()
            return Outcome(False, time.perf_counter() - start, [peak_seen], "killed: resident memory over budget")
        if time.perf_counter() - start > RUN_TIMEOUT_SECONDS:
            process.kill()
            process.join()
            return Outcome(False, time.perf_counter() - start, [peak_seen], "timed out")
        time.sleep(POLL_SECONDS)
    if queue.empty():
        process.join()
        return Outcome(False, time.perf_counter() - start, [peak_seen], f"died (exit code {process.exitcode})")
    seconds, peak, baseline, result = queue.get()
    process.join()
    # the kernel's peak catches a spike between two polls: it must be within the budget too
    fitted = peak <= budget
    return Outcome(fitted, seconds, [peak], "" if fitted else "peak over budget between polls", result,
                   baselines=[baseline])


def cluster_within(path: Path, budget: int, workers: int = 2) -> Outcome:
    """``run_indices_distributed`` (strategy "sums") on ``workers`` processes sharing ``budget`` equally.

    Dask's nanny kills a worker whose resident memory exceeds its ``memory_limit`` (terminate
    fraction 1.0, the same rule as the single machine's watchdog); spilling to disk, pausing and
    task retries are off, so a worker cannot trade memory for disk or a second try. The client and
    the scheduler run in this process and are not counted (their memory is reported apart).
    """
    import concurrent.futures

    import dask
    import psutil
    from distributed import Client, LocalCluster

    from segreform.scale.dask_backend import run_indices_distributed

    settings = {
        "distributed.worker.memory.target": False,
        "distributed.worker.memory.spill": False,
        "distributed.worker.memory.pause": False,
        "distributed.worker.memory.terminate": 1.0,
        "distributed.worker.memory.monitor-interval": f"{int(POLL_SECONDS * 1000)}ms",
        "distributed.scheduler.allowed-failures": 0,
    }
    with dask.config.set(settings), LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, memory_limit=budget // workers,
    ) as cluster, Client(cluster) as client, concurrent.futures.ThreadPoolExecutor(1) as pool:
        client.run(_import_engine)
        baselines = sorted(client.run(_max_rss_bytes).values())
        start = time.perf_counter()
        running = pool.submit(run_indices_distributed, path, cluster=client, unit="cell", groups=GROUPS,
                              index="all", strategy="sums", progress=False)
        try:
            result = running.result(timeout=RUN_TIMEOUT_SECONDS)
        except concurrent.futures.TimeoutError:
            client.cancel(list(client.futures.values()), force=True)
            return Outcome(False, time.perf_counter() - start, [], "timed out")
        except Exception as exc:  # a killed worker surfaces as KilledWorker (or a lost-data error)
            return Outcome(False, time.perf_counter() - start, [], f"{type(exc).__name__}: {str(exc)[:100]}")
        seconds = time.perf_counter() - start
        peaks = sorted(client.run(_max_rss_bytes).values())
        client_rss = psutil.Process().memory_info().rss
    fitted = all(peak <= budget // workers for peak in peaks)
    return Outcome(fitted, seconds, peaks, "" if fitted else "a worker's peak exceeded its limit between polls",
                   result, client_rss, baselines)


@contextlib.contextmanager
def _environment(**variables: str):
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class PartitionPool:
    """Files of one fixed synthetic population, written on first use; N cells = the first N / P files.

    The population is the same for every N (``SyntheticSpec`` of POOL_CELLS cells: its data depend
    only on the specification), so a smaller run reads a prefix of a larger run's files.
    """

    def __init__(self, directory: Path, rows_per_partition: int):
        from segreform.scale.synthetic import SyntheticSpec

        self.spec = SyntheticSpec(n_cells=POOL_CELLS, n_groups=4, segregation=0.3, seed=1)
        self.directory, self.rows = directory, rows_per_partition
        (directory / "parts").mkdir(parents=True, exist_ok=True)

    def dataset(self, files: int) -> Path:
        """A directory that holds (hard links to) the first ``files`` files of the pool."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        from segreform.scale.synthetic import generate_cells

        target = self.directory / f"first-{files}"
        target.mkdir(exist_ok=True)
        for index in range(files):
            part = self.directory / "parts" / f"part-{index:05d}.parquet"
            if not part.exists():
                start = index * self.rows
                frame = generate_cells(self.spec, start, start + self.rows)
                pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), part.with_suffix(".tmp"))
                part.with_suffix(".tmp").rename(part)
            link = target / part.name
            if not link.exists():
                os.link(part, link)
        return target


def search_largest(attempt, start: int, precision: float = 0.10) -> tuple[int, dict[int, Outcome]]:
    """The largest number of files for which ``attempt(files)`` fits: doubling, then bisection.

    Returns it (0 if even one file does not fit) and every attempt by number of files.
    """
    tried: dict[int, Outcome] = {}

    def fits(files: int) -> bool:
        tried[files] = attempt(files)
        return tried[files].fitted

    fitted, failed = 0, None
    files = start
    if fits(files):
        fitted = files
        while failed is None:
            files *= 2
            if fits(files):
                fitted = files
            else:
                failed = files
    else:
        failed = files
        while fitted == 0 and failed > 1:
            files = failed // 2
            if fits(files):
                fitted = files
            else:
                failed = files
    while fitted and failed - fitted > max(1, precision * fitted):
        middle = (fitted + failed) // 2
        if fits(middle):
            fitted = middle
        else:
            failed = middle
    return fitted, tried


def largest_n_report(budget: int, rows_per_partition: int, directory: Path | None, keep: bool) -> None:
    """Measure and print the largest N of the single machine and of a 2-worker cluster under ``budget``."""
    # a worker killed on purpose is the expected way for an attempt to fail: silence Dask's reports of it
    import distributed  # noqa: F401  (configures its loggers, which this then quietens)

    for name in [n for n in logging.root.manager.loggerDict if n.startswith("distributed")]:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    directory = directory or Path(tempfile.gettempdir()) / f"segreform-largest-n-{rows_per_partition}"
    pool = PartitionPool(directory, rows_per_partition)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {available_memory() / 2**30:.1f} GiB available; "
          f"Python {platform.python_version()}")
    print(f"memory budget {format_bytes(budget)}; population: seed 1, 4 groups, S = 0.3, "
          f"{rows_per_partition:,} cells per Parquet file; N grows by whole files\n")
    started = time.perf_counter()

    def single(files: int) -> Outcome:
        outcome = single_within(pool.dataset(files), budget)
        _print_attempt("single machine", files * rows_per_partition, outcome)
        return outcome

    def cluster(files: int) -> Outcome:
        outcome = cluster_within(pool.dataset(files), budget)
        _print_attempt("dask, 2 workers", files * rows_per_partition, outcome)
        return outcome

    start_files = max(1, 1_000_000 // rows_per_partition)
    single_files, single_tried = search_largest(single, start_files)
    cluster_files, cluster_tried = search_largest(cluster, max(single_files, 1))
    both = [files for files in single_tried if files in cluster_tried
            and single_tried[files].fitted and cluster_tried[files].fitted]
    differences = {
        files * rows_per_partition: float(np.nanmax(np.abs(
            cluster_tried[files].result["estimate"].to_numpy() - single_tried[files].result["estimate"].to_numpy())))
        for files in both
    }
    print(f"\nsearch took {(time.perf_counter() - started) / 60:.1f} min")
    print("counted: the resident memory of the process that computes (single machine) and of each of the 2 worker "
          "processes (cluster, memory_limit = budget / 2 each); not counted: the client, scheduler and nannies "
          "(this process, which also writes the data; reported as 'client+scheduler RSS')")
    best_single, best_cluster = single_tried.get(single_files), cluster_tried.get(cluster_files)
    print(f"\n{'budget':>9}{'largest N single':>18}{'largest N cluster':>19}{'ratio':>7}"
          f"{'time single s':>15}{'time cluster s':>16}")
    print(f"{format_bytes(budget):>9}{single_files * rows_per_partition:>18,}{cluster_files * rows_per_partition:>19,}"
          f"{cluster_files / max(single_files, 1):>7.2f}"
          f"{best_single.seconds if best_single else float('nan'):>15.1f}"
          f"{best_cluster.seconds if best_cluster else float('nan'):>16.1f}")
    print("(precision: the next N tried, within 10 % above, did not fit)")
    for cells, difference in differences.items():
        print(f"max |cluster - single| at N = {cells:,}: {difference:.1e}")
    if not keep:
        shutil.rmtree(directory, ignore_errors=True)


def _print_attempt(name: str, cells: int, outcome: Outcome) -> None:
    peaks = ", ".join(f"{p / MIB:,.0f}" for p in outcome.peaks) or "-"
    baselines = ", ".join(f"{b / MIB:,.0f}" for b in outcome.baselines) or "-"
    client = f"; client+scheduler RSS {outcome.client_rss / MIB:,.0f} MiB" if outcome.client_rss else ""
    print(f"{name:<16} N = {cells:>11,}: {'fits' if outcome.fitted else 'FAILS':<5} {outcome.seconds:7.1f} s, "
          f"peak MiB {peaks} (after imports {baselines}){client} {outcome.note}", flush=True)


if __name__ == "__main__":
    main()
