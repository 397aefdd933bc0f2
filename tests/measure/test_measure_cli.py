"""The `segreform indices` command: formats in and out, bootstrap columns, exit code 2 on bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from segreform.cli import main
from segreform.measure import indices

from measure_helpers import random_wide


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "areas.csv"
    random_wide(3, n_segments=2, n_units=15).to_csv(path, index=False)
    return path


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_csv_to_parquet_matches_the_library(csv_file, tmp_path):
    out = tmp_path / "out.parquet"
    result = run("indices", csv_file, "--unit", "area", "--groups", "a,b,c", "--by", "kommun",
                 "--index", "dissimilarity,theil_h", "-o", out)
    assert result.exit_code == 0, result.stderr
    written = pd.read_parquet(out)
    expected = indices(pd.read_csv(csv_file), unit="area", groups=["a", "b", "c"], by="kommun",
                       index=["dissimilarity", "theil_h"])
    pd.testing.assert_frame_equal(written, expected)


def test_parquet_in_json_out_with_bootstrap(csv_file, tmp_path):
    source = tmp_path / "areas.parquet"
    pd.read_csv(csv_file).to_parquet(source)
    out = tmp_path / "out.json"
    result = run("indices", source, "--unit", "area", "--groups", "a,b,c", "--by", "kommun", "--focal", "a",
                 "--index", "gini", "--bootstrap", "30", "--seed", "5", "-o", out)
    assert result.exit_code == 0, result.stderr
    rows = json.loads(out.read_text())
    assert len(rows) == 2
    assert list(rows[0])[:7] == ["kommun", "index", "group", "estimate", "se", "ci_low", "ci_high"]
    assert all(r["se"] > 0 for r in rows)


def test_bootstrap_by_areas_matches_the_library_and_differs_from_individuals(csv_file, tmp_path):
    data = pd.read_csv(csv_file)
    outputs = {}
    for unit_of_resampling in ("areas", "individuals"):
        out = tmp_path / f"{unit_of_resampling}.parquet"
        result = run("indices", csv_file, "--unit", "area", "--groups", "a,b,c", "--by", "kommun", "--focal", "a",
                     "--index", "dissimilarity", "--bootstrap", "40", "--seed", "9",
                     "--bootstrap-by", unit_of_resampling, "-o", out)
        assert result.exit_code == 0, result.stderr
        outputs[unit_of_resampling] = pd.read_parquet(out)
    expected = indices(data, unit="area", groups=["a", "b", "c"], by="kommun", focal="a", index="dissimilarity",
                       bootstrap=40, seed=9, bootstrap_by="areas")
    pd.testing.assert_frame_equal(outputs["areas"], expected[outputs["areas"].columns.tolist()])
    assert not outputs["areas"]["se"].equals(outputs["individuals"]["se"])
    refused = CliRunner().invoke(main, ["indices", str(csv_file), "--unit", "area", "--groups", "a,b,c",
                                        "--bootstrap", "5", "--bootstrap-by", "areas", "--workers", "1"])
    assert refused.exit_code == 2 and "one machine only" in refused.output


def test_stdout_csv_and_atkinson_b(csv_file):
    low = run("indices", csv_file, "--unit", "area", "--groups", "a,b", "--index", "atkinson", "--atkinson-b", "0.1", "--by", "kommun")
    high = run("indices", csv_file, "--unit", "area", "--groups", "a,b", "--index", "atkinson", "--atkinson-b", "0.9", "--by", "kommun")
    assert low.exit_code == 0 and low.stdout.startswith("kommun,index,group,estimate")
    assert low.stdout != high.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--groups", "a,zz"], "group column 'zz' is not in the data"),
        (["--groups", "a,b", "--index", "dissim"], "unknown index name 'dissim'"),
        (["--groups", "a,b", "--atkinson-b", "2"], "atkinson_b must be"),
    ],
)
def test_bad_options_exit_2_with_one_line(csv_file, args, message):
    result = run("indices", csv_file, "--unit", "area", "--by", "kommun", *args)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr and str(csv_file) in result.stderr


def test_bad_cell_names_file_line_and_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("area,a,b\n1,4,5\n2,3,-2\n")
    result = run("indices", path, "--unit", "area", "--groups", "a,b")
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {path}: line 3, column 'b': count is negative (-2); counts must be 0 or more"


def test_missing_file_and_unknown_output_type(csv_file, tmp_path):
    assert run("indices", tmp_path / "none.csv", "--unit", "area", "--groups", "a,b").exit_code == 2
    result = run("indices", csv_file, "--unit", "area", "--groups", "a,b", "--by", "kommun", "-o", tmp_path / "x.xlsx")
    assert result.exit_code == 2 and "unknown output type" in result.stderr
    assert not (tmp_path / "x.xlsx").exists()
