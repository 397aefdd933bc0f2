"""The measurement engine on a Dask cluster: same call, same long table, same numbers.

Two strategies, chosen by ``strategy=`` (``"auto"`` picks for you):

``"sums"`` (point estimates, wide data; any segment size)
    Map-reduce over partitions (see :mod:`segreform.scale.aspatial`): a totals pass, then a
    pass of per-cell sums given the totals. No partition needs a whole segment, so one segment
    of 10 million cells is fine. Area ids are checked for repeats within a segment by hash buckets, one task each.
``"segments"`` (bootstrap and random-allocation draws, long or wide data)
    The rows are hash-partitioned by segment key into buckets, each bucket is restored to the
    input's row order and handed to ``segreform.measure``'s own validation and kernels. Draws
    run as tasks per (bucket, block of draws) on the measure engine's streams
    ``SeedSequence(seed, spawn_key=(stream, segment, block))``, where ``segment`` is the
    segment's position among *all* sorted segment keys and blocks depend only on segment size.
    So every number equals the single-machine ``segreform.measure.indices`` result, whatever
    the number of workers, buckets or partitions, and a task lost with a worker is recomputed
    to the same value.

Both strategies read the table through :mod:`segreform.measure.table`: bad input gets the same
:class:`~segreform.measure.MeasureInputError` with the same message as on one machine, and row numbers
in messages count rows of the whole input (partitions in order).
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from segreform.measure import inference, indices
from segreform.measure.kernels import check_names, check_params, compute_prepared, prepare
from segreform.measure.table import (
    CountsTable,
    MeasureInputError,
    TableSpec,
    check_draws,
    check_keys,
    check_options,
    checked,
    focal_columns,
    long_result,
    options_of,
)
from segreform.scale import aspatial
from segreform.scale.cluster import connect, wait_with_progress
from segreform.scale.partitions import check_unique_ids, number_rows, row_offsets

__all__ = ["run_indices_distributed", "expected_indices_distributed", "read_frame", "STRATEGIES", "OPTIONS"]

STRATEGIES = ("auto", "sums", "segments")
# What the cluster accepts, with the defaults: exactly the options of segreform.measure.indices (one definition).
OPTIONS = options_of(indices)
# On the cluster the draws resample individuals only.
BOOTSTRAP_BY = ("individuals",)
_COMBINE_FAN_IN = 8


def read_frame(path_or_df, text_columns: Sequence[str] = ()):
    """A Dask DataFrame from a Dask or pandas DataFrame, a Parquet file or directory, or CSV file(s).

    ``text_columns`` (ids and segment keys) are read from CSV as text, so ``0114`` stays ``0114`` and
    ``1``, ``01`` and ``1.0`` stay three ids, exactly as on one machine.
    """
    # dask.dataframe is imported on first use: `segreform --help` and the single-machine engine do without it.
    import dask.dataframe as dd  # on use, see above

    if isinstance(path_or_df, dd.DataFrame):
        return path_or_df
    if isinstance(path_or_df, pd.DataFrame):
        return dd.from_pandas(path_or_df, npartitions=max(1, len(path_or_df) // 1_000_000), sort=False)
    if isinstance(path_or_df, (str, Path)):
        path = Path(path_or_df)
        text = str(path_or_df)
        if text.endswith(".csv") or (path.is_dir() and not any(path.glob("*.parquet")) and any(path.glob("*.csv"))):
            return dd.read_csv(str(path / "*.csv") if path.is_dir() else text,
                               dtype={column: str for column in text_columns})
        if path.exists() or any(ch in text for ch in "*?"):
            return dd.read_parquet(text)
        raise MeasureInputError(f"{text}: no such file or directory (expected Parquet or CSV)")
    raise MeasureInputError(
        f"data must be a Dask or pandas DataFrame or a path to Parquet/CSV, got {type(path_or_df).__name__}"
    )


def _options(kwargs: Mapping) -> dict:
    """``indices``' options with the caller's values; ``spec`` holds the table's layout."""
    check_options({k: v for k, v in kwargs.items() if k not in OPTIONS}, list(OPTIONS))
    options = {**OPTIONS, **kwargs}
    if options["bootstrap_by"] not in BOOTSTRAP_BY:
        raise MeasureInputError(
            f"bootstrap_by={options['bootstrap_by']!r} is not available on a cluster; "
            f"choose one of: {', '.join(BOOTSTRAP_BY)} (or use segreform.measure.indices)"
        )
    options["spec"] = TableSpec.of(options["unit"], options["groups"], options["group_col"], options["count_col"],
                                   options["by"])
    return options


