"""CLI commands for the data job: init, import (px, scb, kolada, file), datasets, export, areas.

Imports inside commands: see :mod:`segreform.cli` (start-up cost of ``segreform --help``).
"""

from __future__ import annotations

import functools
import time

import click
from rich.console import Console
from rich.table import Table

from segreform.cli.app import InputError, main
from segreform.data.errors import DataInputError, RemoteSourceError
from segreform.data.numbers import DECIMAL_SEPARATORS, THOUSANDS_SEPARATORS
from segreform.store.db import is_initialised, make_engine


def _engine():
    return make_engine()


def _ready_engine(progress: bool = True):
    from segreform.data.loader import ensure_initialised  # on use (CLI start-up)

    engine = _engine()
    ensure_initialised(engine, progress=progress)
    return engine


def _user_errors(command):
    """Bad input becomes ``error: ...`` with exit code 2; an unreachable API a plain failure (exit 1)."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (DataInputError, LookupError) as exc:
            raise InputError(str(exc).strip("'\"")) from None
        except RemoteSourceError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


def _report(result) -> None:
    verb = "already loaded, nothing changed" if result.status == "unchanged" else f"stored {result.rows:,} values"
    current = "current" if result.is_current else "kept beside a newer current vintage"
    click.echo(f"{result.name} (vintage {result.vintage}): {verb}; {current}")
    for note in result.notes:
        click.echo(f"  note: {note}")


@main.command()
@click.option("--quiet", is_flag=True, help="No progress bars.")
def init(quiet: bool) -> None:
    """Create the database (SQLite in the data directory, or SEGREFORM_DATABASE_URL) and load the bundled data."""
    from segreform.data import queries  # on use (CLI start-up)
    from segreform.data.loader import ensure_initialised  # on use (CLI start-up)

    started = time.perf_counter()
    engine = _engine()
    loaded = ensure_initialised(engine, progress=not quiet)
    seconds = time.perf_counter() - started
    state = f"loaded the bundled data in {seconds:.1f} s" if loaded else "already initialised; nothing to load"
    click.echo(f"{engine.url.render_as_string(hide_password=True)}: {state}. "
               f"{len(queries.datasets(engine))} dataset releases, {len(queries.areas(engine, 'kommun'))} kommuner, "
               f"{len(queries.areas(engine, 'regso'))} RegSO.")


@main.group(name="import")
def import_group() -> None:
    """Import statistics: SCB PX-Web CSV exports, SCB's PxWebApi 2, Kolada, or your own files.

    Every import that stores new data re-runs the registered evaluation plans whose data changed
    (continuous evaluation, switched on for every command by the root group: ``segreform.research.install``).
    """


@import_group.command(name="px")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--name", help="Dataset name (default: the file name without suffix).")
@click.option("--variable", help="Variable name (default: from the year headings or the footer's 'Sort').")
@click.option("--unit", help="Unit (default: the footer's 'Sort').")
@click.option("--vintage", help="Release id (default: the footer's 'Senaste uppdatering', else the file hash).")
@click.option("--level", help="Geography level of the region labels (default: the best-matching level).")
@click.option("--geography-version", help="Geography version of the labels (default: the best match).")
@click.option("--encoding", default="utf-8", show_default=True, help="File encoding, e.g. cp1252 for 'ANSI'.")
@click.option("--decimal", type=click.Choice(DECIMAL_SEPARATORS),
              help="Decimal separator, where a cell like 1,234 is ambiguous (default: read from each cell).")
@click.option("--thousands", type=click.Choice(list(THOUSANDS_SEPARATORS)),
              help="Thousands separator: space, ',', '.' or none (default: spaces only).")
@click.option("--source", help="Who published the numbers (default: the footer's 'Källa:', else "
                               "\"unknown (user's file)\").")
@click.option("--licence", help="Licence of the numbers, e.g. 'CC0 1.0' (default: \"unknown (user's file)\").")
@_user_errors
def import_px(file, name, variable, unit, vintage, level, geography_version, encoding, decimal, thousands,
              source, licence) -> None:
    """Import an SCB Statistikdatabasen PX-Web CSV export (region labels mapped to codes; footer kept).

    Cells must be finite numbers or SCB's missing-value markers (.., ., -, ..C); anything else
    (inf, NaN, 1_000, an ambiguous 1,234) is refused naming the line and column, and nothing is written.
    """
    from segreform.data.px import import_px as run  # on use (CLI start-up)

    engine = _ready_engine()
    _report(run(engine, file, name=name, variable=variable, unit=unit, vintage=vintage, level=level,
                geography_version=geography_version, encoding=encoding, progress=True, source=source,
                licence=licence, decimal=decimal, thousands=THOUSANDS_SEPARATORS.get(thousands)))


@import_group.command(name="scb")
@click.argument("table_id")
@click.option("--select", "selections", multiple=True, metavar="DIM=CODE[,CODE]",
              help="Value codes per dimension, e.g. --select Region=0114,0115 --select Tid=2023 ('*' = all).")
@click.option("--codelist", "codelists", multiple=True, metavar="DIM=CODELIST", help="e.g. Region=vs_RegSO2025")
@click.option("--name", help="Dataset name (default: scb_<table id>).")
@_user_errors
def import_scb(table_id, selections, codelists, name) -> None:
    """Fetch a table from SCB's PxWebApi 2 (JSON-stat 2) and store it."""
    from segreform.data.pxwebapi import import_pxwebapi  # on use (CLI start-up)

    def pairs(items, option):
        out = {}
        for item in items:
            if "=" not in item:
                raise InputError(f"{option} {item!r}: expected DIM=VALUE")
            key, value = item.split("=", 1)
            out[key] = value
        return out

    selection = {k: v.split(",") for k, v in pairs(selections, "--select").items()}
    engine = _ready_engine()
    _report(import_pxwebapi(engine, table_id, selection, name=name, codelists=pairs(codelists, "--codelist"),
                            progress=True))


