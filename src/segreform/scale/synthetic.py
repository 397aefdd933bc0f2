"""A seeded synthetic population for grid-scale benchmarks: N cells, K groups, a segregation knob.

The model
---------
Cells lie row by row on a square grid of width ``W = ceil(sqrt(N))``. The grid is cut into square
*clusters* of ``cluster_side × cluster_side`` cells (neighbourhoods). Each cluster ``c`` draws its
group shares

    p_c ~ Dirichlet(alpha · g),   alpha = 1 / S - 1,

where ``g`` are the global group shares and ``S`` in ``[0, 1)`` is the *segregation* knob. With
this choice ``Var(p_ck) = g_k (1 - g_k) · S``: ``S`` is the expected share of the variance of a
group's proportion that lies *between* clusters, i.e. the expected correlation ratio (eta²) at the
cluster level. ``S = 0`` gives every cluster the global shares (only binomial noise remains);
``S → 1`` gives clusters of a single group (complete segregation).

Each cell has ``1 + Poisson(mean_population - 1)`` residents (no empty cells, as in SCB's grid of
populated squares), and its group counts are a multinomial draw with its cluster's shares
(drawn as a chain of conditional binomials). ``n_regions`` horizontal bands of the grid give a
segment key (``region``) for by-segment work.

Reproducibility
---------------
The cells are generated in fixed blocks of ``CELL_BLOCK`` cells, each from its own random stream
``stream(seed, 0, block)``; cluster shares come in fixed chunks of ``CLUSTER_CHUNK`` clusters from
``stream(seed, 1, chunk)``. The data therefore depend only on the specification (N, K, S, seed,
shares, cluster side, mean population, regions), never on the partition size or the number of
workers that write it.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from segreform.scale.random_streams import generator

__all__ = [
    "CELL_BLOCK",
    "CLUSTER_CHUNK",
    "SyntheticSpec",
    "group_columns",
    "generate_cells",
    "synthetic_population",
    "synthetic_dask",
    "write_synthetic_parquet",
    "read_spec",
]

CELL_BLOCK = 4096
CLUSTER_CHUNK = 1024
SPEC_FILE = "_synthetic.json"  # a leading "_" keeps Parquet readers from taking it for data
_CELL_STREAM = 0
_CLUSTER_STREAM = 1


def default_shares(n_groups: int) -> np.ndarray:
    """Global shares halving from group to group (a large majority and ever smaller minorities)."""
    weights = 0.5 ** np.arange(n_groups, dtype=float)
    return weights / weights.sum()


@dataclass(frozen=True)
class SyntheticSpec:
    """Everything that determines a synthetic population.

    Parameters
    ----------
    n_cells : int
        Number of grid cells (rows), at least 1.
    n_groups : int
        Number of population groups K, at least 2.
    segregation : float
        The knob S in ``[0, 1)``: the expected between-cluster share of variance of group shares.
    seed : int
        Non-negative seed of every random stream.
    shares : tuple of float, optional
        Global group shares (positive, summing to 1); default halves from group to group.
    cluster_side : int
        Side of a square cluster in cells (default 10: 100 cells per cluster).
    mean_population : float
        Mean residents per cell, at least 1 (default 50).
    n_regions : int
        Number of horizontal bands, written to the ``region`` column (default 1).
    """

    n_cells: int
    n_groups: int
    segregation: float
    seed: int
    shares: tuple[float, ...] | None = None
    cluster_side: int = 10
    mean_population: float = 50.0
    n_regions: int = 1
    width: int = field(init=False)

    def __post_init__(self) -> None:
        _check_int("n_cells", self.n_cells, 1)
        _check_int("n_groups", self.n_groups, 2)
        _check_int("seed", self.seed, 0)
        _check_int("cluster_side", self.cluster_side, 1)
        _check_int("n_regions", self.n_regions, 1)
        if not (0.0 <= float(self.segregation) < 1.0):
            raise ValueError(
                f"segregation must be in [0, 1) (0 = none, towards 1 = complete), got {self.segregation}"
            )
        if not (float(self.mean_population) >= 1.0):
            raise ValueError(f"mean_population must be at least 1, got {self.mean_population}")
        if self.shares is not None:
            shares = np.asarray(self.shares, dtype=float)
            if shares.shape != (self.n_groups,):
                raise ValueError(
                    f"shares must have one entry per group ({self.n_groups}), got {len(shares)}"
                )
            if not np.all(shares > 0) or not math.isclose(shares.sum(), 1.0, abs_tol=1e-9):
                raise ValueError(f"shares must be positive and sum to 1, got {tuple(self.shares)}")
            object.__setattr__(self, "shares", tuple(float(s) for s in shares))
        object.__setattr__(self, "width", math.isqrt(self.n_cells - 1) + 1)

    @property
    def global_shares(self) -> np.ndarray:
        """The global group shares g."""
        return np.asarray(self.shares) if self.shares is not None else default_shares(self.n_groups)

    @property
    def height(self) -> int:
        """Number of grid rows."""
        return -(-self.n_cells // self.width)

    @property
    def clusters_per_row(self) -> int:
        """Number of clusters across the grid."""
        return -(-self.width // self.cluster_side)

    def to_json(self) -> str:
        """The specification as JSON (what ``read_spec`` reads back)."""
        data = asdict(self)
        data.pop("width")
        return json.dumps(data, indent=2)


def _check_int(name: str, value, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer of at least {minimum}, got {value!r}")


def group_columns(n_groups: int) -> list[str]:
    """Names of the count columns: ``group_1`` … ``group_K``."""
    return [f"group_{k + 1}" for k in range(n_groups)]


def _cluster_shares(spec: SyntheticSpec, chunk: int) -> np.ndarray:
    """Shares of the clusters ``chunk * CLUSTER_CHUNK`` … (one row per cluster)."""
    g = spec.global_shares
    if spec.segregation == 0.0:
        return np.broadcast_to(g, (CLUSTER_CHUNK, spec.n_groups))
    alpha = 1.0 / spec.segregation - 1.0
    rng = generator(spec.seed, _CLUSTER_STREAM, chunk)
    return rng.dirichlet(alpha * g, size=CLUSTER_CHUNK)


def _block(spec: SyntheticSpec, block: int, chunk_cache: dict[int, np.ndarray]) -> pd.DataFrame:
    start = block * CELL_BLOCK
    stop = min(start + CELL_BLOCK, spec.n_cells)
    cell = np.arange(start, stop, dtype=np.int64)
    x = cell % spec.width
    y = cell // spec.width
    cluster = (y // spec.cluster_side) * spec.clusters_per_row + x // spec.cluster_side
    shares = np.empty((cell.size, spec.n_groups))
    chunks = cluster // CLUSTER_CHUNK
    for chunk in np.unique(chunks):
        if chunk not in chunk_cache:
            chunk_cache.clear()  # blocks advance row by row: old chunks are not needed again soon
            chunk_cache[chunk] = _cluster_shares(spec, int(chunk))
        rows = chunks == chunk
        shares[rows] = chunk_cache[chunk][cluster[rows] % CLUSTER_CHUNK]

    rng = generator(spec.seed, _CELL_STREAM, block)
    remaining = 1 + rng.poisson(spec.mean_population - 1.0, size=cell.size)
    counts = np.empty((cell.size, spec.n_groups), dtype=np.int64)
    left_share = np.ones(cell.size)
    for k in range(spec.n_groups - 1):
        # conditional binomials: group k takes its share of what groups k+1.. have not yet taken
        q = np.clip(np.divide(shares[:, k], left_share, out=np.zeros(cell.size), where=left_share > 0), 0, 1)
        counts[:, k] = rng.binomial(remaining, q)
        remaining = remaining - counts[:, k]
        left_share = left_share - shares[:, k]
    counts[:, -1] = remaining

    frame = pd.DataFrame(
        {
            "cell": cell,
            "x": x.astype(np.int32),
            "y": y.astype(np.int32),
            "region": (y * spec.n_regions // spec.height).astype(np.int32),
            "cluster": cluster,
        }
    )
    for k, name in enumerate(group_columns(spec.n_groups)):
        frame[name] = counts[:, k]
    return frame


def generate_cells(spec: SyntheticSpec, start: int, stop: int) -> pd.DataFrame:
    """Rows ``start`` to ``stop`` (exclusive) of the population, identical however the range is cut.

    Columns: ``cell`` (id), ``x``, ``y`` (grid position), ``region`` (band), ``cluster`` and the
    integer counts ``group_1`` … ``group_K``.
    """
    if not (0 <= start <= stop <= spec.n_cells):
        raise ValueError(f"need 0 <= start <= stop <= {spec.n_cells}, got {start}, {stop}")
    cache: dict[int, np.ndarray] = {}
    parts = [
        _block(spec, block, cache)
        for block in range(start // CELL_BLOCK, -(-stop // CELL_BLOCK))
    ]
    if not parts:
        return _block(spec, 0, cache).iloc[0:0]
    frame = pd.concat(parts, ignore_index=True)
    offset = (start // CELL_BLOCK) * CELL_BLOCK
    return frame.iloc[start - offset : stop - offset].reset_index(drop=True)


def synthetic_population(spec: SyntheticSpec) -> pd.DataFrame:
    """The whole population in memory (for tests and single-machine baselines)."""
    return generate_cells(spec, 0, spec.n_cells)


def _partition_ranges(spec: SyntheticSpec, rows_per_partition: int) -> list[tuple[int, int]]:
    _check_int("rows_per_partition", rows_per_partition, 1)
    return [(a, min(a + rows_per_partition, spec.n_cells)) for a in range(0, spec.n_cells, rows_per_partition)]


def synthetic_dask(spec: SyntheticSpec, rows_per_partition: int = 1_000_000):
    """The population as a lazy Dask DataFrame: each partition is generated where it is computed."""
    import dask.dataframe as dd  # on use: Dask takes seconds to load and the in-memory generator needs none of it

    ranges = _partition_ranges(spec, rows_per_partition)
    meta = generate_cells(spec, 0, 0)
    return dd.from_map(
        lambda bounds: generate_cells(spec, *bounds),
        ranges,
        meta=meta,
        enforce_metadata=False,
    )


def write_synthetic_parquet(
    spec: SyntheticSpec,
    directory: str | Path,
    *,
    rows_per_partition: int = 1_000_000,
    progress: bool = True,
) -> list[Path]:
    """Write the population as partitioned Parquet (``part-00000.parquet`` …) plus ``_synthetic.json``.

    Refuses a directory that already holds files, so no earlier data set is overwritten.
    Returns the paths of the written parts.
    """
    # pyarrow on use (a heavy optional writer); tqdm with it, as everything else here runs without a bar.
    import pyarrow as pa  # on use, see above
    import pyarrow.parquet as pq  # on use, see above
    from tqdm.auto import tqdm  # on use, see above

    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise FileExistsError(
            f"{directory} is not empty; choose a new directory (segreform never overwrites data)"
        )
    ranges = _partition_ranges(spec, rows_per_partition)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    with tqdm(total=spec.n_cells, unit="cells", desc="synthetic population", disable=not progress) as bar:
        for index, (start, stop) in enumerate(ranges):
            path = directory / f"part-{index:05d}.parquet"
            table = pa.Table.from_pandas(generate_cells(spec, start, stop), preserve_index=False)
            pq.write_table(table, path)
            paths.append(path)
            bar.update(stop - start)
    (directory / SPEC_FILE).write_text(spec.to_json() + "\n", encoding="utf-8")
    return paths


def read_spec(directory: str | Path) -> SyntheticSpec:
    """The specification stored beside a written population."""
    data = json.loads((Path(directory) / SPEC_FILE).read_text(encoding="utf-8"))
    if data.get("shares") is not None:
        data["shares"] = tuple(data["shares"])
    return SyntheticSpec(**data)
