"""Honest small samples: refuse impossible designs, and say when there are few treated units."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segreform.evaluate.did import callaway_santanna
from segreform.evaluate.panel import DesignError
from segreform.evaluate.sdid import synthetic_did
from segreform.evaluate.synth import synthetic_control


def panel(n_units=12, years=range(2010, 2020), cohorts=None, seed=0):
    rng = np.random.default_rng(seed)
    cohorts = cohorts or {}
    rows = []
    for u in range(n_units):
        level = rng.normal()
        for y in years:
            g = cohorts.get(u, 0)
            rows.append({"unit": f"k{u:02d}", "year": y, "first": g, "y": level + 0.1 * (y - 2010) + rng.normal(0, 0.1)
                         + (0.5 if g and y >= g else 0.0)})
    return pd.DataFrame(rows)


def test_no_never_treated_units_is_refused_with_what_to_do():
    data = panel(cohorts={u: 2015 + u % 3 for u in range(12)})
    with pytest.raises(DesignError, match="no never-treated units.*--control notyet"):
        callaway_santanna(data, "unit", "year", "first", "y")
    result = callaway_santanna(data, "unit", "year", "first", "y", control="notyet")
    assert result.get("group_time", "2015:2015").estimate == pytest.approx(0.5, abs=0.2)


def test_treated_from_the_first_period_leaves_no_pre_period():
    with pytest.raises(DesignError, match="no unit is treated after the first period 2010"):
        callaway_santanna(panel(cohorts={0: 2010, 1: 2008}), "unit", "year", "first", "y")


def test_few_treated_units_are_flagged():
    result = callaway_santanna(panel(cohorts={0: 2015, 1: 2016}), "unit", "year", "first", "y")
    assert any("only 2 treated unit(s)" in n and "permutation" in n for n in result.notes)


def test_unbalanced_panel_is_refused_naming_the_hole():
    data = panel(cohorts={0: 2015}).drop(index=5)
    with pytest.raises(DesignError, match="unit 'k00' has no 'y' in period 2015"):
        callaway_santanna(data, "unit", "year", "first", "y")


def test_duplicate_rows_are_refused_naming_the_row():
    data = panel(cohorts={0: 2015})
    data = pd.concat([data, data.iloc[[3]]], ignore_index=True)
    with pytest.raises(DesignError, match=r"row 121: unit 'k00' appears twice in period 2013"):
        callaway_santanna(data, "unit", "year", "first", "y")


def test_non_numeric_outcome_names_column_and_row():
    data = panel(cohorts={0: 2015})
    data["y"] = data["y"].astype(object)
    data.loc[7, "y"] = "n/a"
    with pytest.raises(DesignError, match=r"column 'y', row 8: 'n/a' is not a number"):
        callaway_santanna(data, "unit", "year", "first", "y")


def test_synth_and_sdid_refuse_short_pre_periods_and_missing_donors():
    data = panel(n_units=6)
    with pytest.raises(DesignError, match="only 3 period\\(s\\) before the start 2013"):
        synthetic_control(data, "unit", "year", "y", "k00", 2013)
    with pytest.raises(DesignError, match="at least two comparison units"):
        synthetic_control(data[data.unit.isin(["k00", "k01"])], "unit", "year", "y", "k00", 2016)
    with pytest.raises(DesignError, match="more control units \\(2\\) than treated units \\(4\\)"):
        synthetic_did(data, "unit", "year", "y", ["k00", "k01", "k02", "k03"], 2016)
    with pytest.raises(DesignError, match="only 1 period"):
        synthetic_did(data, "unit", "year", "y", ["k00"], 2011)


def test_synth_without_predictors_matches_pre_period_outcomes():
    data = panel(n_units=8, cohorts={0: 2016})
    result = synthetic_control(data, "unit", "year", "y", "k00", 2016)
    assert result.settings["predictors"] == "pre-period outcomes"
    assert result.get("att", "average_post").estimate == pytest.approx(0.5, abs=0.35)
    assert "permutation" in result.notes[0]
