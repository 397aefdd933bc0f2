"""CLI commands for the evaluate job: ``segreform evaluate did|synth|sdid FILE ...``.

Each reads a long panel (CSV, with ``,`` or ``;`` separators, or Parquet) and writes the tidy result
as JSON (estimates with standard errors and intervals, weights, diagnostics) to ``-o`` or stdout. A
bad column or an impossible design exits with code 2 and a one-line reason.

Imports inside commands: see :mod:`segreform.cli` (start-up cost of ``segreform --help``).
"""

from __future__ import annotations

import json
from pathlib import Path

import click
import pandas as pd

from segreform.cli.app import InputError, main
from segreform.store import open_store


def _read_panel(path: str):
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
    from segreform.evaluate.panel import DesignError  # on use (numba loads slowly)

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
    from segreform.evaluate.panel import DesignError  # on use (numba loads slowly)

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
    from segreform.evaluate.did import callaway_santanna  # on use (numba loads slowly)

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
    from segreform.evaluate.synth import synthetic_control  # on use (numba loads slowly)

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
    from segreform.evaluate.sdid import synthetic_did  # on use (numba loads slowly)

    frame = _as_labels(_read_panel(file), unit)
    names = [t.strip() for t in treated.split(",") if t.strip()]
    _run(lambda: synthetic_did(frame, unit, time_, outcome, names, start, replications=replications, seed=seed), output)


def _engine():
    return open_store()


@evaluate.command("plan")
@click.argument("development_area")
@click.option("--outcome", required=True, help="barometer variable (as in segreform.data.queries.variables)")
@click.option("--estimator", type=click.Choice(["did", "synth", "sdid"]), default="did", show_default=True)
@click.option("--comparison", type=click.Choice(["never_eligible", "eligible_not_selected", "all_untreated"]),
              default="never_eligible", show_default=True)
@click.option("--level", default="kommun", show_default=True)
@click.option("--by", "registered_by", required=True, help="who registers the plan (name or e-mail)")
@click.option("--title", default=None)
@click.option("--supersedes", type=int, default=None, help="id of the plan this one replaces")
def plan_command(development_area, outcome, estimator, comparison, level, registered_by, title, supersedes) -> None:
    """Pre-register an evaluation plan for DEVELOPMENT_AREA (treated and start years from the programme)."""
    from segreform.evaluate.panel import DesignError  # on use (numba loads slowly)
    from segreform.research.plans import get_plan, register_plan  # on use (numba loads slowly)

    engine = _engine()
    try:
        plan_id = register_plan(engine, development_area=development_area, outcome_variable=outcome,
                                registered_by=registered_by, estimator=estimator, comparison=comparison, level=level,
                                title=title, supersedes=supersedes)
    except DesignError as exc:
        raise InputError(str(exc)) from exc
    plan = get_plan(engine, plan_id)
    click.echo(f"plan {plan_id}: {len(plan.treated)} treated, {len(plan.comparison_units)} in the comparison pool, "
               f"hash {plan.plan_hash[:12]}"
               + ("" if plan.registered_before_outcomes else " (outcome data for treated years already existed)"))


@evaluate.command("rerun")
def rerun_command() -> None:
    """Re-run every registered plan whose data changed (run this after each data import)."""
    from segreform.research.runs import rerun_after_import  # on use (numba loads slowly)

    runs = rerun_after_import(_engine(), trigger="import")
    click.echo(f"{len(runs)} plan(s) re-run" + (f": runs {', '.join(map(str, runs))}" if runs else ""))


@evaluate.command("report")
@click.argument("result_json", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="report.html or report.pdf")
@click.option("--title", default=None)
def report_command(result_json, output, title) -> None:
    """Write an HTML or PDF report (plots, estimate, diagnostics, caveats) from a RESULT_JSON of did/synth/sdid."""
    from segreform.research.report import html_to_pdf, render_html  # on use (numba loads slowly)
    from segreform.evaluate.results import EvaluationResult  # on use (numba loads slowly)

    source = Path(result_json)
    if not source.exists():
        raise InputError(f"{result_json}: no such file")
    try:
        result = EvaluationResult.from_dict(json.loads(source.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{result_json}: not a result written by segreform evaluate ({exc})") from exc
    html = render_html(result, title=title or f"Evaluation: {result.estimator} ({source.name})")
    if output.lower().endswith(".pdf"):
        try:
            html_to_pdf(html, Path(output))
        except RuntimeError as exc:
            raise InputError(str(exc)) from exc
    else:
        Path(output).write_text(html, encoding="utf-8")
    click.echo(f"wrote {output}", err=True)
