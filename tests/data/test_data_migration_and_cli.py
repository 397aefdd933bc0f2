"""The hand-written migration creates exactly the data models' tables; CLI errors are one line with exit code 2."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner

from segreform.cli import main
from segreform.store.base import Base
from segreform.store.models import data as data_models

DATA_TABLES = {m.__tablename__ for m in vars(data_models).values()
               if isinstance(m, type) and issubclass(m, Base) and m is not Base}


def _touches_data_tables(diff) -> bool:
    items = diff if isinstance(diff, list) else [diff]
    for item in items:
        for part in item[1:]:
            table = getattr(part, "table", None)
            name = getattr(table, "name", None) or getattr(part, "name", None) or part
            if isinstance(name, str) and name in DATA_TABLES:
                return True
    return False


def test_migration_matches_the_models(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = [d for d in compare_metadata(context, Base.metadata) if _touches_data_tables(d)]
    assert differences == []
    assert DATA_TABLES == {"geography_versions", "areas", "area_crosswalks", "datasets", "dataset_variables",
                           "observations", "police_areas"}


def test_cli_bad_px_file_exits_2_naming_file_and_line(engine, database_url, small_geography, write_file, monkeypatch):
    monkeypatch.setenv("SEGREFORM_DATABASE_URL", database_url)
    from segreform.data import loader

    monkeypatch.setattr(loader, "load_bundle", lambda engine, progress=True: loader.LoadReport(False, [], 0.0))
    path = write_file("bad.csv", ",2022\nUpplands Väsby (Bollstanäs),fyra\n")
    result = CliRunner().invoke(main, ["import", "px", str(path)])
    assert result.exit_code == 2
    assert "error: bad.csv, line 2, field '2022': 'fyra' is not a number" in result.output
    missing = CliRunner().invoke(main, ["export", "nothing", "-o", "x.csv"])
    assert missing.exit_code == 2 and "no such dataset" in missing.output
