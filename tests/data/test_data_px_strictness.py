"""`import px` refuses what it cannot store faithfully, and labels a user's file with what the user says."""

from __future__ import annotations

import math

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from segreform.cli import main
from segreform.data import queries
from segreform.data.errors import DataInputError
from segreform.data.export import dataset_frame
from segreform.data.numbers import NumberError, NumberFormat, parse_number
from segreform.data.px import MISSING_MARKERS, USER_FILE_SOURCE, import_px, read_px_csv

PROPERTIES = settings(max_examples=60, deadline=None, derandomize=True)
LABELS = ["Upplands Väsby (Bollstanäs)", "Upplands Väsby (Hammarby-Vaxmyra)", "Malmö (RegSO-Ön norr )",
          "Malmö (Gamla hamnen)"]
FOOTER = "{d}\r\r\nKälla:{d}\r\r\nSCB{d}\r\r\n"


def area_type(cells, delimiter=",", footer=FOOTER) -> str:
    lines = [f"{delimiter}2022"] + [f'"{label}"{delimiter}{cell}' for label, cell in zip(LABELS, cells)]
    return "\r\r\n".join(lines) + "\r\r\n" + footer.format(d=delimiter)


# --- refusals, each naming file, line and column, writing nothing (SQLite and PostgreSQL) ----------------------

