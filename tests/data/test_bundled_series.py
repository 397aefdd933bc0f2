"""The long kommun series, Skolverket's year-9 results and the police-area panel: the shipped files against their
stated totals, and what `segreform init` stores from them (SQLite and PostgreSQL)."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from store_cleanup import empty_all_tables

from segreform.data import bundled, kommun_series, outcomes, police_panel
from segreform.data.errors import DataInputError

OFFICIAL_RIKSDAG_TURNOUT = {2010: 84.63, 2014: 85.81, 2018: 87.18, 2022: 84.21}
SCB_NATIONAL_POPULATION = {2018: 10_230_185, 2020: 10_379_295, 2021: 10_452_326, 2022: 10_521_556, 2023: 10_551_707}
POLICE_AREAS_PER_LIST = {2015: 53, 2017: 61, 2019: 60, 2021: 61, 2023: 59}
SPECIALLY_VULNERABLE_PER_LIST = {2015: 15, 2017: 23, 2019: 22, 2021: 19, 2023: 17}


def _population() -> pd.DataFrame:
    table = bundled.read_csv(bundled.KOMMUN_POPULATION_SERIES)
    return table.assign(year=table.year.astype(int), people=pd.to_numeric(table.population_dec31))


# -- the shipped files -----------------------------------------------------------------------------------------
def test_population_sums_equal_scb_national_totals():
    totals = _population().groupby("year").people.sum()
    for year, total in SCB_NATIONAL_POPULATION.items():
        assert totals[year] == total
    # The RegSO birth-country table is a second, independent SCB source for 2020–2023.
    regso = bundled.read_csv(bundled.FODELSELAND_TABLE)
    regso_totals = regso.assign(n=pd.to_numeric(regso.folkmangd)).groupby(regso.ar.astype(int)).n.sum()
    for year in (2020, 2021, 2022, 2023):
        assert totals[year] == regso_totals[year]
    assert set(_population().kommun_code) == set(bundled.read_csv(bundled.KOMMUNER).kommunkod)


def test_population_weighted_riksdag_turnout_matches_the_official_figures():
    turnout = bundled.read_csv(bundled.KOMMUN_TURNOUT_SERIES)
    turnout = turnout[turnout.election == "riksdag"].assign(
        year=lambda f: f.election_year.astype(int), pct=lambda f: pd.to_numeric(f.turnout_pct))
    merged = turnout.merge(_population(), on=["kommun_code", "year"])
    for year, official in OFFICIAL_RIKSDAG_TURNOUT.items():
        rows = merged[merged.year == year]
        assert len(rows) == 290
        weighted = np.average(rows.pct, weights=rows.people)
        assert abs(weighted - official) < 0.1, (year, weighted)


def test_skolverket_pupil_weighted_national_eligibility():
    observations = kommun_series.skolverket_release().observations
    wide = observations[observations.variable.isin(["elever_ak9", "behoriga_yrkesprogram_ak9_skolverket"])].pivot_table(
        index=["area_code", "year"], columns="variable", values="value").dropna().reset_index()
    for spring, published in ((2019, 84.3), (2016, 83.1)):
        rows = wide[wide.year == spring]
        national = np.average(rows.behoriga_yrkesprogram_ak9_skolverket, weights=rows.elever_ak9)
        assert round(national, 1) == published


def test_skolverket_markers_are_documented_missing_values():
    observations = kommun_series.skolverket_release().observations
    missing = observations[observations.missing_marker.notna()]
    assert set(missing.missing_marker) == {".", ".."}
    assert missing.value.isna().all()
    assert observations[observations.missing_marker.isna()].value.notna().all()


def test_police_lists_have_the_reported_number_of_areas():
    panel = police_panel.panel()
    assert panel.groupby("year").size().to_dict() == POLICE_AREAS_PER_LIST
    severe = panel[panel.category == police_panel.SPECIALLY_VULNERABLE]
    assert severe.groupby("year").size().to_dict() == SPECIALLY_VULNERABLE_PER_LIST
    assert set(panel.uo_id) == set(police_panel.polygons())


def test_every_police_area_2015_2023_intersects_a_regso_of_its_own_kommun():
    overlay = police_panel.regso_overlay()
    own = police_panel.panel().drop_duplicates("uo_id").merge(overlay, on=["uo_id", "kommun_code"])
    assert set(own.uo_id) == set(police_panel.polygons())
    assert ((overlay.share_of_regso_area > 0) & (overlay.share_of_regso_area <= 1 + 1e-9)).all()
    # The pieces of one police area over RegSO add up to the whole area (RegSO tile Sweden, water included).
    covered = overlay.groupby("uo_id").share_of_police_area.sum()
    assert covered.between(0.97, 1.0 + 1e-6).all(), covered[~covered.between(0.97, 1.0 + 1e-6)]


def test_2025_list_joins_the_2023_polygons_and_says_where_it_cannot():
    joined = police_panel.join_2025_list(bundled.read_csv(bundled.POLICE_AREAS_2025))
    rosengard = joined[(joined.namn == "Rosengård") & (joined.kommunkod == "1280")].iloc[0]
    assert rosengard["join"] == police_panel.JOIN_NAME_PART
    assert rosengard.panel_name == "Rosengård söder om Amiralsgatan"
    # Rosengård lies mostly in Malmö's RegSO, and in no other kommun's.
    overlay = police_panel.regso_overlay()
    pieces = overlay[overlay.uo_id == rosengard.uo_id]
    assert set(pieces.kommun_code) == {"1280"} and pieces.share_of_regso_area.max() > 0.9
    unmatched = joined[joined["join"] == police_panel.JOIN_NONE]
    assert set(zip(unmatched.namn, unmatched.kommunkod)) == {("Hjulsta", "0180"), ("Granängsringen", "0138")}
    assert (joined[joined["join"] != police_panel.JOIN_NONE].uo_id != "").all()


def test_a_bad_value_names_the_file_line_and_field(tmp_path):
    path = tmp_path / "series.csv"
    path.write_text("kommun_code,kommun_name,year,x\n0114,Upplands Väsby,2020,12.5\n0114,Upplands Väsby,2021,tolv\n",
                    encoding="utf-8")
    series = kommun_series.KommunSeries("test", path, "x", "x", "percent", "x", "test")
    with pytest.raises(DataInputError) as error:
        kommun_series.kommun_series_release(series)
    assert "series.csv, line 3, field 'x': not a number" in str(error.value)


# -- what init stores (both backends) ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def loaded(database_url):
    from segreform.data.loader import ensure_initialised
    from segreform.store import make_engine

    engine = make_engine(database_url)
    ensure_initialised(engine, progress=False)
    yield engine
    empty_all_tables(engine)
    engine.dispose()


def test_init_stores_the_series_with_source_licence_and_years(loaded):
    from segreform.data import queries

    sets = queries.datasets(loaded).set_index("name")
    for name, source in (("scb_kommun_folkmangd", "SCB"), ("scb_kommun_valdeltagande", "SCB"),
                         ("scb_kommun_disponibel_inkomst", "SCB"), ("scb_kommun_andel_hyresratter", "SCB"),
                         ("skolverket_ak9_kommun", "Skolverket (Källa: Skolverket)"),
                         ("polisen_utsatta_omraden_panel", police_panel.POLICE_PANEL_SOURCE),
                         (outcomes.SEGREGATION_DATASET, outcomes.SOURCE)):
        assert sets.loc[name, "source"] == source
        metadata = queries.dataset_metadata(loaded, name)
        assert metadata["licence"] and metadata["years"]
    population = queries.observations(loaded, "folkmangd_31dec", level="kommun")
    sums = population.groupby("year").value.sum()
    assert {y: sums[y] for y in SCB_NATIONAL_POPULATION} == SCB_NATIONAL_POPULATION
    assert population.year.min() == 1968 and population.year.max() == 2025
    turnout = queries.variables(loaded).set_index("variable")
    assert turnout.loc["valdeltagande_riksdag", "first_year"] == 1973
    assert turnout.loc["valdeltagande_kommunfullmaktige", "last_year"] == 2022
    assert turnout.loc["median_disponibel_hushallsinkomst", "first_year"] == 2011
    assert turnout.loc["meritvarde_ak9", "last_year"] == 2025


def test_init_stores_police_counts_and_population_per_list_year(loaded):
    from segreform.data import queries

    riket = queries.observations(loaded, dataset=police_panel.PANEL_DATASET, level="riket")
    counts = riket[riket.variable == police_panel.COUNT_VARIABLE].set_index("year").value
    assert counts.to_dict() == {**POLICE_AREAS_PER_LIST, 2025: 65}
    severe = riket[riket.variable == police_panel.SPECIALLY_VULNERABLE_VARIABLE].set_index("year").value
    assert severe.to_dict() == {**SPECIALLY_VULNERABLE_PER_LIST, 2025: 19}
    kommun = queries.observations(loaded, police_panel.POPULATION_VARIABLE, level="kommun")
    malmo = kommun[kommun.area_code == "1280"].set_index("year").value
    # Malmö's four areas hold tens of thousands of people; a kommun with no area on a list has nobody in one.
    assert (malmo > 20_000).all() and len(malmo) == 6
    listed = queries.observations(loaded, police_panel.COUNT_VARIABLE, level="kommun")
    both = listed.merge(kommun, on=["area_code", "year"], suffixes=("_count", "_people"))
    assert len(both) == 290 * 6
    assert (both[both.value_count == 0].value_people == 0).all()
    assert (both[both.value_count > 0].value_people > 0).mean() > 0.95
    # Riket equals the sum over kommuner.
    people = riket[riket.variable == police_panel.POPULATION_VARIABLE].set_index("year").value
    assert np.allclose(people.sort_index(), kommun.groupby("year").value.sum().sort_index())


def _dissimilarity_by_hand(counts: pd.DataFrame) -> float:
    a = counts.utrikes_fodda / counts.utrikes_fodda.sum()
    b = counts.inrikes_fodda / counts.inrikes_fodda.sum()
    return 0.5 * float((a - b).abs().sum())


def test_segregation_outcomes_are_stored_per_kommun_and_year(loaded):
    from segreform.data import queries

    stored = queries.observations(loaded, dataset=outcomes.SEGREGATION_DATASET)
    assert set(stored.variable) == {v for v, _ in outcomes.OUTCOME_INDICES.values()}
    d = stored[(stored.variable == "segregation_d_utrikes_inrikes") & (stored.level == "kommun")]
    assert set(d.year) == {2020, 2021, 2022, 2023}
    assert d.area_code.nunique() >= 280
    counts = queries.observations(loaded, ["inrikes_fodda", "utrikes_fodda"], level="regso", year=2021)
    malmo = counts[counts.area_code.str.startswith("1280R")].pivot_table(
        index="area_code", columns="variable", values="value")
    value = d[(d.area_code == "1280") & (d.year == 2021)].value.iloc[0]
    assert value == pytest.approx(_dissimilarity_by_hand(malmo), abs=1e-12)


def test_new_birth_country_counts_recompute_the_outcomes(loaded):
    from segreform.data import queries
    from segreform.data.writer import Release, write_release

    before = queries.observations(loaded, "segregation_d_utrikes_inrikes", level="kommun", area_codes=["1280"])
    counts = queries.observations(loaded, ["inrikes_fodda", "utrikes_fodda"], level="regso", year=2023)
    counts = counts[counts.area_code.str.startswith("1280R")].copy()
    # A new release that moves 5,000 foreign-born residents into one RegSO of Malmö.
    first = counts.area_code.min()
    counts.loc[(counts.area_code == first) & (counts.variable == "utrikes_fodda"), "value"] += 5000
    release = Release(
        name="test_fodelseland_revision", source="test", source_table="test", content_sha256="x" * 64,
        observations=counts.assign(area_level="regso", area_version="2025", missing_marker=None,
                                   reference_year=counts.year, area_match=None),
        variables={"inrikes_fodda": ("persons", "x"), "utrikes_fodda": ("persons", "x")}, vintage="2026-01-01",
    )
    result = write_release(loaded, release)
    assert any("segregation outcomes recomputed" in note for note in result.notes)
    after = queries.observations(loaded, "segregation_d_utrikes_inrikes", level="kommun", area_codes=["1280"])
    assert len(queries.datasets(loaded).query("name == @outcomes.SEGREGATION_DATASET")) == 2
    changed = after.set_index("year").value - before.set_index("year").value
    assert changed[2023] != 0 and (changed.drop(2023) == 0).all()


def test_second_init_loads_nothing(loaded):
    from segreform.data.loader import load_bundle

    report = load_bundle(loaded, progress=False)
    assert report.datasets == [] and not report.loaded_geography


def test_kommun_panel_gives_every_kommun_a_pre_period(loaded):
    from segreform.data.panels import kommun_panel

    panel = kommun_panel(loaded, ["valdeltagande_riksdag", "meritvarde_ak9", "polisen_utsatta_omraden_antal"],
                         years=range(2010, 2026))
    assert panel.kommun.nunique() == 290
    before = panel[panel.year < 2018]
    for variable in ("valdeltagande_riksdag", "meritvarde_ak9", "polisen_utsatta_omraden_antal"):
        assert before.groupby("kommun")[variable].count().gt(0).mean() > 0.95, variable
    malmo = panel[(panel.kommun == "1280") & (panel.year == 2018)].iloc[0]
    assert malmo.valdeltagande_riksdag == pytest.approx(82.0)
    with pytest.raises(LookupError, match="loaded kommun variables"):
        kommun_panel(loaded, "no_such_variable")
