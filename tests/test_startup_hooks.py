"""Continuous evaluation is switched on in one explicit place at start-up, never by importing a module.

``segreform.research.install()`` registers the after-import step; the CLI root group and
``segreform.web.app.create_app`` call it. Each check runs in a fresh interpreter, so the registry
starts empty.
"""

from __future__ import annotations

import subprocess
import sys

PRELUDE = """
from segreform.data.writer import AFTER_IMPORT
import segreform.cli, segreform.evaluate, segreform.research, segreform.research.runs, segreform.web.app
assert AFTER_IMPORT == [], AFTER_IMPORT  # importing registers nothing
from segreform.research import rerun_on_import
"""


def _run(code: str) -> None:
    result = subprocess.run([sys.executable, "-c", PRELUDE + code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_command_line_installs_continuous_evaluation_at_start_up():
    _run("""
from click.testing import CliRunner
outcome = CliRunner().invoke(segreform.cli.main, ["import", "--help"])
assert outcome.exit_code == 0, outcome.output
assert AFTER_IMPORT == [rerun_on_import], AFTER_IMPORT
""")


def test_the_web_app_installs_continuous_evaluation_at_start_up(tmp_path):
    _run(f"""
from segreform.store import make_engine
segreform.web.app.create_app(make_engine("sqlite:///{tmp_path / 'app.db'}"))
# The app's barometer adds its own refresh step beside continuous evaluation; nothing is registered twice.
assert rerun_on_import in AFTER_IMPORT, AFTER_IMPORT
assert len(AFTER_IMPORT) == len(set(AFTER_IMPORT)), AFTER_IMPORT
assert [hook.__name__ for hook in AFTER_IMPORT if hook is not rerun_on_import] == ["_refresh_after_import"], AFTER_IMPORT
""")