REFUSED = {
    "inf": ("inf", "not a finite number"),
    "minus inf": ("-inf", "not a finite number"),
    "Infinity": ("Infinity", "not a finite number"),
    "overflow": ("1e400", "beyond the range of a 64-bit float"),
    "unmarked NaN": ("NaN", "not a finite number"),
    "underscore": ("1_000", "'_' does not group digits"),
    "empty cell": ("", "is empty"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_non_finite_and_odd_numbers_are_refused_and_nothing_is_written(case, small_geography, write_file, count_rows):
    cell, fragment = REFUSED[case]
    before = count_rows(small_geography)
    path = write_file("bad.csv", area_type(["4", cell, "1", ".."]))
    with pytest.raises(DataInputError) as caught:
        import_px(small_geography, path, name="areatype")
    message = str(caught.value)
    assert "bad.csv, line 3, field '2022'" in message and fragment in message and "Nothing was written." in message
    assert count_rows(small_geography) == before


def test_a_repeated_cell_text_is_read_alike_and_each_bad_one_is_named(small_geography, write_file):
    """Cell texts are parsed once per import (speed): a repeated bad text is still reported on every line,
    a repeated number or marker reads the same everywhere."""
    with pytest.raises(DataInputError) as caught:
        import_px(small_geography, write_file("twice.csv", area_type(["4", "inf", "4", "inf"])), name="twice")
    message = str(caught.value)
    assert "twice.csv, line 3, field '2022'" in message and "twice.csv, line 5, field '2022'" in message
    import_px(small_geography, write_file("same.csv", area_type([" 1 234", "1 234", "..", ".."])), name="same")
    frame = dataset_frame(small_geography, "same").sort_values("area_code")
    assert frame.value.tolist()[:2] == [1234.0, 1234.0] and frame.missing_marker.tolist()[2:] == ["..", ".."]


def test_ambiguous_comma_in_a_semicolon_file_needs_stated_separators(small_geography, write_file, count_rows):
    path = write_file("semi.csv", area_type(["4", "1,234", "1", ".."], delimiter=";"))
    before = count_rows(small_geography)
    with pytest.raises(DataInputError) as caught:
        import_px(small_geography, path, name="semi")
    message = str(caught.value)
    assert "semi.csv, line 3, field '2022'" in message and "ambiguous" in message and "--decimal" in message
    assert count_rows(small_geography) == before

    import_px(small_geography, path, name="semi", decimal=",")
    values = dataset_frame(small_geography, "semi")
    assert dict(zip(values.area_code, values.value)) == {"0114R001": 4.0, "0114R002": 1.234, "1280R086": 1.0,
                                                         "1280R099": pytest.approx(math.nan, nan_ok=True)}
    import_px(small_geography, write_file("semi2.csv", area_type(["4", "1,234", "1", ".."], delimiter=";")),
              name="semi_thousands", thousands=",")
    frame = dataset_frame(small_geography, "semi_thousands")
    assert frame.value.tolist()[:3] == [4.0, 1234.0, 1.0]


def test_conflicting_separators_are_refused(small_geography, write_file):
    path = write_file("semi.csv", area_type(["4", "3", "1", ".."], delimiter=";"))
    with pytest.raises(DataInputError, match="cannot both be"):
        import_px(small_geography, path, name="semi", decimal=",", thousands=",")


def test_missing_value_markers_are_kept_with_their_marker(small_geography, write_file):
    import_px(small_geography, write_file("marks.csv", area_type(["..", ".", "-", "..C"])), name="marks")
    everything = dataset_frame(small_geography, "marks")
    assert len(everything) == 4 and everything.value.isna().all()
    assert sorted(everything.missing_marker) == sorted(["..", ".", "-", "..C"])
    meta = queries.dataset_metadata(small_geography, "marks")
    assert set(meta["missing_markers"]) == {"..", ".", "-", "..C"}


# --- encodings ----------------------------------------------------------------------------------------------------

def test_a_utf8_file_read_as_cp1252_is_refused_with_or_without_bom(small_geography, write_file, count_rows):
    before = count_rows(small_geography)
    for bom in (True, False):
        path = write_file(f"utf8_{bom}.csv", area_type(["4", "3", "1", ".."]), bom=bom)
        with pytest.raises(DataInputError) as caught:
            import_px(small_geography, path, name="garbled", encoding="cp1252")
        message = str(caught.value)
        assert f"utf8_{bom}.csv" in message and "--encoding utf-8" in message
        assert ("byte-order mark" in message) if bom else ("line 2" in message and "VÃ¤sby" in message)
        assert count_rows(small_geography) == before
    result = import_px(small_geography, write_file("ok.csv", area_type(["4", "3", "1", ".."])), name="fine")
    assert result.rows == 4
    names = queries.observations(small_geography, dataset="fine", geography="all")
    assert not any("Ã" in str(v) for v in names.to_numpy().ravel())


def test_a_real_cp1252_file_still_imports_with_its_encoding(small_geography, write_file):
    path = write_file("ansi.csv", area_type(["4", "3", "1", ".."]).encode("cp1252"))
    assert import_px(small_geography, path, name="ansi", encoding="cp1252").rows == 4


# --- source and licence ---------------------------------------------------------------------------------------------

def test_a_file_without_a_source_is_never_labelled_scb(small_geography, write_file):
    path = write_file("mine.csv", area_type(["4", "3", "1", ".."], footer=""))
    import_px(small_geography, path, name="mine")
    assert set(queries.observations(small_geography, dataset="mine").source) == {USER_FILE_SOURCE}
    meta = queries.dataset_metadata(small_geography, "mine")
    assert meta["licence"] == USER_FILE_SOURCE and meta["source_stated_by"] == "nobody"
    assert "SCB" not in str(queries.datasets(small_geography).query("name == 'mine'").source.tolist())


def test_source_and_licence_given_by_the_user_win(small_geography, write_file):
    path = write_file("theirs.csv", area_type(["4", "3", "1", ".."]))
    import_px(small_geography, path, name="theirs", source="Malmö stad", licence="CC BY 4.0")
    assert set(queries.observations(small_geography, dataset="theirs").source) == {"Malmö stad"}
    meta = queries.dataset_metadata(small_geography, "theirs")
    assert meta["licence"] == "CC BY 4.0" and meta["source_stated_by"] == "user"


def test_cli_options_reach_the_importer(engine, database_url, small_geography, write_file, monkeypatch, tmp_path):
    monkeypatch.setenv("SEGREFORM_DATABASE_URL", database_url)
    from segreform.data import loader

    monkeypatch.setattr(loader, "load_bundle", lambda engine, progress=True: loader.LoadReport(False, [], 0.0))
    path = write_file("semi.csv", area_type(["4", "1,5", "2 000", "-"], delimiter=";", footer=""))
    refused = CliRunner().invoke(main, ["import", "px", str(path), "--name", "x", "--thousands", "none"])
    assert refused.exit_code == 2 and "line 4, field '2022'" in refused.output and "Traceback" not in refused.output
    result = CliRunner().invoke(main, ["import", "px", str(path), "--name", "x", "--decimal", ",",
                                       "--source", "Min kommun", "--licence", "CC0 1.0"])
    assert result.exit_code == 0, result.output
    frame = dataset_frame(engine, "x")
    assert frame.value.tolist()[:3] == [4.0, 1.5, 2000.0] and set(frame.source) == {"Min kommun"}
    assert frame.missing_marker.isna().tolist() == [True, True, True, False] and frame.missing_marker.iloc[3] == "-"
    assert queries.dataset_metadata(engine, "x")["licence"] == "CC0 1.0"
    # An unwritable export target is one line, no stack trace, non-zero exit.
    exported = CliRunner().invoke(main, ["export", "x", "-o", "/nonexist/x.csv"])
    assert exported.exit_code == 2 and "Traceback" not in exported.output
    assert exported.output.startswith("error: /nonexist/x.csv, field 'output': cannot write: the folder")
    assert exported.output.count("\n") == 1
    good = CliRunner().invoke(main, ["export", "x", "-o", str(tmp_path / "x.csv")])
    assert good.exit_code == 0 and (tmp_path / "x.csv").exists()
    assert not list(tmp_path.glob("*.partial*"))


# --- properties -------------------------------------------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
cells = st.one_of(finite.map(lambda x: ("value", x)), st.sampled_from(sorted(MISSING_MARKERS)).map(lambda m: ("marker", m)))


def swedish(value: float) -> str:
    """SCB's Swedish style: spaces group thousands, a decimal comma."""
    whole, _, fraction = f"{abs(value):.6f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", " ")
    return ("-" if value < 0 else "") + grouped + ("," + fraction.rstrip("0") if fraction.rstrip("0") else "")


@PROPERTIES
@given(st.lists(cells, min_size=4, max_size=4), st.sampled_from([",", ";", "\t"]), st.booleans())
def test_px_tables_round_trip_through_the_parser(tmp_path_factory, generated, delimiter, bom):
    written = [repr(v) if kind == "value" else v for kind, v in generated]
    path = tmp_path_factory.mktemp("px") / "t.csv"
    path.write_bytes((("\ufeff" if bom else "") + area_type(written, delimiter=delimiter)).encode("utf-8"))
    table = read_px_csv(path)
    assert [r.region for r in table.rows] == LABELS and table.footer_fields["Källa"] == "SCB"
    for (kind, expected), row in zip(generated, table.rows):
        cell = row.cells[0].strip()
        if kind == "marker":
            assert cell == expected and cell in MISSING_MARKERS
        else:
            assert parse_number(cell) == expected


@PROPERTIES
@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False).map(lambda x: round(x, 6)))
def test_swedish_formatting_reads_back(value):
    assert parse_number(swedish(value), NumberFormat(decimal=",")) == pytest.approx(value, rel=1e-12, abs=1e-9)
    if abs(value) < 1000 or "," in swedish(value):  # no lone "1 234" style cell left ambiguous
        assert parse_number(swedish(value)) == pytest.approx(value, rel=1e-12, abs=1e-9)