def _tree_combine(client, futures: list):
    """Add up partial tables on the cluster, a few at a time."""
    while len(futures) > 1:
        futures = [
            client.submit(aspatial.combine, futures[i : i + _COMBINE_FAN_IN])
            for i in range(0, len(futures), _COMBINE_FAN_IN)
        ]
    return futures[0]


def _first_pass(frame: pd.DataFrame, spec: TableSpec, with_ratios: bool):
    """Check the partition's keys and counts once; its totals and (for Gini) its share table."""
    groups, by = list(spec.groups), list(spec.by)
    check_keys(frame, [spec.unit, *by])
    totals = aspatial.totals_partial(frame, groups, by)
    return totals, aspatial.ratios_partial(frame, groups, by, validated=True) if with_ratios else None


def _run_sums(client, frame, options: dict, names: list[str], params: dict, progress: bool) -> pd.DataFrame:
    spec: TableSpec = options["spec"]
    groups, by = list(spec.groups), list(spec.by)
    if len(groups) < 2:
        raise MeasureInputError(f"need at least two groups, got {groups!r}")
    focal = [groups[k] for k in focal_columns(options["focal"], groups)]
    parts = client.compute(frame.to_delayed())
    offsets = row_offsets(client, parts)
    # Rows labelled by their position in the whole input: errors name the row as indices() does.
    parts = [client.submit(number_rows, part, int(offset)) for part, offset in zip(parts, offsets)]
    check_unique_ids(client, parts, [*by, spec.unit], offsets, progress)
    with_ratios = bool({"gini", "multi_gini"} & set(names))
    first = [client.submit(_first_pass, part, spec, with_ratios) for part in parts]
    wait_with_progress(first, "pass 1 of 2 (totals)", progress)
    try:
        total_table = _tree_combine(client, [client.submit(operator.getitem, f, 0) for f in first])
        sums = [
            client.submit(aspatial.sums_partial, part, groups, total_table, by, params["atkinson_b"], True)
            for part in parts
        ]
        wait_with_progress(sums, "pass 2 of 2 (sums)", progress)
        sum_table = _tree_combine(client, sums)
        ratio_table = _tree_combine(client, [client.submit(operator.getitem, f, 1) for f in first]) if with_ratios else None
        gathered = client.gather([total_table, sum_table] + ([ratio_table] if with_ratios else []))
    except ValueError as exc:
        raise MeasureInputError(str(exc)) from None
    return aspatial.finalize(
        gathered[0], gathered[1], gathered[2] if with_ratios else None, groups, by,
        index=names, focal=focal, atkinson_b=params["atkinson_b"], base=params["base"],
    )


# --- the "segments" strategy: whole segments per bucket, measure's own kernels ----------------


def _split_by_segment(frame: pd.DataFrame, by: list[str], n_buckets: int) -> list[pd.DataFrame]:
    if not by or n_buckets == 1:
        return [frame] + [frame.iloc[0:0]] * (n_buckets - 1)
    bucket = pd.util.hash_pandas_object(frame[by], index=False).to_numpy() % np.uint64(n_buckets)
    return [frame[bucket == b] for b in range(n_buckets)]


def _bucket_table(spec: TableSpec, require_integer: bool, *pieces: pd.DataFrame) -> CountsTable | None:
    frame = pd.concat(pieces).sort_index(kind="stable")
    if frame.empty:
        return None
    return spec.read(frame, require_integer)


def _layout(table: CountsTable | None):
    """Segment keys, and per segment: number of count cells and whether it has residents."""
    if table is None:
        return None
    bounds = np.searchsorted(table.segment_ids, np.arange(table.n_segments + 1))
    cells = np.diff(bounds) * table.counts.shape[1]
    occupied = np.add.reduceat(table.counts.sum(axis=1), bounds[:-1]) > 0 if len(table.counts) else np.zeros(0, bool)
    occupied = np.where(np.diff(bounds) > 0, occupied, False)
    return table.keys, table.groups, cells, occupied


def _estimates(table: CountsTable, names: list[str], params: dict) -> dict[str, np.ndarray]:
    return compute_prepared(prepare(table.counts, table.segment_ids, table.n_segments), names, params)


def _draw_block(
    table: CountsTable, positions: np.ndarray, names: list[str], params: dict,
    draws: int, entropy: int, stream: int, block: int,
) -> dict[int, dict[str, np.ndarray]]:
    """Block ``block`` of the draws of every segment of a bucket (segments with fewer blocks skip it)."""
    make_tables = inference.bootstrap_tables if stream == inference.BOOTSTRAP_STREAM else inference.random_allocation_tables
    bounds = np.searchsorted(table.segment_ids, np.arange(table.n_segments + 1))
    out = {}
    for local in range(table.n_segments):
        part = table.counts[bounds[local] : bounds[local + 1]]
        sizes = inference.block_sizes(part.size, draws)
        if part.sum() == 0 or block >= len(sizes):
            continue
        rng = inference.block_generator(entropy, stream, int(positions[local]), block)
        tables = make_tables(part, sizes[block], rng)
        ids = np.repeat(np.arange(sizes[block]), part.shape[0])
        out[local] = compute_prepared(prepare(tables, ids, sizes[block]), names, params)
    return out


