"""Uncertainty for segment indices: bootstrap, expectation under random allocation, two-segment tests.

Reproducibility across workers
------------------------------
Draws are made in blocks. Block ``b`` of segment ``s`` (``s`` = position of the segment in the
sorted segment keys) always uses the generator
``Generator(PCG64(SeedSequence(entropy=seed, spawn_key=(stream, s, b))))``, and the block size
depends only on the segment's size, never on the number of workers. Any worker (a thread here,
a Dask task elsewhere) can therefore compute any block, and the same seed gives the same numbers
whatever ``n_jobs`` is. ``stream`` separates bootstrap (0), null (1), comparison draws (2, 3) and
the area bootstrap (4).

Two bootstraps
--------------
``individuals`` (the default) resamples residents: each draw is a multinomial table with the
observed cell shares, the sampling model behind register counts. ``areas`` resamples whole areas
with replacement (what PySAL's ``null_approach="bootstrap"`` does), a cluster bootstrap that
treats the areas as a sample of possible neighbourhoods.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, Mapping

import numpy as np
from scipy.special import gammaln
from tqdm.auto import tqdm

from segreform.measure.area_bootstrap import AreaResampler, draw_area_picks
from segreform.measure.kernels import compute_prepared, prepare

BOOTSTRAP_STREAM = 0
NULL_STREAM = 1
AREA_BOOTSTRAP_STREAM = 4
BOOTSTRAP_UNITS = ("individuals", "areas")
CELLS_PER_BLOCK = 2_000_000
MAX_BLOCK_DRAWS = 100


def seed_entropy(seed) -> int:
    """Turn ``seed`` (None, int, SeedSequence or Generator) into the entropy all block generators derive from.

    A Generator is asked for one 63-bit integer, so the same Generator state gives the same draws.
    """
    if isinstance(seed, np.random.SeedSequence):
        return seed.entropy
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**63))
    if seed is None:
        return np.random.SeedSequence().entropy
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0:
        return int(seed)
    raise ValueError(f"seed must be a non-negative integer, a numpy SeedSequence or Generator, or None, got {seed!r}")


def block_generator(entropy: int, stream: int, segment: int, block: int) -> np.random.Generator:
    """The generator of one block of draws (see the module docstring)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy, spawn_key=(stream, segment, block))))