NON_FINITE = st.sampled_from(["inf", "-inf", "+inf", "Infinity", "-INFINITY", "nan", "NaN", "-nan", "NAN",
                              "1e309", "-1e400", "9" * 400, "1_000", "0x10", "1e5_0"])


@PROPERTIES
@given(NON_FINITE, st.sampled_from([None, NumberFormat(decimal=","), NumberFormat(thousands=",")]),
       st.sampled_from(["", " ", "\u00a0"]))
def test_non_finite_values_are_always_refused(cell, number_format, padding):
    with pytest.raises(NumberError):
        parse_number(padding + cell + padding, number_format)


@PROPERTIES
@given(finite)
def test_every_finite_float_reads_back_exactly(value):
    assert parse_number(repr(value)) == value
    assert math.isfinite(parse_number(repr(value)))


# --- the same rules for a user's own file (import file) ------------------------------------------------------------

def test_own_file_refuses_ambiguous_and_non_finite_values_unless_the_schema_states_separators(
        small_geography, write_file, count_rows):
    from segreform.data.generic import import_file

    schema = {"name": "egna", "source": "Kommunen", "level": "kommun", "area_code": "kod", "reference_year": 2024,
              "variables": {"andel": "share"}}
    before = count_rows(small_geography)
    for cell, fragment in (("1,234", "ambiguous"), ("inf", "not a finite number"), ("1_000", "'_'")):
        path = write_file("egna.csv", f"kod;andel\n0114;{cell}\n1280;2\n")
        with pytest.raises(DataInputError) as caught:
            import_file(small_geography, path, schema)
        assert "egna.csv, line 2, field 'andel'" in str(caught.value) and fragment in str(caught.value)
        assert count_rows(small_geography) == before
    path = write_file("egna.csv", "kod;andel\n0114;1,234\n1280;2\n")
    import_file(small_geography, path, dict(schema, decimal=","))
    assert dict(zip(*[dataset_frame(small_geography, "egna")[c] for c in ("area_code", "value")])) == {
        "0114": 1.234, "1280": 2.0}
