"""On a LocalCluster (processes, loopback), results equal segreform.measure's to 1e-12, even after a worker dies."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pandas as pd
import pytest

from segreform.measure import MeasureInputError, expected_indices, indices
from segreform.scale.dask_backend import expected_indices_distributed, run_indices_distributed
from segreform.scale.synthetic import SyntheticSpec, group_columns, synthetic_dask, synthetic_population, write_synthetic_parquet

SPEC = SyntheticSpec(n_cells=24_000, n_groups=3, segregation=0.4, seed=21, n_regions=6)
GROUPS = group_columns(3)


@pytest.fixture(scope="module")
def population() -> pd.DataFrame:
    return synthetic_population(SPEC)


def assert_same(result: pd.DataFrame, expected: pd.DataFrame, tol: float = 1e-12) -> None:
    """Same columns, same rows in the same order, every number equal to ``tol``."""
    assert list(result.columns) == list(expected.columns)
    numeric = [c for c in expected.columns if c not in ("index", "group") and expected[c].dtype.kind == "f"]
    labels = [c for c in expected.columns if c not in numeric]
    pd.testing.assert_frame_equal(result[labels].astype(str), expected[labels].astype(str))
    for column in numeric:
        np.testing.assert_allclose(result[column].to_numpy(float), expected[column].to_numpy(float),
                                   rtol=tol, atol=tol, equal_nan=True, err_msg=column)


def test_sums_strategy_on_parquet_equals_single_machine(dask_client, population, tmp_path):
    write_synthetic_parquet(SPEC, tmp_path / "grid", rows_per_partition=5_000, progress=False)
    result = run_indices_distributed(tmp_path / "grid", cluster=dask_client, unit="cell", groups=GROUPS,
                                     by="region", progress=False)
    assert_same(result, indices(population, unit="cell", groups=GROUPS, by="region"))


def test_one_segment_in_many_partitions(dask_client, population):
    result = run_indices_distributed(synthetic_dask(SPEC, 3_000), cluster=dask_client, unit="cell",
                                     groups=GROUPS, focal="group_2", atkinson_b=0.8, progress=False)
    expected = indices(population, unit="cell", groups=GROUPS, focal="group_2", atkinson_b=0.8)
    assert_same(result, expected)


def test_bootstrap_draws_equal_single_machine_exactly(dask_client, population):
    frame = synthetic_dask(SPEC, 7_000)
    options = dict(unit="cell", groups=GROUPS, by="region", index=["dissimilarity", "theil_h", "gini"],
                   bootstrap=25, seed=8)
    result = run_indices_distributed(frame, cluster=dask_client, progress=False, **options)
    assert_same(result, indices(population, **options), tol=0.0)
    assert result["se"].notna().all() and (result["se"] > 0).all()


def test_random_allocation_draws_equal_single_machine(dask_client, population):
    small = population[population["region"] < 2]
    options = dict(unit="cell", groups=GROUPS, by="region", index=["dissimilarity", "multi_dissimilarity"],
                   draws=15, seed=4)
    result = expected_indices_distributed(small, cluster=dask_client, progress=False, **options)
    assert_same(result, expected_indices(small, **options), tol=0.0)


def test_long_data_goes_through_the_segment_strategy(dask_client, population):
    wide = population[population["region"] < 3][["cell", "region", *GROUPS]]
    long = wide.melt(id_vars=["cell", "region"], var_name="group", value_name="n")
    options = dict(unit="cell", group_col="group", count_col="n", by="region", index=["entropy", "squared_cv"])
    result = run_indices_distributed(long, cluster=dask_client, progress=False, **options)
    assert_same(result, indices(long, **options))


def test_results_survive_a_killed_worker(dask_client, population):
    small = population[population["region"] < 2]
    options = dict(unit="cell", groups=GROUPS, by="region", index="dissimilarity", bootstrap=300, seed=99)
    expected = indices(small, **options)
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["result"] = run_indices_distributed(small, cluster=dask_client, progress=False, **options)
        except BaseException as exc:  # handed to the test thread
            outcome["error"] = exc

    worker = threading.Thread(target=run)
    worker.start()
    victim = None
    deadline = time.monotonic() + 60
    while victim is None and time.monotonic() < deadline and worker.is_alive():
        busy = [addr for addr, keys in dask_client.processing().items() if any("draw_block" in k for k in keys)]
        victim = busy[0] if busy else None
        time.sleep(0.05)
    assert victim is not None, "the run finished before a worker could be killed; make it longer"
    killed_pid = dask_client.run(os.getpid, workers=[victim])[victim]
    os.kill(killed_pid, signal.SIGKILL)  # a crash, mid-task: the nanny restarts the worker
    worker.join(timeout=240)
    assert not worker.is_alive()
    assert "error" not in outcome, outcome.get("error")
    dask_client.wait_for_workers(2, timeout=60)
    assert killed_pid not in dask_client.run(os.getpid).values()  # the nanny started a new process
    assert_same(outcome["result"], expected, tol=0.0)


def test_bad_count_is_reported_with_its_row(dask_client, population):
    bad = population.iloc[:5_000].copy()
    bad.loc[4_321, "group_2"] = -1
    with pytest.raises(MeasureInputError, match=r"column 'group_2', row 4321: count is negative"):
        run_indices_distributed(bad, cluster=dask_client, unit="cell", groups=GROUPS, progress=False)
    with pytest.raises(MeasureInputError, match=r"column 'group_2', row 4321: count is negative"):
        run_indices_distributed(bad, cluster=dask_client, unit="cell", groups=GROUPS, bootstrap=5, seed=1,
                                progress=False)


def test_bad_options_are_refused_before_any_work(dask_client, population):
    with pytest.raises(MeasureInputError, match="unknown parameter 'atkinson'"):
        run_indices_distributed(population, cluster=dask_client, unit="cell", groups=GROUPS, atkinson=0.2)
    with pytest.raises(MeasureInputError, match="unknown index name 'dissim'"):
        run_indices_distributed(population, cluster=dask_client, unit="cell", groups=GROUPS, index="dissim")
    with pytest.raises(MeasureInputError, match="strategy='sums' computes point estimates"):
        run_indices_distributed(population, cluster=dask_client, unit="cell", groups=GROUPS, bootstrap=3,
                                strategy="sums")
    with pytest.raises(ValueError, match="either cluster= .* or workers="):
        run_indices_distributed(population, cluster=dask_client, workers=2, unit="cell", groups=GROUPS)


def test_two_key_columns_with_text_keys_in_both_strategies(dask_client, population):
    frame = population.iloc[:6_000].copy()
    frame["year"] = np.where(frame["cell"] % 3 == 0, "2019", "2024")
    options = dict(unit="cell", groups=GROUPS, by=["year", "region"], index=["gini", "mutual_information"])
    expected = indices(frame, **options)
    assert_same(run_indices_distributed(frame, cluster=dask_client, progress=False, **options), expected)
    assert_same(run_indices_distributed(frame, cluster=dask_client, strategy="segments", progress=False,
                                        **options), expected)
