"""CLI for a programme year: load a programme definition, run calls (create, open, extend, close, list) and decide
the grants of a selection run. Registered on the ``segreform programme`` group."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from rich.table import Table
from sqlalchemy import select

from segreform.cli.app import InputError
from segreform.cli.programme import _engine, console, programme
from segreform.programme.errors import ProgrammeError
from segreform.programme.money import parse_sek
from segreform.store import session, transaction
from segreform.store.models.programme import Call

ACTOR = "cli"


def _deadline(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"--deadline {text!r}: write an ISO time with a zone, e.g. 2026-09-30T23:59+02:00") from None
    if moment.tzinfo is None:
        raise InputError(f"--deadline {text!r}: give a time zone, e.g. 2026-09-30T23:59+02:00")
    return moment


def _run(work):
    try:
        with transaction(_engine()) as db:
            return work(db)
    except ProgrammeError as exc:
        raise InputError(str(exc)) from None


@programme.command("load")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def load(file: Path) -> None:
    """Load a programme definition (YAML, schema_version 1), e.g. a 2026–2030 successor; validated first."""
    from segreform.programme import definition  # on use (CLI start-up)

    try:
        summary = definition.load_file(_engine(), file, actor=ACTOR)
    except ProgrammeError as exc:
        raise InputError(str(exc)) from None
    console.print(f"loaded {summary.code}: {summary.years} years, {summary.reforms} reforms, "
                  f"{summary.development_areas} development areas")


@programme.group("call")
def call_group() -> None:
    """Calls for applications: create, open, extend, close, list."""


@call_group.command("create")
@click.option("--year", type=int, required=True)
@click.option("--title", required=True)
@click.option("--area", "development_area", required=True, help="Development area code, e.g. school.")
@click.option("--reform", "reform_code", required=True, help="Reform code whose budget line pays, e.g. r09.")
@click.option("--deadline", required=True, help="ISO time with zone, e.g. 2026-09-30T23:59+02:00.")
@click.option("--budget-year", "budget_years", type=int, multiple=True, help="Years money may be asked for.")
@click.option("--min-sek", default=None, help="Smallest amount one may ask for.")
@click.option("--max-sek", default=None, help="Largest amount one may ask for.")
@click.option("--attachment", "attachments", multiple=True, help="A required attachment (repeat).")
@click.option("--open", "open_now", is_flag=True, help="Open it at once.")
def call_create(year, title, development_area, reform_code, deadline, budget_years, min_sek, max_sek, attachments,
                open_now) -> None:
    """Create a call (a draft unless --open)."""
    from segreform.programme import call_cycle  # on use (CLI start-up)

    def work(db):
        return call_cycle.create(
            db, year=year, title=title, development_area=development_area, reform_code=reform_code,
            deadline=_deadline(deadline), actor=ACTOR, budget_years=list(budget_years) or None,
            min_amount_ore=parse_sek(min_sek, "--min-sek") if min_sek else None,
            max_amount_ore=parse_sek(max_sek, "--max-sek") if max_sek else None,
            required_attachments=list(attachments), open_now=open_now).id

    console.print(f"call {_run(work)} created")


@call_group.command("open")
@click.argument("call_id", type=click.IntRange(1, 2**31 - 1))
def call_open(call_id: int) -> None:
    from segreform.programme import call_cycle  # on use (CLI start-up)

    _run(lambda db: call_cycle.open_call(db, call_id, ACTOR))
    console.print(f"call {call_id} is open")


@call_group.command("extend")
@click.argument("call_id", type=click.IntRange(1, 2**31 - 1))
@click.option("--deadline", required=True)
def call_extend(call_id: int, deadline: str) -> None:
    from segreform.programme import call_cycle  # on use (CLI start-up)

    _run(lambda db: call_cycle.extend(db, call_id, _deadline(deadline), ACTOR))
    console.print(f"call {call_id} now closes {deadline}")


@call_group.command("close")
@click.argument("call_id", type=click.IntRange(1, 2**31 - 1))
def call_close(call_id: int) -> None:
    from segreform.programme import call_cycle  # on use (CLI start-up)

    _run(lambda db: call_cycle.close(db, call_id, ACTOR))
    console.print(f"call {call_id} is closed")


@call_group.command("list")
def call_list() -> None:
    table = Table("id", "year", "status", "area", "reform", "deadline", "title")
    with session(_engine()) as db:
        for call in db.scalars(select(Call).order_by(Call.year, Call.id)):
            table.add_row(str(call.id), str(call.year), call.status, call.development_area_code or "",
                          call.reform_code, f"{call.deadline:%Y-%m-%d %H:%M}", call.title)
    console.print(table)


@programme.command("decide")
@click.argument("run_id", type=click.IntRange(1, 2**31 - 1))
def decide(run_id: int) -> None:
    """Grant every application the selection run selected (one decision, audited)."""
    from segreform.programme import decisions  # on use (CLI start-up)

    grants = _run(lambda db: decisions.decide_run(db, run_id, ACTOR))
    console.print(f"run {run_id}: {len(grants)} grants decided")
