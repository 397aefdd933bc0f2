"""The PX-Web CSV importer: parsing, label mapping, bad input, transactions, idempotence, vintages."""

from __future__ import annotations

import math

import pytest

from segreform.data import queries
from segreform.data.errors import DataInputError
from segreform.data.px import import_px, read_px_csv

FOOTER = (
    ',\r\r\n"Områdestyp 1 – områden med stora socioekonomiska utmaningar\r\r\nOmrådestyp 5 – mycket goda"\r\r\n'
    "2023-03-29: Tabellen är korrigerad.,\r\r\n,\r\r\nSenaste uppdatering:,\r\r\n{updated},\r\r\n,\r\r\n"
    "Källa:,\r\r\nSCB,\r\r\n,\r\r\nSort:,\r\r\nområdestyp,\r\r\n,\r\r\nIntern referenskod:,\r\r\n000005QX,\r\r\n"
)
AREA_TYPE = (
    ",2022\r\r\nUpplands Väsby (Bollstanäs),4\r\r\nUpplands Väsby (Hammarby-Vaxmyra),3\r\r\n"
    "Malmö (RegSO-Ön norr ),1\r\r\nMalmö (Gamla hamnen),..\r\r\n"
)
LONG_FORM = (
    '"region","födelseregion","kön","Antal 2020","Antal 2021"\n'
    '"Upplands Väsby (Bollstanäs)","Sverige","totalt",5002,4972\n'
    '"Upplands Väsby (Bollstanäs)","totalt","totalt",6062,6019\n'
    '"Upplands Väsby","totalt","totalt",45000,46000\n'
)


def area_type_file(write_file, updated="20250131 08:00", body=AREA_TYPE, name="omradestyp.csv"):
    return write_file(name, body + FOOTER.format(updated=updated))


def test_parse_keeps_header_rows_and_footer(write_file):
    table = read_px_csv(area_type_file(write_file))
    assert [c.year for c in table.year_columns] == [2022]
    assert [r.region for r in table.rows][:2] == ["Upplands Väsby (Bollstanäs)", "Upplands Väsby (Hammarby-Vaxmyra)"]
    assert [r.line for r in table.rows] == [2, 3, 4, 5]
    assert table.footer_fields["Senaste uppdatering"] == "20250131 08:00"
    assert table.footer_fields["Källa"] == "SCB"
    assert table.footer_fields["Intern referenskod"] == "000005QX"
    assert any("Områdestyp 1" in note for note in table.footer_notes)
    assert "2023-03-29: Tabellen är korrigerad." in table.footer_notes


def test_import_maps_labels_through_renames_and_keeps_breaks(small_geography, write_file):
    engine = small_geography
    result = import_px(engine, area_type_file(write_file), name="areatype", variable="omradestyp")
    assert result.status == "imported" and result.rows == 4 and result.vintage == "2025-01-31 08:00"
    current = queries.observations(engine, "omradestyp", level="regso")
    assert dict(zip(current.area_code, current.value)) == {"0114R001": 4.0, "0114R002": 3.0, "1280R086": 1.0}
    assert set(current.source_table) == {"000005QX"} and set(current.source) == {"SCB"}
    everything = queries.observations(engine, "omradestyp", level="regso", geography="all")
    gamla = everything[everything.area_code == "1280R099"]
    assert len(gamla) == 1 and math.isnan(gamla.value.iloc[0])  # SCB ".." is a documented missing value
    assert any("RegSO-Ön norr" in note and "renamed" in note for note in result.notes)
    meta = queries.dataset_metadata(engine, "areatype")
    assert meta["footer"]["Intern referenskod"] == "000005QX"
    assert meta["missing_markers"] == {"..": "data not available, or too uncertain to publish"}


def test_dimensions_and_content_become_variables(small_geography, write_file):
    engine = small_geography
    import_px(engine, write_file("fodelse.csv", LONG_FORM), name="fodelse")
    frame = queries.observations(engine, dataset="fodelse")
    assert set(frame.variable) == {"antal__fodelseregion_sverige", "antal__fodelseregion_totalt"}
    kommun = frame[frame.level == "kommun"]
    assert kommun.area_code.tolist() == ["0114", "0114"] and kommun.value.tolist() == [45000.0, 46000.0]


def test_same_file_twice_is_idempotent(small_geography, write_file, count_rows):
    engine = small_geography
    path = area_type_file(write_file)
    import_px(engine, path, name="areatype")
    before = count_rows(engine)
    again = import_px(engine, path, name="areatype")
    assert again.status == "unchanged"
    assert count_rows(engine) == before


