"""CLI commands for the web job: ``segreform serve``."""

from __future__ import annotations

import importlib
import threading
import webbrowser

import click

from segreform.cli.app import InputError, main


def _is_empty(engine) -> bool:
    """True for a new database: no schema yet, or no data loaded."""
    from segreform.data import queries
    from segreform.store.db import is_initialised

    return not is_initialised(engine) or queries.datasets(engine).empty


def _load_demo_if_available(engine) -> str | None:
    """Load the labelled demo programme when the programme job ships one; a note for the user, or None."""
    try:
        demo = importlib.import_module("segreform.programme.demo")
    except ImportError:
        return None
    load_demo = getattr(demo, "load_demo", None)
    if load_demo is None:
        return None
    try:
        summary = load_demo(engine)
    except Exception as exc:  # the demo is optional: the app still starts, and says why there is no demo
        return f"demo programme not loaded: {exc}"
    password = getattr(summary, "password", None)
    users = getattr(summary, "users", None) or {}
    accounts = ", ".join(sorted(users.values() if isinstance(users, dict) else users))
    return "demo programme loaded (invented data, labelled as such)" + (
        f"; sign in as {accounts} with password {password!r}" if accounts and password else ""
    )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--database", "database", metavar="URL", help="Database URL (default: SEGREFORM_DATABASE_URL, else the embedded SQLite file).")
@click.option("--no-browser", is_flag=True, help="Do not open a web browser.")
@click.option("--no-demo", is_flag=True, help="On an empty database, do not load the invented demo programme.")
def serve(host: str, port: int, database: str | None, no_browser: bool, no_demo: bool) -> None:
    """Open the barometer and programme web app (loads the bundled real data on first run)."""
    import uvicorn
    from sqlalchemy.exc import ArgumentError, OperationalError

    from segreform.config import database_url
    from segreform.data.loader import ensure_initialised
    from segreform.store import make_engine
    from segreform.web.app import create_app, warm_up

    url = database or database_url()
    try:
        engine = make_engine(url)
        was_empty = _is_empty(engine)
        loaded = ensure_initialised(engine, progress=True)
    except ArgumentError as exc:
        raise InputError(f"--database {url!r} is not a database URL ({exc}); e.g. sqlite:///segreform.sqlite") from None
    except OperationalError as exc:
        raise InputError(f"cannot open the database {engine.url.render_as_string(hide_password=True)}: {exc.orig}") from None
    if loaded:
        click.echo(f"Loaded the bundled real data into {engine.url.render_as_string(hide_password=True)}.")
    if was_empty and not no_demo:
        note = _load_demo_if_available(engine)
        if note:
            click.echo(note)
        if note and "not loaded" not in note:
            from segreform.research.demo import start_in_background

            start_in_background(engine)
            click.echo("demo evaluations (invented participation, real data) are being computed in the background")
    address = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
    click.echo(f"segreform is at {address}  (API: {address}docs; stop with Ctrl+C)")
    if not no_browser:
        threading.Timer(1.0, webbrowser.open, args=(address,)).start()
    app = create_app(engine)
    warm_up(app)
    uvicorn.run(app, host=host, port=port, log_level="info")
