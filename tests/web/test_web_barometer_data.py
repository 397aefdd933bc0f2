"""The barometer's figures on the bundled real data, checked against independent computations from the store."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segreform.barometer import indicators as registry
from segreform.barometer.area_types import TYPE_INPUT_VARIABLES
from segreform.barometer.cache import Barometer
from segreform.barometer.places import NATION_CODE
from segreform.barometer.snapshot import Snapshot
from segreform.data import queries


@pytest.fixture(scope="module")
def data(loaded_engine):
    return Barometer(loaded_engine).data


def test_published_area_types_are_shown_as_published(data):
    types = data.area_types
    assert set(types["basis"]) == {"published"} and set(types["year"]) == {2022}
    counts = types["area_type"].value_counts().sort_index().tolist()
    # SCB's 2022 counts are 160/289/855/1,770/289 over 3,363 RegSO; one RegSO has no 2025 successor.
    assert counts[:3] == [160, 289, 855] and counts[4] == 289 and counts[3] in (1769, 1770)
    assert set(data.status["trend"]) == {"single_year"}


def test_population_by_type_matches_a_direct_sum(loaded_engine, data):
    obs = queries.observations(loaded_engine, ["folkmangd", "omradestyp"], level="regso", year=2022)
    wide = obs.pivot_table(index="area_code", columns="variable", values="value").dropna()
    expected = wide.groupby("omradestyp")["folkmangd"].sum() / wide["folkmangd"].sum()
    nation = data.population_by_type(2022).query("level == 'riket'").set_index("area_type")["share"]
    np.testing.assert_allclose(nation.loc[[1, 2, 3, 4, 5]].to_numpy(), expected.loc[[1, 2, 3, 4, 5]].to_numpy(), rtol=1e-12)
    kommun_sums = data.population_by_type(2022).query("level == 'kommun'").groupby("code")["share"].sum()
    np.testing.assert_allclose(kommun_sums.to_numpy(), 1.0)


def test_kommun_share_is_summed_counts_not_mean_of_shares(loaded_engine, data):
    obs = queries.observations(loaded_engine, ["utrikes_fodda", "folkmangd"], level="regso", year=2023)
    regso = queries.areas(loaded_engine, "regso")
    malmo = obs[obs["area_code"].isin(regso.loc[regso["parent_code"] == "1280", "code"])]
    sums = malmo.groupby("variable")["value"].sum()
    values = data.indicator_values(registry.get_indicator("utrikes_fodda_andel"), "kommun")
    got = values.query("code == '1280' and year == 2023")["value"].item()
    assert got == pytest.approx(sums["utrikes_fodda"] / sums["folkmangd"], rel=1e-12)
    nation = data.indicator_values(registry.get_indicator("utrikes_fodda_andel"), "riket").query("year == 2023")
    assert nation["code"].item() == NATION_CODE and 0 < nation["value"].item() < 1


def test_dissimilarity_matches_the_textbook_formula_with_an_interval(loaded_engine, data):
    obs = queries.observations(loaded_engine, ["inrikes_fodda", "utrikes_fodda"], level="regso", year=2023)
    wide = obs[obs["area_code"].str.startswith("0180R")].pivot_table(index="area_code", columns="variable", values="value")
    a, b = wide["utrikes_fodda"], wide["inrikes_fodda"]
    expected = 0.5 * np.abs(a / a.sum() - b / b.sum()).sum()
    result = data.segregation_indices("kommun", "0180", bootstrap=50)
    row = result.query("index == 'dissimilarity' and year == 2023").iloc[0]
    assert row["value"] == pytest.approx(expected, rel=1e-10)
    assert row["ci_low"] < row["ci_high"] and row["se"] > 0
    assert set(result["year"]) == {2020, 2021, 2022, 2023}


def test_police_areas_match_regso_by_polygon(data):
    matches = data.police_matches("0180")
    # The 2025 list splits the 2023 area "Rinkeby / Tensta"; both parts reach its polygon, which covers both RegSO.
    rinkeby = matches[matches["name"] == "Rinkeby"]
    assert sorted(rinkeby["regso_name"]) == ["Rinkeby", "Tensta"]
    rosengard = data.police_matches("1280").query("name == 'Rosengård'")
    assert len(rosengard) >= 2 and rosengard["regso_code"].str.startswith("1280R").all()
    counts = data.indicator_values(registry.get_indicator("utsatta_omraden"), "kommun")
    assert counts.query("year == 2025")["value"].sum() == len(data.police) == 65
    assert counts.query("year == 2015")["value"].sum() == 53


def test_layers_cover_indicators_indices_and_type_shares(data):
    assert {"indicator:utrikes_fodda_andel", "index:dissimilarity", "types:12"} <= set(data.layers)
    for layer_id in data.layers:
        layer, year, table = data.layer_values(layer_id)
        assert len(table) == 290 and year == layer.years[-1]
        ranked = table.dropna(subset=["value"])
        assert ranked["value"].is_monotonic_decreasing, layer_id
    with pytest.raises(ValueError, match="years"):
        data.layer_values("types:12", 1999)
    with pytest.raises(KeyError, match="available"):
        data.layer_values("indicator:nope")


def test_search_finds_by_name_and_code(data):
    assert data.search("rinkeby")["code"].tolist() == ["0180R076"]
    assert data.search("0180")["code"].iloc[0] == "0180"
    with pytest.raises(ValueError, match="two characters"):
        data.search("a")


def test_cache_is_replaced_in_the_background_when_the_data_change(loaded_engine):
    barometer = Barometer(loaded_engine)
    first = barometer.data
    barometer._stamp_checked = float("-inf")
    assert barometer.data is first  # nothing changed
    barometer._stamp = ("something else",)
    barometer._stamp_checked = float("-inf")
    assert barometer.data is first  # the old snapshot answers while the new one is built
    assert barometer.wait_until_current(600)  # the rebuild warms every cache; a shared CI machine is slow
    assert barometer.data is not first


def test_computed_types_are_used_where_inputs_are_loaded_and_published_win(data):
    snapshot = Snapshot(data.engine)
    rng = np.random.default_rng(3)
    codes = [f"9999R{i:03d}" for i in range(40)]
    frames = []
    for year in (2021, 2022):
        frame = pd.DataFrame({"area_code": codes, "year": year, "kommun": "9999", "lan": "99"})
        for variable in TYPE_INPUT_VARIABLES:
            frame[variable] = rng.uniform(0, 0.4, len(codes))
        if year == 2022:
            frame["omradestyp"] = 3.0
        frames.append(frame)
    snapshot.__dict__["regso_wide"] = pd.concat(frames, ignore_index=True)
    snapshot.__dict__["observations"] = pd.DataFrame(
        {"variable": ["omradestyp"], "source": ["SCB"], "source_table": ["000005QX"]}
    )
    types = snapshot.area_types
    assert set(types.query("year == 2021")["basis"]) == {"computed"}
    assert set(types.query("year == 2022")["basis"]) == {"published"}
    assert set(types.query("year == 2022")["area_type"]) == {3}
    assert len(snapshot.status) == 40 and set(snapshot.status["trend"]) <= {"improving", "stable", "worsening"}


def test_registry_variables_agree_with_the_kolada_importer():
    from segreform.data.kolada import spec_for

    for item in registry.all_indicators().values():
        if item.kolada:
            assert item.variable == spec_for(item.kolada).variable, item.id
