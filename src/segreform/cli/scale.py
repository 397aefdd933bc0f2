"""CLI commands for the scale job: ``segreform synth-population`` (``segreform indices --cluster`` lives in cli/measure.py).

Imports inside commands: see :mod:`segreform.cli` (start-up cost of ``segreform --help``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from segreform.cli.app import InputError, main
from segreform.scale.synthetic import SyntheticSpec, write_synthetic_parquet


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
