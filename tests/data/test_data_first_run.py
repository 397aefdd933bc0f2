"""First run on both backends: `segreform init` loads the bundle, the read API keeps its contract, the checks
hold in the database, and the raw PX export re-imported through the generic importer agrees with the tables."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

from segreform.cli import main
from segreform.data import bundled, queries
from segreform.data.geography import breaks
from segreform.data.loader import ensure_initialised


def test_first_run_loads_the_bundle_and_keeps_the_contract(engine, database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("SEGREFORM_DATABASE_URL", database_url)
    runner = CliRunner()
    first = runner.invoke(main, ["init", "--quiet"])
    assert first.exit_code == 0, first.output
    assert "loaded the bundled data" in first.output
    assert ensure_initialised(engine, progress=False) is False  # second run: nothing to load

    # Geography (contract: areas()).
    kommuner = queries.areas(engine, "kommun")
    assert list(kommuner.columns) == ["code", "name", "level", "version", "parent_code"]
    assert len(kommuner) == 290 and kommuner.parent_code.nunique() == 21
    assert len(queries.areas(engine, "lan")) == 21
    regso = queries.areas(engine, "regso")
    assert len(regso) == 3363 and set(regso.version) == {"2025"}
    assert (regso.parent_code == regso.code.str[:4]).all()
    assert len(queries.areas(engine, "regso", "2020")) == 3363
    assert len(queries.areas(engine, "deso")) == 5984
    gap = breaks(engine, "regso", "2020", "2025")
    assert sorted(zip(gap.from_code.fillna(""), gap.relation)) == [("", "new"), ("2584R001", "no_successor")]

    # Statistics (contract: observations(), variables()).
    population = queries.observations(engine, "folkmangd", level="regso", geography="all")
    assert list(population.columns) == ["area_code", "level", "year", "variable", "value", "unit", "dataset",
                                        "source", "source_table", "reference_year", "vintage"]
    assert population.groupby("year").value.sum().to_dict() == {
        2020: 10_379_295, 2021: 10_452_326, 2022: 10_521_556, 2023: 10_551_707}
    nation = queries.observations(engine, "folkmangd", level="riket")
    assert nation.set_index("year").value.to_dict() == population.groupby("year").value.sum().to_dict()
    by_kommun = queries.observations(engine, "folkmangd", level="kommun", year=2023)
    assert len(by_kommun) == 290 and set(by_kommun.area_code) == set(kommuner.code)
    drawn = queries.observations(engine, "folkmangd", level="regso", year=2023)
    assert len(drawn) == 3362 and drawn.area_code.is_unique and set(drawn.area_code) <= set(regso.code)
    area_types = queries.observations(engine, "omradestyp", level="regso", geography="all")
    assert area_types.value.value_counts().sort_index().to_dict() == {1: 160, 2: 289, 3: 855, 4: 1770, 5: 289}
    assert set(area_types.vintage) == {"2025-01-31 08:00"} and set(area_types.reference_year) == {2022}
    expected = {"folkmangd", "inrikes_fodda", "utrikes_fodda", "medel_loneinkomst_tkr", "hyresratt",
                "bostadsratt", "aganderatt", "upplatelseform_uppgift_saknas", "omradestyp"}
    variables = queries.variables(engine)
    assert set(variables[variables.level == "regso"].variable) == expected
    assert {"folkmangd_31dec", "valdeltagande_riksdag", "meritvarde_ak9"} <= set(variables.variable)
    regso_variables = variables[variables.level == "regso"].set_index("variable")
    assert set(regso_variables.index) == expected
    assert regso_variables.loc["folkmangd", ["first_year", "last_year"]].tolist() == [2020, 2023]
    everything = queries.observations(engine, geography="all")
    assert everything[["source", "source_table", "reference_year", "vintage"]].notna().all().all()

    # Police list (contract: police_areas()).
    police = queries.police_areas(engine)
    assert len(police) == 65 and police.kommunkod.isin(kommuner.code).all()

    # The raw PX export, imported by the generic importer, agrees with the curated table.
    imported = runner.invoke(main, ["import", "px", str(bundled.FODELSEREGION_PX_EXPORT), "--name", "raw_fodelse"])
    assert imported.exit_code == 0, imported.output
    raw = queries.observations(engine, "antal__fodelseregion_totalt", dataset="raw_fodelse", geography="all")
    curated = population.set_index(["area_code", "year"]).value
    assert raw.set_index(["area_code", "year"]).value.sort_index().equals(curated.sort_index())

    # Export in long form.
    out = tmp_path / "omradestyp.csv"
    exported = runner.invoke(main, ["export", "scb_regso_omradestyp", "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    frame = pd.read_csv(out, dtype={"area_code": str})
    assert len(frame) == 3363 and {"area_code", "year", "variable", "value", "source", "vintage"} <= set(frame.columns)
    listed = runner.invoke(main, ["datasets"])
    assert "scb_regso_omradestyp" in listed.output and "raw_fodelse" in listed.output
