"""CLI commands for the evaluate job: ``segreform evaluate did|synth|sdid FILE ...``.

Each reads a long panel (CSV, with ``,`` or ``;`` separators, or Parquet) and writes the tidy result
as JSON (estimates with standard errors and intervals, weights, diagnostics) to ``-o`` or stdout. A
bad column or an impossible design exits with code 2 and a one-line reason.
"""

from __future__ import annotations

from pathlib import Path

import click

from segreform.cli.app import InputError, main


def _read_panel(path: str):
    import pandas as pd

    file = Path(path)
    if not file.exists():
        raise InputError(f"{path}: no such file")
    try:
        if file.suffix.lower() in {".parquet", ".pq"}:
            return pd.read_parquet(file)
        with file.open(encoding="utf-8-sig") as handle:
            header = handle.readline()
        separator = ";" if header.count(";") > header.count(",") else ","
        return pd.read_csv(file, sep=separator)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read as a table ({exc})") from exc


def _run(estimate, output: str | None) -> None:
    from segreform.evaluate.panel import DesignError

    try:
        result = estimate()
    except DesignError as exc:
        raise InputError(str(exc)) from exc
    text = result.to_json(indent=2)
    if output:
        Path(output).write_text(text + "\n", encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text)


def _as_labels(frame, column: str):
    """Unit labels as text, so that ``--treated`` given on the command line matches numeric codes too."""
    from segreform.evaluate.panel import DesignError

    if column not in frame.columns:
        raise InputError(str(DesignError(f"column {column!r} (given as --unit) is not in the data")))
    frame[column] = frame[column].map(lambda v: f"{v:g}" if isinstance(v, float) else str(v))
    return frame


@main.group()
def evaluate() -> None:
    """Evaluate what the programme changes: staggered DiD, synthetic control, synthetic DiD."""


@evaluate.command("did")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--unit", required=True, help="column identifying the unit (e.g. kommunkod)")
@click.option("--time", "time_", required=True, help="column with the period (e.g. year)")
@click.option("--cohort", required=True, help="column with the first treated period; 0 or empty = never treated")
@click.option("--outcome", required=True, help="column with the outcome")
@click.option("--control", type=click.Choice(["never", "notyet"]), default="never", show_default=True)
@click.option("--method", type=click.Choice(["dr", "ipw", "reg"]), default="dr", show_default=True)
@click.option("--covariates", default="", help="comma-separated covariate columns (base-period values)")
@click.option("--bootstrap", type=click.IntRange(min=0), default=0, help="multiplier bootstrap draws (e.g. 999)")
@click.option("--seed", type=int, default=None, help="seed of the bootstrap draws")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="write the JSON here instead of stdout")
def did_command(file, unit, time_, cohort, outcome, control, method, covariates, bootstrap, seed, output) -> None:
    """Callaway & Sant'Anna staggered difference-in-differences on FILE."""
    from segreform.evaluate.did import callaway_santanna

    frame = _read_panel(file)
    covariate_list = [c.strip() for c in covariates.split(",") if c.strip()]
    _run(lambda: callaway_santanna(frame, unit, time_, cohort, outcome, control=control, method=method,
                                   covariates=covariate_list, bootstrap=bootstrap, seed=seed), output)


@evaluate.command("synth")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--unit", required=True)
@click.option("--time", "time_", required=True)
@click.option("--outcome", required=True)
@click.option("--treated", required=True, help="the treated unit's label")
@click.option("--start", required=True, type=float, help="first treated period")
@click.option("--predictors", default=None, help="e.g. 'retprice:1980-1988,cigsale:1975' (default: pre-period outcomes)")
@click.option("--placebos", is_flag=True, help="in-space placebos: RMSPE ratio rank and p-value")
@click.option("--leave-one-out", is_flag=True, help="refit without each donor with positive weight")
@click.option("--seed", type=int, default=0, show_default=True, help="seed of the random starts of the V search")
@click.option("-o", "--output", type=click.Path(dir_okay=False))
def synth_command(file, unit, time_, outcome, treated, start, predictors, placebos, leave_one_out, seed, output) -> None:
    """Synthetic control (Abadie, Diamond & Hainmueller) for one treated unit in FILE."""
    from segreform.evaluate.synth import synthetic_control

    frame = _as_labels(_read_panel(file), unit)
    _run(lambda: synthetic_control(frame, unit, time_, outcome, treated, start, predictors=predictors,
                                   placebos=placebos, leave_one_out=leave_one_out, seed=seed, progress=True), output)


@evaluate.command("sdid")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--unit", required=True)
@click.option("--time", "time_", required=True)
@click.option("--outcome", required=True)
@click.option("--treated", required=True, help="treated unit(s), comma-separated")
@click.option("--start", required=True, type=float, help="first treated period (the same for all treated)")
@click.option("--replications", type=click.IntRange(min=0), default=200, show_default=True, help="placebo replications for the SE")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False))
def sdid_command(file, unit, time_, outcome, treated, start, replications, seed, output) -> None:
    """Synthetic difference-in-differences (with synthdid's SC and DiD beside it) on FILE."""
    from segreform.evaluate.sdid import synthetic_did

    frame = _as_labels(_read_panel(file), unit)
    names = [t.strip() for t in treated.split(",") if t.strip()]
    _run(lambda: synthetic_did(frame, unit, time_, outcome, names, start, replications=replications, seed=seed), output)
