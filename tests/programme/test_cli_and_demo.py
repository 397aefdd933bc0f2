"""The batch steps on the command line, and the demo programme a newcomer loads."""

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from segreform.cli import main
from segreform.programme.accounts import authenticate
from segreform.programme.networks import participation
from segreform.store import session, transaction
from segreform.store.models.programme import Meeting, SelectionItem, SelectionRun, User

from programme_builders import municipality, reviewer, scored, submitted


@pytest.fixture
def cli(seeded, monkeypatch):
    monkeypatch.setenv("SEGREFORM_DATABASE_URL", seeded.url.render_as_string(hide_password=False))
    runner = CliRunner()
    return lambda *args: runner.invoke(main, ["programme", *args])


def test_select_dry_run_explains_and_writes_nothing(cli, seeded, call_id):
    with transaction(seeded) as db:
        application_id = submitted(db, call_id, municipality(db))
        scored(db, application_id, reviewer(db), 4)
    result = cli("select", "--year", "2019", "--dry-run", "--max-per-county", "1", "--min-area", "school=1")
    assert result.exit_code == 0, result.output
    assert "dry run: nothing written" in result.output and "review 75.0" in result.output
    with session(seeded) as db:
        assert db.scalar(select(func.count()).select_from(SelectionRun)) == 0
    stored = cli("select", "--year", "2019")
    assert stored.exit_code == 0 and "(run " in stored.output
    with session(seeded) as db:
        assert db.scalar(select(SelectionItem.selected)) is True


def test_select_reports_bad_input_with_exit_code_2(cli):
    result = cli("select", "--year", "2019", "--min-area", "school")
    assert result.exit_code == 2 and "--min-area 'school': write AREA=N" in result.output
    result = cli("select", "--year", "1999", "--dry-run")
    assert result.exit_code == 2 and "year 1999 is not in the programme" in result.output


def test_ledger_report_as_csv_and_excel(cli, tmp_path):
    csv_result = cli("ledger", "report", "-o", str(tmp_path / "ledger.csv"), "--year", "2017")
    assert csv_result.exit_code == 0, csv_result.output
    frame = pd.read_csv(tmp_path / "ledger.csv", dtype={"frame_sek": str})
    whole_year = frame[frame["reform"] == "ALL"].iloc[0]
    assert whole_year["frame_ore"] == 11_000_000_000 and whole_year["frame_sek"] == "110000000.00"
    assert len(frame) == 11 and frame["source"].str.contains("seed/programme.yaml").all()
    assert cli("ledger", "report", "-o", str(tmp_path / "ledger.xlsx")).exit_code == 0
    assert len(pd.read_excel(tmp_path / "ledger.xlsx")) == 9 * 11
    wrong = cli("ledger", "report", "-o", str(tmp_path / "ledger.txt"))
    assert wrong.exit_code == 2 and "written as .csv or .xlsx" in wrong.output


def test_ledger_report_flags_grants_decided_outside_a_selection_run(cli, seeded, call_id, tmp_path):
    from segreform.programme.decisions import grant_one

    with transaction(seeded) as db:
        application_id = submitted(db, call_id, municipality(db))
        grant_id = grant_one(db, application_id, "officer", reason="Regeringsuppdrag om läsfrämjande").id
    result = cli("ledger", "report", "-o", str(tmp_path / "ledger.csv"), "--year", "2019")
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(tmp_path / "ledger.csv", keep_default_na=False).set_index("reform")
    flag = f"grant {grant_id}: Regeringsuppdrag om läsfrämjande"
    assert frame.loc["r09", "grants_outside_selection"] == flag and frame.loc["ALL", "grants_outside_selection"] == flag
    assert (frame.drop(index=["r09", "ALL"])["grants_outside_selection"] == "").all()
    assert cli("ledger", "report", "-o", str(tmp_path / "ledger.xlsx"), "--year", "2019").exit_code == 0
    assert flag in pd.read_excel(tmp_path / "ledger.xlsx")["grants_outside_selection"].tolist()


def test_users_add_hashes_the_password(cli, seeded):
    result = cli("users", "add", "--email", "Officer@Delmos.se", "--name", "Officer", "--role", "officer",
                 "--password", "a-very-long-password")
    assert result.exit_code == 0, result.output
    with session(seeded) as db:
        user = db.scalar(select(User))
        assert user.email == "officer@delmos.se" and user.password_hash.startswith("$argon2id$")
        assert "a-very-long-password" not in user.password_hash
        assert authenticate(db, "officer@delmos.se", "a-very-long-password").id == user.id
        assert authenticate(db, "officer@delmos.se", "wrong password") is None
    short = cli("users", "add", "--email", "x@y.se", "--name", "X", "--role", "public", "--password", "short")
    assert short.exit_code == 2 and "at least 12 characters" in short.output
    orphan = cli("users", "add", "--email", "a@b.se", "--name", "A", "--role", "applicant", "--password", "x" * 12)
    assert orphan.exit_code == 2 and "must name its organisation" in orphan.output


def test_demo_loads_a_full_labelled_cycle_once(cli, seeded):
    result = cli("demo")
    assert result.exit_code == 0, result.output
    assert "invented example data" in result.output
    with session(seeded) as db:
        levels = set(db.scalars(select(Meeting.level)))
        assert levels == {"political", "management", "practitioners"}
        assert all("[DEMO]" in title for title in db.scalars(select(Meeting.title)))
        items = list(db.scalars(select(SelectionItem)))
        assert any(i.selected for i in items) and any(not i.selected for i in items)
    treated = participation(seeded)
    assert len(treated) > 0 and set(treated["first_year"]) == {2018}
    again = cli("demo")
    assert again.exit_code == 2 and "already loaded" in again.output


def test_a_civil_society_organisation_can_be_added_and_apply_where_the_call_allows(cli, seeded, call_id):
    from segreform.programme import applications
    from segreform.programme.errors import InvalidInput
    from segreform.store.models.programme import Organisation

    result = cli("organisations", "add", "--kind", "civil_society", "--code", "ideell-x", "--name", "Förening X",
                 "--lanskod", "12")
    assert result.exit_code == 0, result.output
    bad = cli("organisations", "add", "--kind", "region", "--code", "r", "--name", "R", "--lanskod", "Skåne")
    assert bad.exit_code == 2 and "two digits" in bad.output
    with transaction(seeded) as db:
        organisation = db.scalar(select(Organisation).where(Organisation.code == "ideell-x"))
        assert organisation.kind == "civil_society" and organisation.lanskod == "12"
        applications.create_draft(db, call_id=call_id, organisation_id=organisation.id, development_areas=["democracy"],
                                  actor="t", title="t", start_year=2019, years=1, total_budget_ore=1000,
                                  requested_ore=900)
    region = cli("organisations", "add", "--kind", "region", "--code", "region-skane", "--name", "Region Skåne")
    assert region.exit_code == 0
    with transaction(seeded) as db:
        region_id = db.scalar(select(Organisation.id).where(Organisation.code == "region-skane"))
        with pytest.raises(InvalidInput, match="a region may not apply to this call"):
            applications.create_draft(db, call_id=call_id, organisation_id=region_id, development_areas=["work"],
                                      actor="t", title="t", start_year=2019, years=1, total_budget_ore=1000,
                                      requested_ore=900)
