"""The admin tasks of a programme year on the command line: load a definition, run a call's life cycle, decide."""

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from segreform.cli import main
from segreform.programme import definition, selection
from segreform.store import session, transaction
from segreform.store.models.programme import Call, Grant

from programme_builders import municipality, reviewer, scored, submitted


@pytest.fixture
def cli(seeded, monkeypatch):
    monkeypatch.setenv("SEGREFORM_DATABASE_URL", seeded.url.render_as_string(hide_password=False))
    runner = CliRunner()
    return lambda *args: runner.invoke(main, ["programme", *args])


def test_load_call_cycle_and_decide(cli, seeded, tmp_path, call_id):
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\ncode: x\nname: {sv: a, en: b}\n", encoding="utf-8")
    result = cli("load", str(bad))
    assert result.exit_code == 2 and "bad.yaml: period: is missing" in result.output
    data = definition.bundled()
    data.update(code="next", period={"first_year": 2026, "last_year": 2027},
                years=[{"year": y, "frame_msek": 100, "source": "test"} for y in (2026, 2027)])
    good = tmp_path / "next.yaml"
    good.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert cli("load", str(good)).exit_code == 0
    created = cli("call", "create", "--year", "2026", "--title", "Skola", "--area", "school", "--reform", "r06",
                  "--deadline", "2099-01-31T23:59+01:00", "--budget-year", "2026", "--budget-year", "2027")
    assert created.exit_code == 0, created.output
    with session(seeded) as db:
        new_call = db.scalar(select(Call).where(Call.year == 2026))
        assert new_call.status == "draft" and new_call.budget_years == [2026, 2027]
    assert cli("call", "open", str(new_call.id)).exit_code == 0
    late = cli("call", "extend", str(new_call.id), "--deadline", "2000-01-01T00:00+01:00")
    assert late.exit_code == 2 and "later than the current one" in late.output
    assert cli("call", "extend", str(new_call.id), "--deadline", "2099-02-28T23:59+01:00").exit_code == 0
    assert cli("call", "close", str(new_call.id)).exit_code == 0
    assert "closed" in cli("call", "list").output
    assert cli("call", "create", "--year", "2026", "--title", "x", "--area", "school", "--reform", "r06",
               "--deadline", "2099-01-31T23:59").exit_code == 2  # no time zone
    with transaction(seeded) as db:
        application_id = submitted(db, call_id, municipality(db), requested_msek=2, total_msek=3)
        scored(db, application_id, reviewer(db), 4)
        _, run_id = selection.run_selection(db, year=2019, actor="officer", stability_draws=20)
    decided = cli("decide", str(run_id))
    assert decided.exit_code == 0 and "1 grants decided" in decided.output
    with session(seeded) as db:
        assert db.scalar(select(Grant.selection_run_id)) == run_id
    assert cli("decide", str(run_id)).exit_code == 2
