"""Generic imports (CSV, Excel, GeoJSON, GeoPackage with a declared schema) and exports."""

from __future__ import annotations

import json

import geopandas
import pandas as pd
import pytest
from shapely.geometry import Polygon

from segreform.data import queries
from segreform.data.errors import DataInputError
from segreform.data.export import export_dataset
from segreform.data.generic import import_file

STADSDEL_SCHEMA = {
    "name": "malmo_stadsdelar", "source": "Malmö stad", "level": "stadsdel", "version": "2024",
    "parent_level": "kommun", "area_code": "omrade_id", "area_name": "omrade", "parent_code": "kommunkod",
    "year": "ar", "variables": {"invanare": "persons", "utrikes": {"variable": "utrikes_fodda", "unit": "persons"}},
}
STADSDEL_CSV = (
    "omrade_id,omrade,kommunkod,ar,invanare,utrikes\n"
    "M01,Centrum,1280,2023,50000,15000\n"
    "M02,Rosengård,1280,2023,25000,..\n"
)


def test_csv_declares_a_new_level_with_its_areas(small_geography, write_file):
    engine = small_geography
    result = import_file(engine, write_file("stadsdelar.csv", STADSDEL_CSV), STADSDEL_SCHEMA)
    assert result.rows == 4
    areas = queries.areas(engine, "stadsdel")
    assert areas[["code", "name", "parent_code", "version"]].values.tolist() == [
        ["M01", "Centrum", "1280", "2024"], ["M02", "Rosengård", "1280", "2024"]]
    frame = queries.observations(engine, level="stadsdel")
    values = {(r.variable, r.area_code): r.value for r in frame.itertuples()}
    assert values[("invanare", "M01")] == 50000 and pd.isna(values[("utrikes_fodda", "M02")])
    assert set(frame.source) == {"Malmö stad"}


@pytest.mark.parametrize(
    "bad_row, line, field, fragment",
    [
        ("M03,Hyllie,1280,2023,tusen,10\n", 4, "invanare", "'tusen' is not a number"),
        ("M01,Centrum,1280,2023,1,1\n", 4, "omrade_id", "duplicate row"),
        (",Hyllie,1280,2023,1,1\n", 4, "omrade_id", "empty area code"),
        ("M03,Hyllie,1280,tjugo,1,1\n", 4, "ar", "not a year"),
    ],
)
def test_bad_rows_name_line_and_field_and_leave_no_areas(bad_row, line, field, fragment, small_geography,
                                                         write_file, count_rows):
    engine = small_geography
    before = count_rows(engine)
    with pytest.raises(DataInputError) as caught:
        import_file(engine, write_file("stadsdelar.csv", STADSDEL_CSV + bad_row), STADSDEL_SCHEMA)
    assert f"stadsdelar.csv, line {line}, field '{field}'" in str(caught.value) and fragment in str(caught.value)
    assert count_rows(engine) == before


def test_unknown_code_on_an_existing_level_is_refused(small_geography, write_file, count_rows, tmp_path):
    schema = {"name": "egna", "source": "Kommunen", "level": "kommun", "area_code": "kod", "reference_year": 2024,
              "variables": {"antal": "persons"}}
    path = tmp_path / "kommuner.xlsx"
    pd.DataFrame({"kod": ["0114", "9999"], "antal": [10, 20]}).to_excel(path, index=False)
    before = count_rows(small_geography)
    with pytest.raises(DataInputError, match="unknown kommun code '9999'"):
        import_file(small_geography, path, schema)
    assert count_rows(small_geography) == before
    pd.DataFrame({"kod": ["0114", "1280"], "antal": [10, 20]}).to_excel(path, index=False)
    import_file(small_geography, path, schema)
    assert queries.observations(small_geography, "antal").value.tolist() == [10.0, 20.0]


def test_missing_column_is_named(small_geography, write_file):
    schema = dict(STADSDEL_SCHEMA, variables={"invanare": "persons", "saknas": "persons"})
    with pytest.raises(DataInputError, match="field 'saknas': column not found"):
        import_file(small_geography, write_file("stadsdelar.csv", STADSDEL_CSV), schema)


def test_geojson_areas_keep_their_geometry_and_export_to_gpkg_csv_parquet(small_geography, tmp_path):
    engine = small_geography
    squares = geopandas.GeoDataFrame(
        {"omrade_id": ["M01", "M02"], "omrade": ["Centrum", "Rosengård"], "kommunkod": ["1280", "1280"],
         "ar": [2023, 2023], "invanare": [50000, 25000], "utrikes": [15000, 12000]},
        geometry=[Polygon([(13.0, 55.6), (13.01, 55.6), (13.01, 55.61)]),
                  Polygon([(13.02, 55.58), (13.03, 55.58), (13.03, 55.59)])],
        crs="EPSG:4326",
    )
    source = tmp_path / "stadsdelar.geojson"
    squares.to_file(source, driver="GeoJSON")
    import_file(engine, source, STADSDEL_SCHEMA)

    gpkg = export_dataset(engine, "malmo_stadsdelar", tmp_path / "out.gpkg")
    back = geopandas.read_file(gpkg)
    assert len(back) == 4 and back.geometry.notna().all()
    assert back.set_index(["area_code", "variable"]).loc[("M01", "invanare"), "value"] == 50000
    csv = pd.read_csv(export_dataset(engine, "malmo_stadsdelar", tmp_path / "out.csv"))
    parquet = pd.read_parquet(export_dataset(engine, "malmo_stadsdelar", tmp_path / "out.parquet"))
    assert len(csv) == len(parquet) == 4
    assert {"area_code", "year", "variable", "value", "source", "source_table", "vintage"} <= set(parquet.columns)
    with pytest.raises(DataInputError, match="unknown format"):
        export_dataset(engine, "malmo_stadsdelar", tmp_path / "out.txt")
    with pytest.raises(DataInputError, match="no such dataset"):
        export_dataset(engine, "nope", tmp_path / "out.csv")


def test_schema_file_errors_name_the_field(small_geography, write_file, tmp_path):
    schema = tmp_path / "schema.yaml"
    schema.write_text(json.dumps({"name": "x", "level": "kommun", "area_code": "kod", "variables": {"a": "n"}}))
    with pytest.raises(DataInputError) as caught:
        import_file(small_geography, write_file("a.csv", "kod,a\n0114,1\n"), schema)
    message = str(caught.value)
    assert "schema.yaml, field 'source': required" in message and "field 'year'" in message