def block_sizes(n_cells: int, draws: int) -> list[int]:
    """Split ``draws`` into blocks whose size depends only on the segment size."""
    size = max(1, min(MAX_BLOCK_DRAWS, CELLS_PER_BLOCK // max(n_cells, 1)))
    return [min(size, draws - start) for start in range(0, draws, size)]


def bootstrap_tables(counts: np.ndarray, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """Resample the segment's individuals: ``n_draws`` multinomial tables with the observed cell shares.

    Returns ``(n_draws * n_units, n_groups)``: draw d occupies rows ``d*n_units:(d+1)*n_units``.
    """
    total = int(round(counts.sum()))
    cells = counts.ravel() / counts.sum()
    return rng.multinomial(total, cells, size=n_draws).reshape(n_draws * counts.shape[0], counts.shape[1]).astype(np.float64)


def area_bootstrap_tables(counts: np.ndarray, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """Resample the segment's areas with replacement: ``n_draws`` tables of as many areas as observed.

    The reference for the area bootstrap; :class:`segreform.measure.area_bootstrap.AreaResampler`
    computes the indices of the same draws without building these tables.
    """
    picks = draw_area_picks(counts.shape[0], n_draws, rng)
    return counts[picks].astype(np.float64, copy=False)


def random_allocation_tables(counts: np.ndarray, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """Random allocation: every unit keeps its size, each resident's group is drawn with the segment's shares."""
    unit_totals = np.round(counts.sum(axis=1)).astype(np.int64)
    shares = counts.sum(axis=0) / counts.sum()
    drawn = rng.multinomial(unit_totals, shares, size=(n_draws, counts.shape[0]))
    return drawn.reshape(n_draws * counts.shape[0], counts.shape[1]).astype(np.float64)


BlockComputer = Callable[[int, np.random.Generator], dict[str, np.ndarray]]


def table_block_computer(
    counts: np.ndarray,
    names: list[str],
    params: Mapping[str, float],
    make_tables: Callable[[np.ndarray, int, np.random.Generator], np.ndarray],
) -> BlockComputer:
    """Blocks computed by the generic kernels on tables from ``make_tables`` (one segment per draw)."""

    def compute_block(n_draws: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        tables = make_tables(counts, n_draws, rng)
        ids = np.repeat(np.arange(n_draws), counts.shape[0])
        return compute_prepared(prepare(tables, ids, n_draws), names, params)

    return compute_block


def block_computer(stream: int, counts: np.ndarray, names: list[str], params: Mapping[str, float]) -> BlockComputer:
    """How a block of ``stream`` draws is computed for one segment.

    The area bootstrap takes the fast path of :mod:`segreform.measure.area_bootstrap` (same picks,
    same numbers, no resampled table); the other streams resample tables.
    """
    if stream == AREA_BOOTSTRAP_STREAM:
        return AreaResampler(counts, names, params).block
    make_tables = {BOOTSTRAP_STREAM: bootstrap_tables, NULL_STREAM: random_allocation_tables}[stream]
    return table_block_computer(counts, names, params, make_tables)


def _draw_segment(
    counts: np.ndarray,
    draws: int,
    names: list[str],
    compute_block: BlockComputer,
    generator_for_block: Callable[[int], np.random.Generator],
    pool: ThreadPoolExecutor | None,
) -> dict[str, np.ndarray]:
    """All draws of one segment: name -> ``(draws,)`` or ``(draws, n_groups)``."""
    sizes = block_sizes(counts.size, draws)

    def run_block(block: int) -> dict[str, np.ndarray]:
        return compute_block(sizes[block], generator_for_block(block))

    blocks = list(pool.map(run_block, range(len(sizes)))) if pool else [run_block(b) for b in range(len(sizes))]
    return {name: np.concatenate([blk[name] for blk in blocks]) for name in names}


def simulate_segments(
    counts: np.ndarray,
    segment_ids: np.ndarray,
    n_segments: int,
    names: Iterable[str],
    params: Mapping[str, float],
    draws: int,
    seed,
    stream: int,
    summarise: Callable[[int, dict[str, np.ndarray]], None],
    n_jobs: int = 1,
    progress: bool = False,
) -> None:
    """Run ``draws`` simulated tables per segment and hand each segment's draws to ``summarise``.

    ``stream`` picks bootstrap (:data:`BOOTSTRAP_STREAM`), random allocation
    (:data:`NULL_STREAM`) or the area bootstrap (:data:`AREA_BOOTSTRAP_STREAM`). Draws are summarised segment by segment so memory stays proportional
    to one segment, not to segments x draws.
    """
    if not isinstance(draws, (int, np.integer)) or draws < 1:
        raise ValueError(f"number of draws must be a positive integer, got {draws!r}")
    if not isinstance(n_jobs, (int, np.integer)) or n_jobs < 1:
        raise ValueError(f"n_jobs must be a positive integer, got {n_jobs!r}")
    names = list(names)
    entropy = seed_entropy(seed)
    if stream not in (BOOTSTRAP_STREAM, NULL_STREAM, AREA_BOOTSTRAP_STREAM):
        raise ValueError(f"unknown stream {stream!r}")
    bounds = np.searchsorted(segment_ids, np.arange(n_segments + 1))
    pool = ThreadPoolExecutor(n_jobs) if n_jobs > 1 else None
    try:
        for s in tqdm(range(n_segments), disable=not progress, desc="draws per segment", unit="segment"):
            part = counts[bounds[s] : bounds[s + 1]]
            if part.sum() == 0:
                continue
            results = _draw_segment(
                part, int(draws), names, block_computer(stream, part, names, params),
                lambda block, s=s: block_generator(entropy, stream, s, block), pool,
            )
            summarise(s, results)
    finally:
        if pool:
            pool.shutdown()


def focal_pair(counts, estimates, names, focal_columns, two_group_names):
    """``(pair_counts, pair_estimates)`` when one focal group and only two-group indices are asked, else None.

    Merging multinomial cells gives the multinomial of the merged cells, so resampling each area's
    (focal, rest) pair is the same bootstrap for these indices at a fraction of the cost. Backends
    that must reproduce :func:`segreform.measure.indices` draw for draw (``segreform.scale``) call
    this and :func:`expand_focal_pair` the same way.
    """
    if len(focal_columns) != 1 or not all(n in two_group_names for n in names):
        return None
    k = focal_columns[0]
    pair_counts = np.column_stack([counts[:, k], counts.sum(axis=1) - counts[:, k]])
    return pair_counts, {n: np.repeat(v[:, [k]], 2, axis=1) for n, v in estimates.items()}


def expand_focal_pair(summary, estimates, focal_column: int):
    """Put column 0 of summaries computed on (focal, rest) pairs back in the focal group's column."""
    expanded = {}
    for column, arrays in summary.items():
        expanded[column] = {}
        for name, values in arrays.items():
            full = np.full_like(estimates[name], np.nan, dtype=float)
            full[:, focal_column] = values[:, 0]
            expanded[column][name] = full
    return expanded


BOOTSTRAP_COLUMNS = ("se", "ci_low", "ci_high", "bias_corrected")
NULL_COLUMNS = ("expected", "null_sd", "p_value")


def empty_summary(estimates: Mapping[str, np.ndarray], columns) -> dict[str, dict[str, np.ndarray]]:
    """column -> name -> NaN array shaped like ``estimates[name]``, to be filled segment by segment."""
    return {c: {n: np.full_like(v, np.nan, dtype=float) for n, v in estimates.items()} for c in columns}


def summarise_bootstrap(out, name: str, segment: int, values: np.ndarray, estimate, ci: float) -> None:
    """Fill segment ``segment`` of ``out`` from its bootstrap draws ``values`` (draws first).

    ``se`` is the standard deviation of the draws, ``ci_low``/``ci_high`` the percentile interval at
    level ``ci``, ``bias_corrected`` = ``2 * estimate - mean of draws`` (as in Elbers 2023).
    """
    with np.errstate(invalid="ignore"):
        if np.isnan(values).all():
            return
        alpha = (1 - ci) / 2
        out["se"][name][segment] = np.nanstd(values, axis=0, ddof=1)
        out["ci_low"][name][segment] = np.nanquantile(values, alpha, axis=0)
        out["ci_high"][name][segment] = np.nanquantile(values, 1 - alpha, axis=0)
        out["bias_corrected"][name][segment] = 2 * estimate - np.nanmean(values, axis=0)


def summarise_null(out, name: str, segment: int, values: np.ndarray, estimate) -> None:
    """Fill segment ``segment`` of ``out`` from draws under random allocation.

    ``p_value`` = ``(1 + #{draws >= estimate}) / (draws + 1)``, never 0 (Davison & Hinkley 1997, eq. 4.11).
    """
    with np.errstate(invalid="ignore"):
        out["expected"][name][segment] = np.nanmean(values, axis=0)
        out["null_sd"][name][segment] = np.nanstd(values, axis=0, ddof=1)
        exceed = (values >= estimate - 1e-12 * np.abs(estimate)).sum(axis=0)
        p = (1 + exceed) / (len(values) + 1)
        out["p_value"][name][segment] = np.where(np.isnan(estimate), np.nan, p)


def bootstrap_summary(
    estimates: Mapping[str, np.ndarray],
    counts: np.ndarray,
    segment_ids: np.ndarray,
    n_segments: int,
    params: Mapping[str, float],
    draws: int,
    seed,
    ci: float = 0.95,
    n_jobs: int = 1,
    progress: bool = False,
    resample: str = "individuals",
) -> dict[str, dict[str, np.ndarray]]:
    """Bootstrap every index in ``estimates`` by resampling individuals (default) or areas.

    Returns column -> name -> array shaped like ``estimates[name]``, for the columns ``se``
    (standard deviation of the draws), ``ci_low``/``ci_high`` (percentile interval at level
    ``ci``) and ``bias_corrected`` (``2 * estimate - mean of draws``, as in Elbers 2023).
    """
    if not 0 < ci < 1:
        raise ValueError(f"ci must be between 0 and 1 (e.g. 0.95), got {ci!r}")
    if resample not in BOOTSTRAP_UNITS:
        raise ValueError(f"bootstrap_by must be one of {', '.join(BOOTSTRAP_UNITS)}, got {resample!r}")
    stream = BOOTSTRAP_STREAM if resample == "individuals" else AREA_BOOTSTRAP_STREAM
    out = empty_summary(estimates, BOOTSTRAP_COLUMNS)

    def summarise(s: int, results: dict[str, np.ndarray]) -> None:
        for name, values in results.items():
            summarise_bootstrap(out, name, s, values, estimates[name][s], ci)

    simulate_segments(counts, segment_ids, n_segments, estimates.keys(), params, draws, seed,
                      stream, summarise, n_jobs, progress)
    return out


def null_summary(
    estimates: Mapping[str, np.ndarray],
    counts: np.ndarray,
    segment_ids: np.ndarray,
    n_segments: int,
    params: Mapping[str, float],
    draws: int,
    seed,
    n_jobs: int = 1,
    progress: bool = False,
) -> dict[str, dict[str, np.ndarray]]:
    """Expected index under random allocation, its spread, and a one-sided p-value.

    Columns: ``expected`` (mean of the draws), ``null_sd``, and ``p_value`` =
    ``(1 + #{draws >= estimate}) / (draws + 1)``, never 0 (Davison & Hinkley 1997, eq. 4.11).
    """
    out = empty_summary(estimates, NULL_COLUMNS)

    def summarise(s: int, results: dict[str, np.ndarray]) -> None:
        for name, values in results.items():
            summarise_null(out, name, s, values, estimates[name][s])

    simulate_segments(counts, segment_ids, n_segments, estimates.keys(), params, draws, seed,
                      NULL_STREAM, summarise, n_jobs, progress)
    return out


def difference_test(
    first: np.ndarray,
    second: np.ndarray,
    names: list[str],
    params: Mapping[str, float],
    draws: int,
    seed,
    ci: float = 0.95,
    n_jobs: int = 1,
) -> dict[str, dict[str, np.ndarray]]:
    """Compare one index between two segments (counts tables ``first`` and ``second``).

    Both tables are bootstrapped independently; the difference ``second - first`` gets a
    standard error, a percentile interval and a two-sided p-value for "no difference",
    ``(1 + #{|d* - d| >= |d|}) / (draws + 1)`` with d* the bootstrap differences (the shift
    method of Davison & Hinkley 1997, section 4.4): never 0.
    """
    if not 0 < ci < 1:
        raise ValueError(f"ci must be between 0 and 1 (e.g. 0.95), got {ci!r}")
    entropy = seed_entropy(seed)
    estimates, replicates = [], []
    pool = ThreadPoolExecutor(n_jobs) if n_jobs > 1 else None
    try:
        for stream, table in ((2, first), (3, second)):
            estimates.append(compute_prepared(prepare(table), names, params))
            replicates.append(_draw_segment(
                table, draws, names, table_block_computer(table, names, params, bootstrap_tables),
                lambda block, stream=stream: block_generator(entropy, stream, 0, block), pool,
            ))
    finally:
        if pool:
            pool.shutdown()
    alpha = (1 - ci) / 2
    out: dict[str, dict[str, np.ndarray]] = {c: {} for c in
                                             ("estimate_first", "estimate_second", "difference", "se", "ci_low", "ci_high", "p_value")}
    with np.errstate(invalid="ignore"):
        for name in names:
            observed = estimates[1][name][0] - estimates[0][name][0]
            simulated = replicates[1][name] - replicates[0][name]
            out["estimate_first"][name] = estimates[0][name][0]
            out["estimate_second"][name] = estimates[1][name][0]
            out["difference"][name] = observed
            out["se"][name] = np.nanstd(simulated, axis=0, ddof=1)
            out["ci_low"][name] = np.nanquantile(simulated, alpha, axis=0)
            out["ci_high"][name] = np.nanquantile(simulated, 1 - alpha, axis=0)
            extreme = (np.abs(simulated - observed) >= np.abs(observed)).sum(axis=0)
            out["p_value"][name] = np.where(np.isnan(observed), np.nan, (1 + extreme) / (draws + 1))
    return out


def expected_dissimilarity(unit_sizes, share: float) -> float:
    """Winship's (1977) expected D when each resident is in the focal group with known probability ``share``.

    Uses de Moivre's mean absolute deviation of a binomial,
    ``E|X - n p| = 2 nu C(n, nu) p^nu (1-p)^(n-nu+1)`` with ``nu = floor(n p) + 1``, so
    ``E[D] = sum_i E|X_i - t_i p| / (2 T p (1-p))``. This is the population-share version; the
    simulated ``expected`` of :func:`segreform.measure.expected_indices` re-estimates the share in
    every draw, as a researcher computing D on random data would, and comes out slightly higher.
    """
    sizes = np.asarray(unit_sizes, dtype=np.float64)
    if sizes.ndim != 1 or sizes.size == 0 or (sizes < 0).any() or (sizes != np.round(sizes)).any():
        raise ValueError("unit_sizes must be a non-empty 1-D array of whole numbers >= 0")
    if not 0 < share < 1:
        raise ValueError(f"share must be strictly between 0 and 1, got {share!r}")
    n = sizes[sizes > 0]
    nu = np.floor(n * share) + 1
    with np.errstate(divide="ignore", invalid="ignore"):
        log_term = (np.log(2 * nu) + gammaln(n + 1) - gammaln(nu + 1) - gammaln(n - nu + 1)
                    + nu * np.log(share) + (n - nu + 1) * np.log1p(-share))
    mad = np.where(nu <= n, np.exp(log_term), 0.0)
    return float(mad.sum() / (2 * sizes.sum() * share * (1 - share)))
