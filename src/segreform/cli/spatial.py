"""CLI for spatial segregation: ``segreform neighbourhoods`` and the coordinate/polygon options of ``indices``."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import click

from segreform.cli.app import InputError, main

POLYGON_FORMATS = (".gpkg", ".geojson", ".json", ".shp")


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()] if value else []


def _numbers(value: str | None, option: str) -> list[float]:
    try:
        numbers = [float(part) for part in _split(value)]
    except ValueError:
        raise InputError(f"{option} must be comma-separated numbers, got {value!r}") from None
    if not numbers or any(not n > 0 or n == float("inf") for n in numbers):
        raise InputError(f"{option} must be positive numbers, got {value!r}")
    return numbers


def spatial_options(command):
    """The options that ``segreform indices`` takes for spatial indices."""
    options = [
        click.option("--x", "x_col", help="Spatial indices: column of projected x (easting, metres, e.g. SWEREF 99 TM)."),
        click.option("--y", "y_col", help="Spatial indices: column of projected y (northing, metres)."),
        click.option("--area", "area_col", help="Spatial indices: column of unit areas in m² (d_ii = √(0.6·a))."),
        click.option("--kernel", type=click.Choice(["biweight", "gaussian"]), default="biweight", show_default=True,
                     help="Kernel of spatial_information_theory / spatial_dissimilarity."),
        click.option("--bandwidth", "bandwidths", default="500,1000,2000,4000", show_default=True,
                     help="Kernel bandwidths in metres (comma-separated): the scales of the profile."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def wants_spatial(file: Path, index_names: str, x_col, y_col) -> bool:
    """Spatial when coordinates or polygons are given, or a spatial index is named."""
    from segreform.measure.spatial import SPATIAL_INDICES  # on use (numba loads slowly)

    named = set(_split(index_names))
    return bool(x_col or y_col or file.suffix.lower() in POLYGON_FORMATS or named & set(SPATIAL_INDICES))


def read_spatial(file: Path, id_columns: list[str]):
    """A table (CSV/Parquet, ``id_columns`` read as text) or polygons (GeoPackage/GeoJSON/Shapefile) and their
    contiguity."""
    from segreform.cli.measure import _read_table  # import cycle with cli.measure
    from segreform.measure import MeasureInputError  # on use (numba loads slowly)
    from segreform.measure.spatial_table import polygons_to_points  # on use (numba loads slowly)

    if file.suffix.lower() not in POLYGON_FORMATS:
        return _read_table(file, id_columns), None
    import geopandas  # optional heavy dependency, on use

    try:
        frame = geopandas.read_file(file)
    except Exception as exc:  # pyogrio raises its own types for unreadable files
        raise InputError(f"{file}: cannot be read as polygons ({str(exc).splitlines()[0]})") from None
    try:
        return polygons_to_points(frame)
    except MeasureInputError as exc:
        raise InputError(f"{file}: {exc}") from None


def run_spatial_indices(file: Path, unit, groups, by, focal, index_names, x_col, y_col, area_col, kernel,
                        bandwidths, output) -> None:
    """``segreform indices`` with coordinates or polygons: the spatial indices as a long table."""
    from segreform.cli.measure import _where, _write_table  # import cycle with cli.measure
    from segreform.measure import MeasureInputError  # on use (numba loads slowly)
    from segreform.measure.spatial_table import spatial_indices  # on use (numba loads slowly)

    if file.is_dir():
        raise InputError(f"{file}: spatial indices need one file (CSV, Parquet, GeoPackage or GeoJSON)")
    data, contiguity = read_spatial(file, [unit, *_split(by)])
    if contiguity is not None:
        x_col, y_col = x_col or "x", y_col or "y"
        area_col = area_col or "area"
    try:
        result = spatial_indices(
            data, unit=unit, groups=_split(groups), x=x_col, y=y_col, area=area_col, by=_split(by) or None,
            focal=_split(focal) or None, index="all" if index_names.strip() == "all" else _split(index_names),
            kernel=kernel, bandwidths=_numbers(bandwidths, "--bandwidth"), contiguity=contiguity,
        )
    except MeasureInputError as exc:
        raise InputError(_where(file, exc)) from None
    _write_table(result, output)
    if output is not None:
        click.echo(f"wrote {len(result)} rows to {output}", err=True)


@main.command("neighbourhoods")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--unit", required=True, help="Column with location ids.")
@click.option("--x", "x_col", required=True, help="Column of projected x (metres, e.g. SWEREF 99 TM).")
@click.option("--y", "y_col", required=True, help="Column of projected y (metres).")
@click.option("--groups", required=True, help="Comma-separated count columns, e.g. inrikes,utrikes.")
@click.option("--k", "ks", default="200,400,800,1600,3200,6400,12800,25600", show_default=True,
              help="Neighbourhood sizes in persons (comma-separated).")
@click.option("--by", help="Summaries per segment (e.g. kommun): D and isolation of the bespoke neighbourhoods.")
@click.option("--summary", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the per-k (and per-segment) summaries here (CSV, Parquet or JSON).")
@click.option("--workers", type=click.IntRange(min=1), help="Run as Dask tasks: strips with halos on N threads.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the long table unit, k, group, share (default: CSV on stdout).")
def neighbourhoods_command(file, unit, x_col, y_col, groups, ks, by, summary, workers, output):
    """Each location's group shares among its k nearest persons (bespoke neighbourhoods, EquiPop).

    Locations at the same distance are taken together; where they overshoot k, each contributes
    the same fraction of its population; k beyond the total population gives the total shares.

    \b
    Example:
      segreform neighbourhoods grid.csv --unit cell --x x --y y --groups inrikes,utrikes \\
          --k 200,400,800,1600 --by kommun --summary profile.csv -o shares.parquet
    """
    from segreform.cli.measure import _read_table, _where, _write_table  # import cycle with cli.measure
    from segreform.measure import MeasureInputError  # on use (numba loads slowly)
    from segreform.measure.spatial_table import neighbourhood_shares  # on use (numba loads slowly)

    if not file.exists():
        raise InputError(f"{file}: no such file")
    k_values = _numbers(ks, "--k")
    if sorted(set(k_values)) != k_values:
        raise InputError(f"--k must be strictly increasing, got {ks!r}")
    compute = None
    if workers:
        from segreform.scale.neighbourhoods import bespoke_shares_partitioned  # on use (numba loads slowly)

        compute = partial(bespoke_shares_partitioned, partitions=2 * workers)
    try:
        shares, summaries = neighbourhood_shares(_read_table(file, [unit, *_split(by)]), unit, x_col, y_col, _split(groups), k_values,
                                                 by=_split(by) or None, compute=compute)
    except MeasureInputError as exc:
        raise InputError(_where(file, exc)) from None
    _write_table(shares, output)
    if summary is not None:
        _write_table(summaries, summary)
    if output is not None:
        click.echo(f"wrote {len(shares)} rows to {output}", err=True)
