"""`segreform user ...`: the first admin of a new deployment, and the admin's tasks on the command line."""

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from segreform.cli import main
from segreform.programme.accounts import authenticate
from segreform.store import session, transaction
from segreform.store.models.programme import User


@pytest.fixture
def cli(seeded, monkeypatch):
    monkeypatch.setenv("SEGREFORM_DATABASE_URL", seeded.url.render_as_string(hide_password=False))
    runner = CliRunner()
    return lambda *args, input=None: runner.invoke(main, ["user", *args], input=input)


def test_the_first_admin_is_created_with_a_prompted_password(cli, seeded):
    result = cli("create", "--admin", "Chef@Delegationen.se", "--name", "Chef",
                 input="a strong password 1\na strong password 1\n")
    assert result.exit_code == 0, result.output
    assert "a strong password 1" not in result.output  # never echoed
    assert "created user" in result.output and "chef@delegationen.se (admin)" in result.output
    with transaction(seeded) as db:
        user = authenticate(db, "chef@delegationen.se", "a strong password 1")
        assert user is not None and user.role == "admin" and not user.must_change_password


def test_mismatched_or_weak_passwords_are_refused(cli, seeded):
    mismatch = cli("create", "--admin", "a@b.se", input="a strong password 1\nanother password 2\n"
                                                        "a strong password 1\na strong password 1\n")
    assert mismatch.exit_code == 0 and "do not match" in mismatch.output.lower()
    weak = cli("create", "--admin", "c@b.se", input="short\nshort\n")
    assert weak.exit_code == 2 and "at least 12 characters" in weak.output
    assert cli("create", "d@b.se", input="a strong password 1\na strong password 1\n").exit_code == 2  # no role
    with session(seeded) as db:
        assert db.scalar(select(User.id).where(User.email.in_(["c@b.se", "d@b.se"]))) is None


def test_list_update_deactivate_and_reset(cli, seeded):
    assert cli("create", "--admin", "admin@x.se", input="a strong password 1\na strong password 1\n").exit_code == 0
    created = cli("create", "kontakt@boverket.se", "--role", "agency", "--organisation", "boverket", "--one-time")
    assert created.exit_code == 0, created.output
    one_time = created.output.strip().rsplit(" ", 1)[1]
    assert "kontakt@boverket.se" in cli("list").output
    assert cli("update", "kontakt@boverket.se", "--name", "Kontakt Boverket").exit_code == 0
    assert cli("deactivate", "kontakt@boverket.se").exit_code == 0
    with transaction(seeded) as db:
        assert authenticate(db, "kontakt@boverket.se", one_time) is None
    assert "deactivated" in cli("list").output
    assert cli("activate", "kontakt@boverket.se").exit_code == 0
    reset = cli("reset", "kontakt@boverket.se")
    new_password = reset.output.strip().rsplit(" ", 1)[1]
    with transaction(seeded) as db:
        assert authenticate(db, "kontakt@boverket.se", one_time) is None
        user = authenticate(db, "kontakt@boverket.se", new_password)
        assert user is not None and user.must_change_password and user.name == "Kontakt Boverket"
    missing = cli("reset", "nobody@x.se")
    assert missing.exit_code == 2 and "no user has the e-mail address nobody@x.se" in missing.output
    assert cli("deactivate", "admin@x.se").exit_code == 2  # the last admin stays


def test_the_installed_command_runs(seeded, tmp_path):
    env = {**os.environ, "SEGREFORM_DATABASE_URL": seeded.url.render_as_string(hide_password=False)}
    result = subprocess.run([sys.executable, "-m", "segreform", "user", "list"], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_a_researcher_is_attached_to_areas(cli, seeded):
    assert cli("create", "r@uni.se", "--role", "researcher", "--one-time").exit_code == 0
    assert cli("attach", "r@uni.se", "--area", "school", "--area", "work").exit_code == 0
    refused = cli("attach", "r@uni.se", "--area", "nowhere")
    assert refused.exit_code == 2 and "choose a development area" in refused.output
    from segreform.research.plans import researcher_areas

    with session(seeded) as db:
        user_id = db.scalar(select(User.id).where(User.email == "r@uni.se"))
    assert researcher_areas(seeded, user_id) == {"school", "work"}
