"""CLI commands for the web job: ``segreform serve``."""

from __future__ import annotations

import importlib
import ipaddress
import threading
import webbrowser

import click
from sqlalchemy.exc import ArgumentError, OperationalError

from segreform.cli.app import InputError, main
from segreform.config import database_url
from segreform.store import make_engine
from segreform.store.db import is_initialised


def _is_empty(engine) -> bool:
    """True for a new database: no schema yet, or no data loaded."""
    from segreform.data import queries  # on use (CLI start-up)

    return not is_initialised(engine) or queries.datasets(engine).empty


def is_loopback(host: str) -> bool:
    """True for an address only this computer can reach (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything, so it counts as exposed


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
        f"; sign in as {accounts} with this installation's password {password!r}" if accounts and password else ""
    )


def _expose_demo_accounts(engine, exposed: bool) -> str | None:
    try:
        from segreform.programme.demo import set_demo_accounts_exposed  # on use (numba loads slowly)
    except ImportError:
        return None
    changed = set_demo_accounts_exposed(engine, exposed)
    if not changed:
        return None
    if exposed:
        return (f"{changed} demo accounts disabled: this server listens on a non-loopback address, and the demo's "
                "password must not reach other computers (a start on 127.0.0.1 enables them again)")
    return f"{changed} demo accounts enabled again (this server listens on a loopback address only)"


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--database", "database", metavar="URL", help="Database URL (default: SEGREFORM_DATABASE_URL, else the embedded SQLite file).")
@click.option("--no-browser", is_flag=True, help="Do not open a web browser.")
@click.option("--demo", "demo", flag_value=True, default=None,
              help="Load the invented demo programme (loopback addresses only). Default: only on the first start "
                   "of an embedded SQLite database on a loopback address.")
@click.option("--no-demo", "demo", flag_value=False, help="Never load the demo programme.")
def serve(host: str, port: int, database: str | None, no_browser: bool, demo: bool | None) -> None:
    """Open the barometer and programme web app (loads the bundled real data on first run)."""
    import uvicorn  # on use: the web stack loads only to serve

    from segreform.data.loader import ensure_initialised  # on use (CLI start-up)
    from segreform.web.app import create_app, warm_up  # on use: the web stack loads only to serve

    loopback = is_loopback(host)
    if demo and not loopback:
        raise InputError(f"--demo with --host {host}: the demo accounts' password is shown on the sign-in page, so the "
                         "demo is served on a loopback address only (--host 127.0.0.1); drop --demo to serve "
                         "this address without it")
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
    # The demo is an explicit choice, except on the first start of a private SQLite file on this computer.
    first_local_start = was_empty and engine.dialect.name == "sqlite" and loopback
    if demo or (demo is None and first_local_start):
        note = _load_demo_if_available(engine)
        if note:
            click.echo(note)
        if note and "not loaded" not in note:
            from segreform.research.demo import start_in_background  # on use: only with --demo

            start_in_background(engine)
            click.echo("demo evaluations (invented participation, real data) are being computed in the background")
    note = _expose_demo_accounts(engine, exposed=not loopback)
    if note:
        click.echo(note)
    address = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
    click.echo(f"segreform is at {address}  (API: {address}docs; stop with Ctrl+C)")
    if not no_browser:
        threading.Timer(1.0, webbrowser.open, args=(address,)).start()
    app = create_app(engine)
    # Only a server no other computer can reach lists the demo accounts and their password on the sign-in page.
    app.state.show_demo_accounts = loopback
    warm_up(app)
    uvicorn.run(app, host=host, port=port, log_level="info")
