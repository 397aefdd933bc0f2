"""CLI commands for the programme: seed, selection, ledger reports, the demo and accounts."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd
from rich.console import Console
from rich.table import Table

from segreform.cli.app import InputError, main
from segreform.programme.errors import ProgrammeError
from segreform.programme.ledger import grants_outside_selection, report
from segreform.programme.money import format_sek, parse_sek
from segreform.programme.networks import participation as treated
from segreform.store import open_store, session, transaction

console = Console()


def _engine():
    return open_store()


def _pairs(values: tuple[str, ...], option: str) -> dict[str, int]:
    result = {}
    for value in values:
        code, _, number = value.partition("=")
        if not code or not number.isdigit():
            raise InputError(f"{option} {value!r}: write AREA=N, e.g. {option} school=2")
        result[code] = int(number)
    return result


@main.group()
def programme() -> None:
    """The reform programme: applications, selection, grants and the ledger, networks, reforms."""


@programme.command()
@click.option("--municipalities/--no-municipalities", default=False,
              help="Also create an applicant organisation for every kommun the data job loaded.")
def seed(municipalities: bool) -> None:
    """Load the programme's structure (years and frames, areas, reforms, budget lines) from the seed files."""
    from segreform.programme.seeding import seed_dir, seed_municipalities, seed_programme  # on use (CLI start-up)

    engine = _engine()
    try:
        summary = seed_programme(engine)
    except ProgrammeError as exc:
        raise InputError(str(exc)) from None
    console.print(f"seeded from {seed_dir()}: {summary.years} years, {summary.focus_areas} focus areas, "
                  f"{summary.development_areas} development areas, {summary.reforms} reforms, "
                  f"{summary.budget_lines} budget lines")
    if municipalities:
        console.print(f"{seed_municipalities(engine)} municipalities")


@programme.command()
@click.option("--year", type=int, required=True, help="The programme year to select for.")
@click.option("--dry-run", is_flag=True, help="Show the selection and its explanations; write nothing.")
@click.option("--min-area", multiple=True, metavar="AREA=N", help="At least N applications in a development area.")
@click.option("--max-area", multiple=True, metavar="AREA=N", help="At most N applications in a development area.")
@click.option("--max-per-county", type=int, help="At most N applications per county (län).")
@click.option("--budget-sek", help="Cap the year's budget below what is left of the frame (SEK).")
@click.option("--check-eligibility", is_flag=True,
              help="Leave out municipalities that fail the eligibility rules (needs the barometer's data).")
def select(year, dry_run, min_area, max_area, max_per_county, budget_sek, check_eligibility) -> None:
    """Choose the applications to fund for YEAR, maximising the weighted review score within the budget."""
    from segreform.programme.selection import run_selection  # on use (numba loads slowly)

    try:
        budget = parse_sek(budget_sek, "--budget-sek") if budget_sek else None
        engine = _engine()
        eligible = _eligibility(engine) if check_eligibility else None  # raises ProgrammeError without data
        with transaction(engine) as db:
            result, run_id = run_selection(db, year=year, actor="cli", dry_run=dry_run, max_per_county=max_per_county,
                                           eligible=eligible, progress=True,
                                           min_per_area=_pairs(min_area, "--min-area"),
                                           max_per_area=_pairs(max_area, "--max-area"), budget_ore=budget)
    except ProgrammeError as exc:
        raise InputError(str(exc)) from None
    table = Table(title=f"Selection {year}" + (" (dry run: nothing written)" if dry_run else f" (run {run_id})"))
    for column in ("application", "in", "p(selected)", "explanation"):
        table.add_column(column)
    for decision in result.decisions:
        probability = "–" if decision.probability is None else f"{decision.probability:.0%}"
        table.add_row(decision.label, "yes" if decision.selected else "no", probability, decision.explanation)
    console.print(table)
    console.print(f"total score {result.total_score:.1f}; spending " +
                  ", ".join(f"{y}: {format_sek(v)}" for y, v in sorted(result.spent.items())))


def _eligibility(engine) -> dict[str, bool]:
    from segreform.programme.eligibility import assess_municipalities  # on use (CLI start-up)

    frame = assess_municipalities(engine)
    return dict(zip(frame["kommunkod"], frame["eligible"]))


@programme.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--lang", type=click.Choice(["sv", "en"]), default="en")
def eligibility(output: Path, lang: str) -> None:
    """Write every municipality's eligibility (with the reason) and need score (explained) as CSV."""
    from segreform.programme.eligibility import assess_municipalities  # on use (CLI start-up)

    try:
        frame = assess_municipalities(_engine(), lang)
    except ProgrammeError as exc:
        raise InputError(str(exc)) from None
    frame.to_csv(output, index=False)
    console.print(f"wrote {len(frame)} municipalities ({int(frame['eligible'].sum())} eligible) to {output}")


@programme.group()
def ledger() -> None:
    """The grant ledger per year and reform."""


