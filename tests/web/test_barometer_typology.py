"""Area types from the socioeconomic index, status × trend, time in type, and the indicator registry."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segreform.barometer import indicators, typology


def test_socioeconomic_index_is_the_mean_of_three_shares():
    index = typology.socioeconomic_index([0.3, 0.0, np.nan], [0.15, 0.0, 0.2], [0.0, 0.3, 0.1])
    assert index[0] == pytest.approx(0.15)
    assert index[1] == pytest.approx(0.1)
    assert np.isnan(index[2])


def test_socioeconomic_index_rejects_percentages_and_shape_mismatch():
    with pytest.raises(ValueError, match="divide percentages by 100"):
        typology.socioeconomic_index([30.0], [0.1], [0.1])
    with pytest.raises(ValueError, match="same shape"):
        typology.socioeconomic_index([0.1, 0.2], [0.1], [0.1])


def test_area_types_follow_the_default_cutpoints():
    # Mean 0, sample SD 1 by construction: z equals the value itself.
    base = np.array([2.5, 1.5, 0.5, -0.5, -1.5])
    values = np.concatenate([base, -base])
    values = (values - values.mean()) / values.std(ddof=1)
    scores = typology.standard_scores(values)
    np.testing.assert_allclose(scores, values)
    types = typology.area_types(values)
    expected = [1 if z > 2 else 2 if z > 1 else 3 if z > 0 else 4 if z > -1 else 5 for z in scores]
    assert types.tolist() == expected
    assert len(set(types)) >= 3
    # One outlier among many equal areas: the outlier is type 1, the rest sit just below the mean (type 4).
    outlier = typology.area_types(np.r_[np.zeros(50), 1.0])
    assert outlier[-1] == 1 and set(outlier[:-1]) == {4}


def test_area_types_boundaries_belong_to_the_better_type():
    # z exactly on a cut point falls in the type below the line (the better one), as documented.
    values = np.array([-1.0, 0.0, 1.0, 2.0, -2.0])  # mean 0
    sd = values.std(ddof=1)
    scores = values / sd
    types = typology.area_types(values, cutpoints=tuple(scores[[3, 2, 1, 0]]))
    assert types.tolist() == [5, 4, 3, 2, 5]


def test_custom_cutpoints_and_nan_areas():
    values = np.array([0.1, 0.2, 0.3, 0.4, np.nan])
    assert typology.area_types(values, cutpoints=(9, 8, 7, 6)).tolist() == [5, 5, 5, 5, 0]
    with pytest.raises(ValueError, match="strictly decreasing"):
        typology.area_types(values, cutpoints=(0, 1, 2, 3))
    with pytest.raises(ValueError, match="standard deviation is zero"):
        typology.area_types([0.2, 0.2, 0.2])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=3, max_size=60).filter(lambda v: np.std(v) > 1e-6))
def test_types_are_monotone_in_the_index(values):
    values = np.array(values)
    types = typology.area_types(values)
    order = np.argsort(values, kind="stable")
    # A higher index (worse conditions) never gets a better (higher-numbered) type.
    assert np.all(np.diff(types[order]) <= 0)


def test_types_by_year_standardise_within_each_year():
    frame = pd.DataFrame(
        {
            "area_code": list("abcd") * 2,
            "year": [2021] * 4 + [2022] * 4,
            # 2022 is 2021 shifted up: the same relative positions give the same types.
            "index": [0.1, 0.2, 0.3, 0.9, 0.6, 0.7, 0.8, 1.4],
        }
    )
    result = typology.area_types_by_year(frame)
    assert result.groupby("year")["area_type"].apply(list).tolist()[0] == result.groupby("year")["area_type"].apply(list).tolist()[1]
    np.testing.assert_allclose(result.groupby("year")["z"].mean(), 0, atol=1e-12)


def test_status_trend_and_duration():
    types = pd.DataFrame(
        {
            "area_code": ["a"] * 4 + ["b"] * 3 + ["c"] + ["d"] * 3,
            "year": [2019, 2020, 2021, 2022, 2020, 2021, 2022, 2022, 2018, 2020, 2021],
            "area_type": [2, 1, 1, 1, 3, 3, 4, 5, 2, 2, 2],
        }
    )
    summary = typology.status_and_trend(types).set_index("area_code")
    assert summary.loc["a", ["status", "trend", "years_in_type", "in_type_since"]].tolist() == [1, "worsening", 3, 2020]
    assert summary.loc["b", ["status", "trend", "years_in_type", "in_type_since"]].tolist() == [4, "improving", 1, 2022]
    assert summary.loc["c", ["trend", "years_in_type"]].tolist() == ["single_year", 1]
    # 2019 is missing for d: the run restarts in 2020.
    assert summary.loc["d", ["trend", "years_in_type", "in_type_since"]].tolist() == ["stable", 2, 2020]
    table = typology.status_trend_table(summary.reset_index())
    assert table.loc[1, "worsening"] == 1 and table.loc[4, "improving"] == 1 and table.to_numpy().sum() == 4


def test_registry_has_five_focus_areas_with_complete_indicators():
    areas = indicators.registry()
    assert [a.key for a in areas] == ["housing", "education", "work", "democracy", "crime"]
    for area in areas:
        assert area.indicators, area.key
        for item in area.indicators:
            assert item.direction in indicators.DIRECTIONS
            assert item.kolada or item.scb_table
            assert item.bundled or item.import_command, item.id
    kolada = {i.kolada for i in indicators.all_indicators().values() if i.kolada}
    assert {"N03926", "N05401", "N00914", "N01982", "N15428"} <= kolada
    with pytest.raises(ValueError, match="choose one of"):
        indicators.get_indicator("nope")


def test_registry_errors_name_the_file_and_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "focus_areas:\n  x:\n    name: {sv: X, en: X}\n    indicators:\n"
        "      - {id: a, name: {sv: A, en: A}, unit: share, direction: up, source: S, levels: [kommun], variable: v, kolada: N1}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=r"bad\.yaml.*'a'.*direction 'up'"):
        indicators.load_registry(bad)


def test_compute_share_and_plain_indicators():
    obs = pd.DataFrame(
        {
            "area_code": ["r1", "r1", "r2", "r2", "r3"],
            "year": [2022] * 5,
            "variable": ["utrikes_fodda", "folkmangd", "utrikes_fodda", "folkmangd", "utrikes_fodda"],
            "value": [25.0, 100.0, 0.0, 0.0, 5.0],
        }
    )
    share = indicators.compute(indicators.get_indicator("utrikes_fodda_andel"), obs)
    # r2 has zero population (NaN, dropped), r3 lacks the denominator.
    assert share.to_dict("records") == [{"area_code": "r1", "year": 2022, "value": 0.25}]
    assert indicators.compute(indicators.get_indicator("valdeltagande"), obs).empty