def _summarise(
    estimates: dict[str, np.ndarray], stream: int, ci: float, *blocks: dict[int, dict[str, np.ndarray]]
) -> dict[str, dict[str, np.ndarray]]:
    """Per-segment summary of all blocks of draws, with ``segreform.measure.inference``'s summarisers."""
    bootstrap = stream == inference.BOOTSTRAP_STREAM
    out = inference.empty_summary(estimates, inference.BOOTSTRAP_COLUMNS if bootstrap else inference.NULL_COLUMNS)
    for s in sorted({s for block in blocks for s in block}):
        for name, estimate in estimates.items():
            values = np.concatenate([block[s][name] for block in blocks if s in block])
            if bootstrap:
                inference.summarise_bootstrap(out, name, s, values, estimate[s], ci)
            else:
                inference.summarise_null(out, name, s, values, estimate[s])
    return out


def _global_keys(layouts: list, by: list[str]) -> tuple[pd.DataFrame, list[np.ndarray | None]]:
    """All segment keys in sorted order (as the single-machine engine numbers them) and each bucket's positions."""
    present = [lay for lay in layouts if lay is not None]
    if not by:
        return pd.DataFrame(index=range(1)), [np.zeros(1, dtype=np.int64) if lay else None for lay in layouts]
    keys = pd.concat([lay[0] for lay in present], ignore_index=True)
    keys = keys.sort_values(by, kind="stable").reset_index(drop=True)
    lookup = pd.MultiIndex.from_frame(keys)
    positions = [
        None if lay is None else lookup.get_indexer(pd.MultiIndex.from_frame(lay[0])).astype(np.int64)
        for lay in layouts
    ]
    return keys, positions


def _run_segments(
    client, frame, options: dict, names: list[str], params: dict, draws: int, stream: int | None,
    progress: bool,
) -> pd.DataFrame:
    spec: TableSpec = options["spec"]
    by = list(spec.by)
    parts = client.compute(frame.to_delayed())
    offsets = row_offsets(client, parts)[:-1]
    n_buckets = len(parts) if by else 1
    numbered = [client.submit(number_rows, part, int(offset)) for part, offset in zip(parts, offsets)]
    splits = [client.submit(_split_by_segment, part, by, n_buckets) for part in numbered]
    pieces = [[client.submit(operator.getitem, split, b) for split in splits] for b in range(n_buckets)]
    require_integer = stream is not None
    tables = [client.submit(_bucket_table, spec, require_integer, *pieces[b]) for b in range(n_buckets)]
    layouts_f = [client.submit(_layout, table) for table in tables]
    wait_with_progress(layouts_f, "reading segments", progress)
    try:
        layouts = client.gather(layouts_f)
    except ValueError as exc:
        raise MeasureInputError(str(exc)) from None
    occupied = [lay for lay in layouts if lay is not None]
    if not occupied:
        raise MeasureInputError("data has no rows")
    groups = occupied[0][1]
    focal_positions = focal_columns(options["focal"], groups)
    keys, positions = _global_keys(layouts, by)

    estimates = {b: client.submit(_estimates, tables[b], names, params) for b, lay in enumerate(layouts) if lay}
    summaries = {}
    if stream is not None:
        entropy = inference.seed_entropy(options["seed"])
        for b, lay in enumerate(layouts):
            if lay is None:
                continue
            n_blocks = max(
                (len(inference.block_sizes(int(c), draws)) for c, occ in zip(lay[2], lay[3]) if occ), default=0
            )
            blocks = [
                client.submit(_draw_block, tables[b], positions[b], names, params, draws, entropy, stream, block)
                for block in range(n_blocks)
            ]
            summaries[b] = client.submit(_summarise, estimates[b], stream, options["ci"], *blocks)
    wait_with_progress(list(estimates.values()) + list(summaries.values()), "indices and draws", progress)

    n_segments = len(keys)
    columns_out: dict[str, dict[str, np.ndarray]] = {}
    gathered = client.gather({"estimate": estimates, **({"summary": summaries} if summaries else {})})
    for b, arrays in gathered["estimate"].items():
        _place(columns_out.setdefault("estimate", {}), arrays, positions[b], n_segments)
    for b, summary in gathered.get("summary", {}).items():
        for column, arrays in summary.items():
            _place(columns_out.setdefault(column, {}), arrays, positions[b], n_segments)
    table = CountsTable(np.zeros((0, len(groups))), np.zeros(0, dtype=np.int64), np.zeros(0), keys, groups, by)
    return long_result(table, names, columns_out, focal_positions)