def test_second_release_keeps_both_and_marks_newer_current(small_geography, write_file):
    engine = small_geography
    import_px(engine, area_type_file(write_file, "20250131 08:00", name="old.csv"), name="areatype")
    newer_body = AREA_TYPE.replace("Bollstanäs),4", "Bollstanäs),5")
    import_px(engine, area_type_file(write_file, "20260115 08:00", body=newer_body, name="new.csv"), name="areatype")
    releases = queries.datasets(engine)
    assert releases[["vintage", "is_current"]].values.tolist() == [["2025-01-31 08:00", False],
                                                                  ["2026-01-15 08:00", True]]
    current = queries.observations(engine, "omradestyp", area_codes=["0114R001"])
    assert current.value.tolist() == [5.0] and current.vintage.tolist() == ["2026-01-15 08:00"]
    both = queries.observations(engine, "omradestyp", area_codes=["0114R001"], current_only=False)
    assert sorted(both.value.tolist()) == [4.0, 5.0]
    # An older release imported afterwards is kept, but does not take over.
    older_body = AREA_TYPE.replace("Bollstanäs),4", "Bollstanäs),2")
    late = import_px(engine, area_type_file(write_file, "20240101 08:00", body=older_body, name="older.csv"),
                     name="areatype")
    assert not late.is_current
    assert queries.observations(engine, "omradestyp", area_codes=["0114R001"]).value.tolist() == [5.0]


BAD_INPUTS = {
    "unknown label": (AREA_TYPE + "Malmö (Atlantis),2\r\r\n", 6, "Atlantis"),
    "non-numeric": (AREA_TYPE.replace("Vaxmyra),3", "Vaxmyra),tre"), 3, "'tre' is not a number"),
    "duplicate row": (AREA_TYPE + "Upplands Väsby (Bollstanäs),4\r\r\n", 6, "duplicate row"),
    "missing field": (AREA_TYPE.replace("Vaxmyra),3", "Vaxmyra)"), 3, "expected 2 fields"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_names_file_line_field_and_writes_nothing(case, small_geography, write_file, count_rows):
    engine = small_geography
    body, line, fragment = BAD_INPUTS[case]
    before = count_rows(engine)
    with pytest.raises(DataInputError) as caught:
        import_px(engine, area_type_file(write_file, body=body), name="areatype")
    message = str(caught.value)
    assert "omradestyp.csv" in message and f"line {line}" in message and fragment in message
    assert "Nothing was written." in message
    assert count_rows(engine) == before


def test_every_unmapped_label_is_reported_with_a_suggestion(small_geography, write_file):
    body = AREA_TYPE + "Malmö (Atlantis),2\r\r\nUpplands Väsby (Bollstanäsz),3\r\r\n"
    with pytest.raises(DataInputError) as caught:
        import_px(small_geography, area_type_file(write_file, body=body), name="areatype")
    problems = caught.value.problems
    assert [p.line for p in problems] == [6, 7]
    assert all(p.field == "region" for p in problems)
    assert "close: upplands väsby (bollstanäs)" in str(problems[1])


def test_wrong_encoding_is_reported_with_line(small_geography, write_file, count_rows):
    text = ",2022\r\nUpplands Väsby (Bollstanäs),4\r\nMalmö (RegSO-Ön norr),1\r\n"
    path = write_file("ansi.csv", text.encode("cp1252"))
    before = count_rows(small_geography)
    with pytest.raises(DataInputError) as caught:
        import_px(small_geography, path, name="ansi")
    assert "ansi.csv, line 2" in str(caught.value) and "--encoding cp1252" in str(caught.value)
    assert count_rows(small_geography) == before
    result = import_px(small_geography, path, name="ansi", encoding="cp1252")
    assert result.rows == 2


def test_failure_halfway_through_the_write_rolls_back(small_geography, write_file, count_rows, monkeypatch):
    """A failure after rows were sent to the database (here: a simulated crash) leaves nothing behind."""
    from segreform.data import writer

    engine = small_geography
    before = count_rows(engine)
    real_insert = writer.bulk_insert

    def crash_after_insert(*args, **kwargs):
        real_insert(*args, **kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(writer, "bulk_insert", crash_after_insert)
    with pytest.raises(RuntimeError):
        import_px(engine, area_type_file(write_file), name="areatype")
    assert count_rows(engine) == before
