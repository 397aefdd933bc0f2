"""The store migrates on both backends and transactions roll back whole."""

import pytest
from sqlalchemy import inspect, text

from segreform.store import is_initialised, transaction


def test_schema_is_migrated(engine):
    assert is_initialised(engine)
    with engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar()


def test_transaction_rolls_back_on_error(engine):
    with engine.begin() as conn:
        conn.execute(text("create table if not exists probe_rollback (x integer)"))
        conn.execute(text("delete from probe_rollback"))
    with pytest.raises(RuntimeError):
        with transaction(engine) as db:
            db.execute(text("insert into probe_rollback values (1)"))
            raise RuntimeError("boom")
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from probe_rollback")).scalar() == 0
        conn.execute(text("drop table probe_rollback"))
        conn.commit()
    assert "probe_rollback" not in inspect(engine).get_table_names()


def test_python_dash_m_runs_the_cli():
    """The README's main command uses `python3 -m segreform`, which works where scripts are not on PATH."""
    import subprocess
    import sys

    from segreform import __version__

    done = subprocess.run([sys.executable, "-m", "segreform", "--version"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and __version__ in done.stdout