def _place(target: dict[str, np.ndarray], arrays: Mapping[str, np.ndarray], positions: np.ndarray, n: int) -> None:
    for name, values in arrays.items():
        if name not in target:
            target[name] = np.full((n,) + values.shape[1:], np.nan)
        target[name][positions] = values


def _prepare(path_or_df, strategy: str, kwargs: Mapping, draws_requested: bool):
    if strategy not in STRATEGIES:
        raise MeasureInputError(f"strategy must be one of {', '.join(STRATEGIES)}, got {strategy!r}")
    options = _options(kwargs)
    spec: TableSpec = options["spec"]
    names = checked(check_names, options["index"])
    params = checked(check_params, {"atkinson_b": options["atkinson_b"], "base": options["base"]})
    if strategy == "auto":
        strategy = "segments" if (draws_requested or spec.long_form) else "sums"
    if strategy == "sums" and (draws_requested or spec.long_form):
        raise MeasureInputError(
            "strategy='sums' computes point estimates of wide data; use strategy='segments' "
            "for bootstrap or random-allocation draws and for long data"
        )
    id_columns = [spec.unit, *spec.by, *([spec.group_col] if spec.group_col else [])]
    frame = read_frame(path_or_df, text_columns=id_columns)
    frame = frame[list(dict.fromkeys(spec.check_columns(frame)))]
    return frame, options, names, params, strategy


def run_indices_distributed(
    path_or_df,
    *,
    cluster=None,
    workers: int | None = None,
    strategy: str = "auto",
    progress: bool = True,
    **indices_kwargs,
) -> pd.DataFrame:
    """``segreform.measure.indices`` on a Dask cluster, with the same result table.

    Parameters
    ----------
    path_or_df : dask or pandas DataFrame, or path
        The areas table: a Dask DataFrame, a path to (partitioned) Parquet, or CSV file(s).
    cluster : str or distributed.Client, optional
        Scheduler address ``"tcp://HOST:PORT"`` or a client. Without it (and without
        ``workers``) the current default client is used.
    workers : int, optional
        Start a local cluster of this many processes (one thread each, loopback only) for the call.
    strategy : {"auto", "sums", "segments"}
        See the module docstring. ``"auto"``: ``"sums"`` for point estimates of wide data,
        ``"segments"`` with ``bootstrap`` or long data.
    progress : bool
        Show progress bars while the cluster works.
    **indices_kwargs
        Exactly the parameters of :func:`segreform.measure.indices` (``unit``, ``groups``,
        ``group_col``, ``count_col``, ``by``, ``focal``, ``index``, ``atkinson_b``, ``base``,
        ``bootstrap``, ``seed``, ``ci``; ``n_jobs`` is accepted and ignored: the cluster's
        workers do the parallel work).

    Returns
    -------
    pandas.DataFrame
        The same long table as ``segreform.measure.indices``, rows in the same order.
    """
    bootstrap = check_draws(indices_kwargs.get("bootstrap", 0))
    frame, options, names, params, strategy = _prepare(path_or_df, strategy, indices_kwargs, bootstrap > 0)
    with connect(cluster, workers) as client:
        if strategy == "sums":
            return _run_sums(client, frame, options, names, params, progress)
        stream = inference.BOOTSTRAP_STREAM if bootstrap else None
        return _run_segments(client, frame, options, names, params, bootstrap, stream, progress)


def expected_indices_distributed(
    path_or_df,
    *,
    cluster=None,
    workers: int | None = None,
    draws: int = 200,
    progress: bool = True,
    **indices_kwargs,
) -> pd.DataFrame:
    """``segreform.measure.expected_indices`` (random allocation) on a Dask cluster, same numbers.

    Parameters as :func:`run_indices_distributed` (without ``bootstrap``/``ci``), plus ``draws``.
    """
    draws = check_draws(draws, "draws", minimum=1)
    if "bootstrap" in indices_kwargs or "ci" in indices_kwargs:
        raise MeasureInputError("expected_indices_distributed takes draws=, not bootstrap= or ci=")
    frame, options, names, params, _ = _prepare(path_or_df, "segments", indices_kwargs, True)
    with connect(cluster, workers) as client:
        return _run_segments(client, frame, options, names, params, draws, inference.NULL_STREAM, progress)
