"""``segreform serve``: first run loads the bundled data (and the labelled demo), then serves the app."""

from __future__ import annotations

import importlib.util

from click.testing import CliRunner

from segreform.cli import main


def test_serve_initialises_an_empty_database_then_runs_the_app(tmp_path, monkeypatch):
    served = {}
    monkeypatch.setattr("uvicorn.run", lambda app, host, port, log_level: served.update(app=app, host=host, port=port))
    url = f"sqlite:///{tmp_path / 'first.sqlite'}"
    result = CliRunner().invoke(main, ["serve", "--database", url, "--port", "8123", "--no-browser"])
    assert result.exit_code == 0, result.output
    assert "Loaded the bundled real data" in result.output and "http://127.0.0.1:8123/" in result.output
    if importlib.util.find_spec("segreform.programme.demo") is not None:
        assert "demo programme loaded" in result.output
    assert served["port"] == 8123 and served["host"] == "127.0.0.1"

    from fastapi.testclient import TestClient

    client = TestClient(served["app"])
    assert client.get("/api/kommun/0180").json()["name"] == "Stockholm"
    served["app"].state.engine.dispose()

    # A second start finds the data and loads nothing again, the demo included.
    again = CliRunner().invoke(main, ["serve", "--database", url, "--no-browser"])
    assert again.exit_code == 0, again.output
    assert "Loaded the bundled" not in again.output and "demo" not in again.output


def test_serve_rejects_a_bad_database_url():
    result = CliRunner().invoke(main, ["serve", "--database", "nonsense://x", "--no-browser"])
    assert result.exit_code == 2 and "not a database URL" in result.output
