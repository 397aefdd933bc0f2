"""The migration creates exactly the programme's tables, and the seed holds the real programme's structure."""

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from segreform.programme.errors import InvalidInput
from segreform.programme.money import ORE_PER_MSEK
from segreform.programme.seeding import PACKAGED_SEED, seed_programme
from segreform.store import Base, session
from segreform.store.models.programme import FocusArea, ProgrammeYear, Reform, ReformBudgetLine


def test_migration_matches_the_models(engine):
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)

    programme_diffs = [d for d in diffs if "prog_" in str(d)]
    assert programme_diffs == [], programme_diffs


def test_seed_has_the_programme_structure_and_is_idempotent(seeded):
    seed_programme(seeded)  # twice: nothing is duplicated
    with session(seeded) as db:
        assert db.scalar(select(func.count()).select_from(FocusArea)) == 5
        assert db.scalar(select(func.count()).select_from(Reform)) == 10
        frames = {y.year: y.frame_ore // ORE_PER_MSEK for y in db.scalars(select(ProgrammeYear))}
        assert frames[2017] == 110 and all(frames[y] == 250 for y in range(2020, 2026))
        assert sorted(frames) == list(range(2017, 2026))
        assert frames[2017] < frames[2018] < frames[2019] < frames[2020]
        for year, frame in frames.items():
            lines = db.scalar(select(func.sum(ReformBudgetLine.amount_ore)).where(ReformBudgetLine.year == year))
            assert lines <= frame * ORE_PER_MSEK


def test_a_seed_whose_lines_exceed_the_frame_changes_nothing(engine, tmp_path: Path):
    for name in ("programme.yaml", "rules.yaml", "rubric.yaml"):
        (tmp_path / name).write_text((PACKAGED_SEED / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "reform_budget_lines.csv").write_text("reform,year,amount_sek\nr01,2017,110000001\n")
    with pytest.raises(InvalidInput, match="above the year's frame"):
        seed_programme(engine, tmp_path)
    with session(engine) as db:
        assert db.scalar(select(func.count()).select_from(ProgrammeYear)) == 0


def test_a_bad_budget_line_names_file_and_row(engine, tmp_path: Path):
    (tmp_path / "programme.yaml").write_text((PACKAGED_SEED / "programme.yaml").read_text(encoding="utf-8"))
    (tmp_path / "reform_budget_lines.csv").write_text("reform,year,amount_sek\nr01,2017,11\nr02,twenty,5\n")
    with pytest.raises(InvalidInput, match="reform_budget_lines.csv row 3"):
        seed_programme(engine, tmp_path)