@ledger.command("report")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="A .csv or .xlsx file to write.")
@click.option("--year", type=int, multiple=True, help="Only these years (default: all).")
def ledger_report(output: Path, year: tuple[int, ...]) -> None:
    """Write the ledger (frame, committed, paid, available per year and reform, in SEK and öre) to OUTPUT, with
    the grants decided outside a selection run and the written reason (column grants_outside_selection)."""
    if output.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError(f"{output}: the report is written as .csv or .xlsx")
    try:
        with session(_engine()) as db:
            rows = report(db, list(year) or None)
            overrides = grants_outside_selection(db, list(year) or None)
    except ProgrammeError as exc:
        raise InputError(str(exc)) from None

    def outside(p) -> list[tuple[int, str]]:
        # The year's total row flags every override of the year; a reform row its own.
        if p.reform_code is None:
            return [g for (y, _), grants in overrides.items() if y == p.year for g in grants]
        return overrides.get((p.year, p.reform_code), [])

    frame = pd.DataFrame([{"year": p.year, "reform": p.reform_code or "ALL", "frame_ore": p.frame_ore,
                           "committed_ore": p.committed_ore, "paid_ore": p.paid_ore,
                           "available_ore": p.available_ore,
                           # Grants decided outside a selection run (overrides) and their written reasons.
                           "grants_outside_selection": "; ".join(f"grant {g}: {reason}" for g, reason in outside(p))}
                          for p in rows])
    for column in ("frame", "committed", "paid", "available"):
        # Öre stay the exact integers; the SEK column is text with exactly two decimals, never a float.
        frame[f"{column}_sek"] = frame[f"{column}_ore"].map(lambda ore: f"{ore // 100}.{ore % 100:02d}")
    frame["source"] = "segreform ledger; frames from seed/programme.yaml"
    if output.suffix.lower() == ".csv":
        frame.to_csv(output, index=False)
    else:
        frame.to_excel(output, index=False, sheet_name="ledger")
    console.print(f"wrote {len(frame)} rows to {output}")


@programme.command()
def demo() -> None:
    """Load the demo programme: INVENTED example data (applications, reviews, grants, networks, meetings)."""
    from segreform.programme.demo import load_demo  # on use (numba loads slowly)

    try:
        summary = load_demo(_engine())
    except ProgrammeError as exc:
        raise InputError(str(exc)) from None
    console.print(f"[bold]Demo programme loaded (invented example data)[/bold]: {summary.applications} applications, "
                  f"{summary.grants} grants. Sign in at /programme/login with password {summary.password!r} as:")
    for role, email in summary.users.items():
        console.print(f"  {role:10} {email}")


@programme.group()
def organisations() -> None:
    """Applicant and partner organisations (municipalities come from `seed --municipalities`)."""


@organisations.command("add")
@click.option("--kind", required=True, type=click.Choice(["municipality", "region", "civil_society", "agency", "research"]))
@click.option("--code", required=True, help="A short unique code, e.g. region-skane or ideell-forening-x.")
@click.option("--name", required=True)
@click.option("--kommunkod", help="For a municipality: its 4-digit kommunkod.")
@click.option("--lanskod", help="The county code (2 digits), used for the per-county limit in selection.")
def organisations_add(kind, code, name, kommunkod, lanskod) -> None:
    """Create or rename an organisation that can apply (where a call allows its kind) or join a network."""
    from segreform.programme.seeding import ensure_municipality, ensure_organisation  # on use (CLI start-up)

    try:
        with transaction(_engine()) as db:
            if kind == "municipality":
                if not kommunkod:
                    raise InputError("--kommunkod is required for a municipality")
                organisation = ensure_municipality(db, kommunkod, name)
            else:
                if lanskod and (len(lanskod) != 2 or not lanskod.isdigit()):
                    raise InputError(f"--lanskod {lanskod!r}: a county code has two digits, e.g. 12")
                organisation = ensure_organisation(db, kind=kind, code=code, name=name, lanskod=lanskod)
            summary = f"{organisation.code} ({organisation.kind}) {organisation.name}"
    except ProgrammeError as exc:
        raise InputError(str(exc)) from None
    console.print(f"organisation {summary}")


@programme.group()
def users() -> None:
    """Accounts for the programme's web pages."""


@users.command("add")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "officer", "reviewer", "applicant", "agency",
                                                          "researcher", "public"]))
@click.option("--organisation", help="Organisation code (municipalities: kommun-<kommunkod>, agencies: e.g. boverket).")
@click.password_option(help="At least 12 characters (asked for when not given).")
def users_add(email, name, role, organisation, password) -> None:
    """Create an account (the password is stored only as an argon2 hash)."""
    from segreform.programme.accounts import create_user  # on use (CLI start-up)

    try:
        with transaction(_engine()) as db:
            user = create_user(db, email=email, name=name, role=role, password=password, actor="cli",
                               organisation_code=organisation)
            user_id = user.id
    except ProgrammeError as exc:
        raise InputError(str(exc)) from None
    console.print(f"created user {user_id} {email} ({role})")


@programme.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def participation(output: Path) -> None:
    """Write the treated municipalities (kommunkod, development area, first year) as CSV for evaluation."""
    frame = treated(_engine())
    frame.to_csv(output, index=False)
    console.print(f"wrote {len(frame)} rows to {output}")
