"""`segreform synth-population` and `segreform indices --cluster/--workers`."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from click.testing import CliRunner

from segreform.cli import main
from segreform.measure import indices
from segreform.scale.synthetic import SyntheticSpec, synthetic_population


def test_synth_population_writes_the_documented_data(tmp_path):
    out = tmp_path / "grid"
    result = CliRunner().invoke(main, ["synth-population", "12000", "--groups", "3", "--segregation", "0.5",
                                       "--seed", "7", "--regions", "2", "--rows-per-partition", "5000",
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.parquet")) == [f"part-0000{i}.parquet" for i in range(3)]
    expected = synthetic_population(SyntheticSpec(12_000, 3, 0.5, 7, n_regions=2))
    pd.testing.assert_frame_equal(pd.read_parquet(out).reset_index(drop=True), expected)

    again = CliRunner().invoke(main, ["synth-population", "100", "--seed", "1", "-o", str(out)])
    assert again.exit_code == 2
    assert "not empty" in again.output and len(list(out.glob("*.parquet"))) == 3


def test_synth_population_rejects_a_bad_knob(tmp_path):
    result = CliRunner().invoke(main, ["synth-population", "100", "--segregation", "1", "--seed", "1",
                                       "-o", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "segregation" in result.output


def test_indices_on_a_cluster_equals_indices(dask_client, tmp_path):
    out = tmp_path / "grid"
    spec = SyntheticSpec(9_000, 2, 0.3, 3, n_regions=3)
    CliRunner().invoke(main, ["synth-population", "9000", "--groups", "2", "--segregation", "0.3", "--seed", "3",
                              "--regions", "3", "--rows-per-partition", "4000", "-o", str(out)])
    table = tmp_path / "indices.csv"
    result = CliRunner().invoke(main, [
        "indices", str(out), "--cluster", dask_client.scheduler.address, "--unit", "cell",
        "--groups", "group_1,group_2", "--by", "region", "--index", "dissimilarity,theil_h", "-o", str(table),
    ])
    assert result.exit_code == 0, result.output
    expected = indices(synthetic_population(spec), unit="cell", groups=["group_1", "group_2"], by="region",
                       index=["dissimilarity", "theil_h"])
    written = pd.read_csv(table, keep_default_na=False)
    assert written[["region", "index", "group"]].astype(str).values.tolist() == \
        expected[["region", "index", "group"]].astype(str).values.tolist()
    np.testing.assert_allclose(written["estimate"], expected["estimate"], rtol=1e-12, atol=1e-12)


def test_indices_errors_are_one_line_with_exit_code_2(dask_client, tmp_path):
    source = tmp_path / "areas.csv"
    pd.DataFrame({"area": [1, 2, 3], "a": [1, 2, 3], "b": [3, -2, 1]}).to_csv(source, index=False)
    bad = CliRunner().invoke(main, ["indices", str(source), "--cluster", dask_client.scheduler.address,
                                    "--unit", "area", "--groups", "a,b"])
    assert bad.exit_code == 2
    assert bad.output.startswith("error: ") and "column 'b'" in bad.output and "negative" in bad.output
    assert len(bad.output.strip().splitlines()) == 1
    missing = CliRunner().invoke(main, ["indices", str(source), "--cluster", dask_client.scheduler.address,
                                        "--unit", "area", "--groups", "a,c"])
    assert missing.exit_code == 2 and "'c'" in missing.output


def test_indices_starts_a_local_cluster_with_workers(tmp_path):
    source = tmp_path / "areas.parquet"
    frame = pd.DataFrame({"area": range(6), "a": [5, 1, 0, 7, 2, 2], "b": [0, 4, 6, 1, 2, 3]})
    frame.to_parquet(source)
    result = CliRunner().invoke(main, ["indices", str(source), "--workers", "1", "--unit", "area",
                                       "--groups", "a,b", "--index", "dissimilarity"])
    assert result.exit_code == 0, result.output
    written = pd.read_csv(io.StringIO(result.stdout))
    expected = indices(frame, unit="area", groups=["a", "b"], index="dissimilarity")
    np.testing.assert_allclose(written["estimate"], expected["estimate"], rtol=1e-12)


def test_indices_rejects_a_bad_cluster_address(tmp_path):
    source = tmp_path / "areas.csv"
    pd.DataFrame({"area": [1, 2], "a": [1, 2], "b": [2, 1]}).to_csv(source, index=False)
    result = CliRunner().invoke(main, ["indices", str(source), "--cluster", "localhost:8786",
                                       "--unit", "area", "--groups", "a,b"])
    assert result.exit_code == 2
    assert "scheduler address like tcp://HOST:PORT" in result.output