@import_group.command(name="kolada")
@click.argument("kpis")
@click.option("--years", required=True, help="Years, e.g. 2015-2024 or 2018,2022.")
@click.option("--no-title-check", is_flag=True, help="Do not compare the API's KPI title with kolada_kpis.yaml.")
@_user_errors
def import_kolada(kpis, years, no_title_check) -> None:
    """Fetch Kolada key figures (KPI[,KPI]) per kommun and year from Kolada's API v3. Källa: Kolada."""
    from segreform.data.kolada import import_kolada as run, parse_years  # on use (CLI start-up)

    engine = _ready_engine()
    ids = [k.strip().upper() for k in kpis.split(",") if k.strip()]
    for result in run(engine, ids, parse_years(years), check_titles=not no_title_check, progress=True):
        _report(result)


@import_group.command(name="file")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--schema", required=True, type=click.Path(exists=True, dir_okay=False),
              help="YAML/JSON file declaring the columns (see docs/data.md).")
@click.option("--encoding", default="utf-8", show_default=True)
@_user_errors
def import_file(file, schema, encoding) -> None:
    """Import your own areas and counts from CSV, Excel, GeoPackage or GeoJSON, as the schema declares."""
    from segreform.data.generic import import_file as run  # on use (CLI start-up)

    engine = _ready_engine()
    _report(run(engine, file, schema, encoding=encoding, progress=True))


@main.command()
@click.option("--all-vintages/--current", default=True, help="List every release, or only current ones.")
def datasets(all_vintages: bool) -> None:
    """List the loaded datasets: name, source, table, vintage, whether current, when imported, rows."""
    from segreform.data import queries  # on use (CLI start-up)

    engine = _engine()
    if not is_initialised(engine):
        raise InputError("the database is not initialised; run `segreform init`")
    frame = queries.datasets(engine)
    if not all_vintages:
        frame = frame[frame.is_current]
    table = Table("name", "source", "source table", "vintage", "current", "imported (UTC)", "rows")
    for row in frame.itertuples():
        table.add_row(row.name, row.source, row.source_table, row.vintage, "yes" if row.is_current else "no",
                      f"{row.imported_at:%Y-%m-%d %H:%M}", f"{row.rows:,}")
    Console(width=200).print(table)


@main.command()
@click.argument("name")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Output file: .csv, .parquet or .gpkg.")
@click.option("--vintage", help="Which release (default: the current one).")
@_user_errors
def export(name, output, vintage) -> None:
    """Write dataset NAME out in long form (area code, year, variable, value, plus source columns)."""
    from segreform.data.export import export_dataset  # on use (CLI start-up)

    path = export_dataset(_engine(), name, output, vintage=vintage)
    click.echo(f"wrote {path}")


@main.command()
@click.argument("level")
@click.option("--version", "version", help="Geography version (default: the current one).")
@_user_errors
def areas(level, version) -> None:
    """Print the areas of LEVEL (lan, kommun, regso, deso, riket or your own) as CSV."""
    from segreform.data import queries  # on use (CLI start-up)

    frame = queries.areas(_ready_engine(progress=False), level, version)
    if frame.empty:
        raise InputError(f"no areas for level {level!r}" + (f" version {version!r}" if version else ""))
    click.echo(frame.to_csv(index=False), nl=False)
