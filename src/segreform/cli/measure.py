"""CLI commands for the measure job: ``segreform indices``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pandas as pd

from segreform.cli.app import InputError, main
from segreform.cli.spatial import run_spatial_indices, spatial_options, wants_spatial
from segreform.scale import run_indices_distributed

OUTPUT_FORMATS = (".csv", ".parquet", ".json")
EXCEL_FORMATS = (".xlsx", ".xlsm", ".xls")


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()] if value else []


def _read_table(path: Path, id_columns: list[str]) -> pd.DataFrame:
    """Read FILE with its id columns (area, segment keys, group labels) as text, as written: 0114 stays 0114."""
    suffix = path.suffix.lower()
    as_text = {column: str for column in id_columns}
    try:
        if suffix == ".parquet":
            return _ids_as_text(pd.read_parquet(path), id_columns)
        if suffix in (".csv", ".txt"):
            return pd.read_csv(path, dtype=as_text)
        if suffix in EXCEL_FORMATS:
            return _ids_as_text(pd.read_excel(path, dtype=as_text), id_columns)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise InputError(f"{path}: cannot be read as {suffix[1:]} ({str(exc).splitlines()[0]})") from None
    raise InputError(f"{path}: unknown file type {suffix!r}; use .csv, .parquet or .xlsx")


def _ids_as_text(frame: pd.DataFrame, id_columns: list[str]) -> pd.DataFrame:
    """Typed files (Parquet, Excel number cells) hold ids as numbers: compare them as the text they print as."""
    for column in id_columns:
        if column in frame.columns and not pd.api.types.is_string_dtype(frame[column]):
            values = frame[column]
            frame[column] = values.map(str).where(values.notna(), None)
    return frame


def _write_table(result: pd.DataFrame, output: Path | None) -> None:
    if output is None:
        result.to_csv(sys.stdout, index=False)
        return
    suffix = output.suffix.lower()
    if suffix not in OUTPUT_FORMATS:
        raise InputError(f"{output}: unknown output type {suffix!r}; use {', '.join(OUTPUT_FORMATS)}")
    folder = output.parent
    if not folder.is_dir():
        raise InputError(f"{output}: cannot write: the folder {str(folder)!r} does not exist")
    partial = output.with_name(output.name + ".partial")
    try:
        if suffix == ".csv":
            result.to_csv(partial, index=False)
        elif suffix == ".parquet":
            result.to_parquet(partial, index=False)
        else:
            result.to_json(partial, orient="records", indent=1)
        partial.replace(output)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InputError(f"{output}: cannot write ({exc.strerror or exc})") from None


def _where(path: Path, exc) -> str:
    """Name the file and, where known, the line of the bad cell (line 1 is a CSV header)."""
    if exc.row is None:
        return f"{path}: {exc}"
    place = f"line {exc.row + 2}" if path.suffix.lower() != ".parquet" else f"row {exc.row + 1}"
    column = f", column {exc.column!r}" if exc.column is not None else ""
    return f"{path}: {place}{column}: {exc.problem}"


@main.command("indices")
@click.argument("file", type=click.Path(dir_okay=True, path_type=Path))
@click.option("--unit", required=True, help="Column with area ids.")
@click.option("--groups", help="Comma-separated count columns (wide file), e.g. born_sweden,born_abroad.")
@click.option("--group-col", help="Long file: column with group labels (use with --count-col).")
@click.option("--count-col", help="Long file: column with counts.")
@click.option("--by", help="Comma-separated segment columns, e.g. kommun,year.")
@click.option("--focal", help="Comma-separated focal groups for two-group indices (default: every group).")
@click.option("--index", "index_names", default="all", show_default=True, help="Comma-separated index names, or 'all'.")
@click.option("--atkinson-b", type=float, default=0.5, show_default=True, help="Atkinson shape parameter, 0 < b < 1.")
@click.option("--base", type=float, default=2.0, show_default=True, help="Log base for mutual information and diversity.")
@click.option("--bootstrap", type=click.IntRange(min=0), default=0, show_default=True, help="Bootstrap draws (adds se, ci_low, ci_high).")
@click.option("--bootstrap-by", type=click.Choice(["individuals", "areas"]), default="individuals", show_default=True,
              help="Resample residents (multinomial) or whole areas.")
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Seed for bootstrap draws.")
@click.option("--ci", type=float, default=0.95, show_default=True, help="Level of the bootstrap interval.")
@click.option("--jobs", "n_jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Threads for bootstrap draws.")
@click.option("--cluster", help="Run on the Dask cluster at tcp://HOST:PORT (FILE may be a partitioned Parquet folder).")
@click.option("--workers", type=click.IntRange(min=1), help="Run on a local Dask cluster of N worker processes.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write OUT.csv, OUT.parquet or OUT.json (default: CSV on stdout).")
@spatial_options
def indices_command(file, unit, groups, group_col, count_col, by, focal, index_names, atkinson_b, base,
                    bootstrap, bootstrap_by, seed, ci, n_jobs, cluster, workers, output,
                    x_col, y_col, area_col, kernel, bandwidths):
    """Compute segregation indices for every segment of FILE (CSV, Parquet or Excel).

    Area ids, segment keys and group labels are read as text: 0114 stays 0114, and 1, 01
    and 1.0 are three different areas.

    With --x/--y (projected metres) or a GeoPackage/GeoJSON of polygons as FILE, the spatial
    indices instead (spatial_proximity, ..., spatial_dissimilarity per --bandwidth, and from
    polygons adjacency_dissimilarity and boundary_dissimilarity): see docs/measure.md.

    \b
    Example:
      segreform indices regso.csv --unit regso --groups sweden,abroad --by kommun,year \\
          --index dissimilarity,theil_h --bootstrap 500 --seed 1 -o indices.parquet
    """
    from segreform.measure import MeasureInputError, indices  # on use (numba loads slowly)

    if not file.exists():
        raise InputError(f"{file}: no such file")
    if wants_spatial(file, index_names, x_col, y_col):
        return run_spatial_indices(file, unit, groups, by, focal, index_names, x_col, y_col, area_col, kernel,
                                   bandwidths, output)
    options = dict(
        unit=unit, groups=_split(groups) or None, group_col=group_col, count_col=count_col,
        by=_split(by) or None, focal=_split(focal) or None,
        index="all" if index_names.strip() == "all" else _split(index_names),
        atkinson_b=atkinson_b, base=base, bootstrap=bootstrap, seed=seed, ci=ci,
    )
    try:
        if cluster or workers:
            if bootstrap and bootstrap_by != "individuals":
                raise InputError("--bootstrap-by areas runs on one machine only; drop --cluster/--workers")
            try:
                result = run_indices_distributed(file, cluster=cluster, workers=workers,
                                                 progress=sys.stderr.isatty(), **options)
            except MeasureInputError:
                raise
            except (ValueError, OSError) as exc:  # cluster address or connection problems
                raise InputError(f"{cluster or 'local cluster'}: {exc}") from None
        else:
            if file.is_dir():
                raise InputError(f"{file}: is a folder; a partitioned Parquet folder needs --cluster or --workers")
            id_columns = [unit, *_split(by), *([group_col] if group_col else [])]
            result = indices(_read_table(file, id_columns), bootstrap_by=bootstrap_by, n_jobs=n_jobs,
                             progress=bootstrap > 0 and sys.stderr.isatty(), **options)
    except MeasureInputError as exc:
        raise InputError(_where(file, exc)) from None
    if bootstrap:
        result = result.drop(columns=["bias_corrected"]).join(result[["bias_corrected"]])
    _write_table(result, output)
    if output is not None:
        click.echo(f"wrote {len(result)} rows to {output}", err=True)
