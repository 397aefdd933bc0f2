"""Checks that must hold on the data shipped inside the package (not on ../shared)."""

from __future__ import annotations

import pandas as pd

from segreform.data import bundled
from segreform.data.px import read_px_csv


def test_290_kommuner_in_21_lan():
    kommuner = bundled.read_csv(bundled.KOMMUNER)
    lan = bundled.read_csv(bundled.LAN)
    assert kommuner.kommunkod.nunique() == len(kommuner) == 290
    assert lan.lanskod.nunique() == len(lan) == 21
    assert set(kommuner.lanskod) == set(lan.lanskod)
    assert (kommuner.kommunkod.str[:2] == kommuner.lanskod).all()


def test_3363_regso_2025_codes_nested_in_kommuner():
    regso = bundled.read_csv(bundled.REGSO_2025_KEY)
    assert regso.regsokod.nunique() == len(regso) == 3363
    assert set(regso.kommunkod) <= set(bundled.read_csv(bundled.KOMMUNER).kommunkod)
    assert (regso.regsokod.str[:4] == regso.kommunkod).all()


def test_national_population_matches_scb_totals():
    table = bundled.read_csv(bundled.FODELSELAND_TABLE)
    totals = table.assign(folkmangd=pd.to_numeric(table.folkmangd)).groupby("ar").folkmangd.sum()
    assert totals.to_dict() == {"2020": 10_379_295, "2021": 10_452_326, "2022": 10_521_556, "2023": 10_551_707}
    born = pd.to_numeric(table.inrikes_fodda) + pd.to_numeric(table.utrikes_fodda)
    assert (born == pd.to_numeric(table.folkmangd)).all()


def test_raw_px_export_gives_the_same_national_totals():
    table = read_px_csv(bundled.FODELSEREGION_PX_EXPORT)
    total_index = table.dimension_headings.index("födelseregion")
    totals = [sum(float(row.cells[i]) for row in table.rows if row.dimensions[total_index] == "totalt")
              for i in range(4)]
    assert totals == [10_379_295, 10_452_326, 10_521_556, 10_551_707]


def test_area_types_2022_counts():
    table = read_px_csv(bundled.OMRADESTYP_PX_EXPORT)
    counts = pd.Series([int(row.cells[0]) for row in table.rows]).value_counts().sort_index()
    assert counts.to_dict() == {1: 160, 2: 289, 3: 855, 4: 1770, 5: 289}
    assert table.footer_fields["Källa"] == "SCB"
    assert table.footer_fields["Senaste uppdatering"] == "20250131 08:00"


def test_every_police_area_is_in_a_kommun():
    police = bundled.read_csv(bundled.POLICE_AREAS_2025)
    kommuner = bundled.read_csv(bundled.KOMMUNER).set_index("kommunkod").kommun
    assert len(police) == 65
    assert police.kategori.value_counts().to_dict() == {"Utsatt område": 46, "Särskilt utsatt område": 19}
    assert police.kommunkod.isin(kommuner.index).all()
    assert (police.kommunkod.map(kommuner) == police.kommun).all()


def test_boundaries_carry_code_and_name_and_match_the_keys():
    regso = bundled.boundaries("regso")
    assert len(regso["features"]) == 3363
    assert {f["properties"]["code"] for f in regso["features"]} == set(bundled.read_csv(bundled.REGSO_2025_KEY).regsokod)
    kommun = bundled.boundaries("kommun")
    assert {f["properties"]["code"] for f in kommun["features"]} == set(bundled.read_csv(bundled.KOMMUNER).kommunkod)
    assert len(bundled.boundaries("lan")["features"]) == 21
    assert bundled.boundaries("lan") is bundled.boundaries("lan")  # read once


def test_provenance_and_licences_ship_with_the_data():
    provenance = (bundled.BUNDLED_DIR / "PROVENANCE.md").read_text(encoding="utf-8")
    licences = (bundled.BUNDLED_DIR / "LICENSES.md").read_text(encoding="utf-8")
    for path in bundled.BUNDLED_DIR.rglob("*.csv"):
        assert path.name in provenance, path.name
    assert "Källa: Polisen" in licences and "Källa: Kolada" in licences and "CC0" in licences
