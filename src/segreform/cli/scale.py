"""CLI commands for the scale job: ``segreform synth-population`` and ``segreform scale-indices``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from segreform.cli.app import InputError, main
from segreform.cli.measure import _split, _write_table


@main.command("synth-population")
@click.argument("n_cells", type=click.IntRange(min=1))
@click.option("--groups", "n_groups", type=click.IntRange(min=2), default=4, show_default=True, help="Number of groups K.")
@click.option("--segregation", type=click.FloatRange(0.0, 1.0, max_open=True), default=0.3, show_default=True,
              help="Knob S in [0, 1): expected between-cluster share of variance of group shares (0 none, towards 1 complete).")
@click.option("--seed", type=click.IntRange(min=0), required=True, help="Seed of every random stream.")
@click.option("--regions", "n_regions", type=click.IntRange(min=1), default=1, show_default=True, help="Horizontal bands written to the 'region' column (segments).")
@click.option("--cluster-side", type=click.IntRange(min=1), default=10, show_default=True, help="Side of a square cluster of cells.")
@click.option("--mean-population", type=click.FloatRange(min=1.0), default=50.0, show_default=True, help="Mean residents per cell.")
@click.option("--rows-per-partition", type=click.IntRange(min=1), default=1_000_000, show_default=True, help="Cells per Parquet file.")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True, help="New (or empty) directory for the Parquet files.")
def synth_population_command(n_cells, n_groups, segregation, seed, n_regions, cluster_side, mean_population,
                             rows_per_partition, output):
    """Write a seeded synthetic population of N_CELLS grid cells as partitioned Parquet.

    Columns: cell, x, y, region, cluster, group_1 … group_K. The same options always give the
    same data (see docs/scale.md for the model).

    \b
    Example:
      segreform synth-population 10000000 --groups 4 --segregation 0.3 --seed 1 -o grid10m
    """
    from segreform.scale.synthetic import SyntheticSpec, write_synthetic_parquet

    try:
        spec = SyntheticSpec(
            n_cells=n_cells, n_groups=n_groups, segregation=segregation, seed=seed, cluster_side=cluster_side,
            mean_population=mean_population, n_regions=n_regions,
        )
        paths = write_synthetic_parquet(spec, output, rows_per_partition=rows_per_partition,
                                        progress=sys.stderr.isatty())
    except (ValueError, FileExistsError) as exc:
        raise InputError(str(exc)) from None
    except OSError as exc:
        raise InputError(f"{output}: cannot write ({exc.strerror})") from None
    click.echo(f"wrote {n_cells} cells in {len(paths)} Parquet files to {output}", err=True)


@main.command("scale-indices")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--cluster", help="Dask scheduler address, tcp://HOST:PORT.")
@click.option("--workers", type=click.IntRange(min=1), help="Start a local Dask cluster of N worker processes instead.")
@click.option("--strategy", type=click.Choice(["auto", "sums", "segments"]), default="auto", show_default=True,
              help="sums: map-reduce, any segment size; segments: whole segments per task (needed for draws).")
@click.option("--unit", required=True, help="Column with area ids.")
@click.option("--groups", help="Comma-separated count columns (wide data).")
@click.option("--group-col", help="Long data: column with group labels (use with --count-col).")
@click.option("--count-col", help="Long data: column with counts.")
@click.option("--by", help="Comma-separated segment columns.")
@click.option("--focal", help="Comma-separated focal groups for two-group indices (default: every group).")
@click.option("--index", "index_names", default="all", show_default=True, help="Comma-separated index names, or 'all'.")
@click.option("--atkinson-b", type=float, default=0.5, show_default=True, help="Atkinson shape parameter, 0 < b < 1.")
@click.option("--base", type=float, default=2.0, show_default=True, help="Log base for mutual information and diversity.")
@click.option("--bootstrap", type=click.IntRange(min=0), default=0, show_default=True, help="Bootstrap draws (adds se, ci_low, ci_high, bias_corrected).")
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Seed for bootstrap draws.")
@click.option("--ci", type=float, default=0.95, show_default=True, help="Level of the bootstrap interval.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write OUT.csv, OUT.parquet or OUT.json (default: CSV on stdout).")
def scale_indices_command(source, cluster, workers, strategy, unit, groups, group_col, count_col, by, focal,
                          index_names, atkinson_b, base, bootstrap, seed, ci, output):
    """Compute segregation indices of SOURCE (Parquet file or directory, or CSV) on a Dask cluster.

    The result equals that of `segreform indices` on the same data.

    \b
    Example:
      segreform scale-indices grid10m --workers 4 --unit cell --groups group_1,group_2,group_3,group_4
      segreform scale-indices grid10m --cluster tcp://10.0.0.5:8786 --unit cell \\
          --groups group_1,group_2 --by region --bootstrap 200 --seed 1 -o out.parquet
    """
    from segreform.measure import MeasureInputError
    from segreform.scale import run_indices_distributed

    if not cluster and not workers:
        raise InputError("say where to run: --cluster tcp://HOST:PORT or --workers N")
    try:
        result = run_indices_distributed(
            source, cluster=cluster, workers=workers, strategy=strategy, progress=sys.stderr.isatty(),
            unit=unit, groups=_split(groups) or None, group_col=group_col, count_col=count_col,
            by=_split(by) or None, focal=_split(focal) or None,
            index="all" if index_names.strip() == "all" else _split(index_names),
            atkinson_b=atkinson_b, base=base, bootstrap=bootstrap, seed=seed, ci=ci,
        )
    except MeasureInputError as exc:
        raise InputError(f"{source}: {exc}") from None
    except ValueError as exc:  # cluster address or connection problems
        raise InputError(str(exc)) from None
    _write_table(result, output)
    if output is not None:
        click.echo(f"wrote {len(result)} rows to {output}", err=True)
