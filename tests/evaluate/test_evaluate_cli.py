"""``segreform evaluate did|synth|sdid``: JSON out, exit code 2 with one line on bad input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from segreform.cli import main


def run(*args):
    return CliRunner().invoke(main, ["evaluate", *map(str, args)])


def test_did_writes_estimates_with_errors_and_intervals(reference_data, tmp_path):
    out = tmp_path / "did.json"
    result = run("did", reference_data / "mpdta.csv", "--unit", "countyreal", "--time", "year", "--cohort",
                 "first_treat", "--outcome", "lemp", "--control", "notyet", "--method", "ipw", "--bootstrap", 99,
                 "--seed", 1, "-o", out)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    simple = next(e for e in data["estimates"] if e["kind"] == "simple" and e["label"] == "overall")
    assert -0.06 < simple["estimate"] < -0.02 and simple["se"] > 0 and simple["ci_low"] < simple["ci_high"]
    assert data["settings"]["control"] == "notyet" and data["settings"]["method"] == "ipw"
    assert "pre_trend_test" in data["diagnostics"]


def test_sdid_and_synth_from_the_command_line(reference_data, tmp_path):
    result = run("sdid", reference_data / "california_prop99_synthdid.csv", "--unit", "State", "--time", "Year",
                 "--outcome", "PacksPerCapita", "--treated", "California", "--start", 1989, "--replications", 5)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["estimates"][0]["estimate"] == pytest.approx(-15.604, abs=0.01)
    out = tmp_path / "synth.json"
    result = run("synth", reference_data / "smoking_adh2010.csv", "--unit", "state", "--time", "year", "--outcome",
                 "cigsale", "--treated", "California", "--start", 1989, "--predictors",
                 "retprice:1980-1988,cigsale:1975,cigsale:1988", "-o", out)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert sum(data["weights"]["donor"].values()) == pytest.approx(1)
    assert data["diagnostics"]["effective_donors"] >= 1
    assert "California" not in data["weights"]["donor"]


@pytest.mark.parametrize(
    "args,message",
    [
        (["did", "mpdta.csv", "--unit", "countyreal", "--time", "year", "--cohort", "first_treat", "--outcome", "lemx"],
         "column 'lemx' (given as --outcome) is not in the data"),
        (["did", "nothere.csv", "--unit", "u", "--time", "t", "--cohort", "c", "--outcome", "y"], "no such file"),
        (["synth", "smoking_adh2010.csv", "--unit", "state", "--time", "year", "--outcome", "cigsale", "--treated",
          "Atlantis", "--start", 1989], "treated unit 'Atlantis' is not in column 'state'"),
        (["synth", "smoking_adh2010.csv", "--unit", "state", "--time", "year", "--outcome", "cigsale", "--treated",
          "California", "--start", 1973], "pre-treatment periods"),
        (["sdid", "california_prop99_synthdid.csv", "--unit", "State", "--time", "Year", "--outcome",
          "PacksPerCapita", "--treated", "California", "--start", 2001], "nothing to evaluate"),
    ],
)
def test_bad_input_exits_2_with_one_line(reference_data, args, message):
    args = [str(reference_data / a) if a.endswith(".csv") and a != "nothere.csv" else a for a in map(str, args)]
    result = run(*args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]


def test_report_from_a_result_file(reference_data, tmp_path):
    result_file = tmp_path / "sdid.json"
    assert run("sdid", reference_data / "california_prop99_synthdid.csv", "--unit", "State", "--time", "Year",
               "--outcome", "PacksPerCapita", "--treated", "California", "--start", 1989, "--replications", 5,
               "-o", result_file).exit_code == 0
    report = tmp_path / "report.html"
    result = run("report", result_file, "-o", report)
    assert result.exit_code == 0, result.output
    html = report.read_text(encoding="utf-8")
    assert "Estimated effect (sdid)" in html and "Effective number of controls" in html
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    result = run("report", bad, "-o", tmp_path / "x.html")
    assert result.exit_code == 2 and "not a result written by segreform evaluate" in result.stderr


def test_plan_and_rerun_on_an_empty_store(tmp_path, monkeypatch):
    monkeypatch.setenv("SEGREFORM_DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite'}")
    result = run("rerun")
    assert result.exit_code == 0 and "0 plan(s) re-run" in result.output
    result = run("plan", "DA-SCHOOL", "--outcome", "long_term_unemployment", "--by", "researcher@test")
    assert result.exit_code == 2
    assert "has no participating municipality yet" in result.stderr
