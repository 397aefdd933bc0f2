"""segreform.scale: the same measurements and evaluations on a Dask cluster, and grid-scale test data.

Import cost matters for the CLI, so the Dask-using functions load their modules on first use.
"""

from __future__ import annotations

__all__ = [
    "run_indices_distributed",
    "expected_indices_distributed",
    "SyntheticSpec",
    "synthetic_population",
    "synthetic_dask",
    "write_synthetic_parquet",
]


def run_indices_distributed(path_or_df, *, cluster=None, workers=None, **indices_kwargs):
    """``segreform.measure.indices`` on a Dask cluster; see :mod:`segreform.scale.dask_backend`."""
    from segreform.scale.dask_backend import run_indices_distributed as run  # on use: loads Dask (see above)

    return run(path_or_df, cluster=cluster, workers=workers, **indices_kwargs)


def expected_indices_distributed(path_or_df, *, cluster=None, workers=None, **kwargs):
    """``segreform.measure.expected_indices`` on a Dask cluster; see :mod:`segreform.scale.dask_backend`."""
    from segreform.scale.dask_backend import expected_indices_distributed as run  # on use: loads Dask (see above)

    return run(path_or_df, cluster=cluster, workers=workers, **kwargs)


def __getattr__(name: str):
    if name in {"SyntheticSpec", "synthetic_population", "synthetic_dask", "write_synthetic_parquet"}:
        from segreform.scale import synthetic  # on use: keeps `import segreform.scale` light

        return getattr(synthetic, name)
    raise AttributeError(f"module 'segreform.scale' has no attribute {name!r}")
