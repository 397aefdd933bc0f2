"""Evaluation placebos and the multiplier bootstrap on a Dask cluster, with the local results.

Both build on the pure functions of :mod:`segreform.evaluate`:

* in-space placebos and leave-one-out refits of the synthetic control are
  ``placebo_fits(data, units)`` / ``leave_one_out_fits(data, units)`` over any split of the units,
  so each task refits a chunk of units and the fits are gathered back in the original order;
* the multiplier bootstrap draws blocks ``draw_block(influence, seed_b, size_b)`` whose seeds
  ``SeedSequence(seed).spawn(n_blocks)`` and sizes are fixed by ``block_seeds(seed, n_draws)``
  alone; each task draws a few blocks, and stacking them in block order gives the very draws
  of ``multiplier_draws``.

The prepared data (or influence matrix) is sent to every worker once (``scatter(broadcast=True)``).
The number of workers and the chunking change only the schedule, never a number.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from segreform.evaluate import bootstrap as mboot
from segreform.evaluate import synth
from segreform.scale.cluster import connect, wait_with_progress

__all__ = [
    "multiplier_draws_distributed",
    "multiplier_bootstrap_distributed",
    "placebo_fits_distributed",
    "leave_one_out_fits_distributed",
    "placebo_test_distributed",
]


def _chunks(items: Sequence, size: int) -> list[list]:
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"chunk size must be a positive whole number, got {size!r}")
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def _draw_blocks(influence: np.ndarray, blocks: list, weights: str) -> np.ndarray:
    return np.vstack([mboot.draw_block(influence, seed, size, weights) for seed, size in blocks])


def multiplier_draws_distributed(
    influence: np.ndarray,
    n_draws: int,
    seed: int | None = None,
    weights: str = "rademacher",
    *,
    cluster=None,
    workers: int | None = None,
    blocks_per_task: int = 4,
    progress: bool = True,
) -> np.ndarray:
    """``segreform.evaluate.bootstrap.multiplier_draws`` with blocks of draws spread over a cluster.

    Parameters
    ----------
    influence : array (n_units, k)
        Influence functions of k estimates (a 1-D array is one estimate).
    n_draws, seed, weights :
        As in ``multiplier_draws``; ``seed`` must be an integer for results to be reproducible.
    cluster, workers :
        A scheduler address or client, or a number of local worker processes (see
        :func:`segreform.scale.cluster.connect`).
    blocks_per_task : int
        Blocks of ``segreform.evaluate.bootstrap.BLOCK_SIZE`` draws per task.

    Returns
    -------
    array (n_draws, k), equal to ``multiplier_draws(influence, n_draws, seed, weights)``.
    """
    if isinstance(n_draws, bool) or not isinstance(n_draws, (int, np.integer)) or n_draws < 2:
        raise ValueError(f"the bootstrap needs at least 2 draws, not {n_draws!r}")
    if weights not in ("rademacher", "mammen"):
        raise ValueError(f"bootstrap weights must be 'rademacher' or 'mammen', not {weights!r}")
    influence = np.asarray(influence, dtype=float)
    if influence.ndim == 1:
        influence = influence[:, None]
    if influence.ndim != 2 or not np.all(np.isfinite(influence)):
        raise ValueError("influence must be a finite (n_units, k) array")
    if seed is None:
        seed = int(np.random.SeedSequence().entropy)  # draw it once here, so every task shares it
    groups = _chunks(mboot.block_seeds(seed, int(n_draws)), blocks_per_task)
    with connect(cluster, workers) as client:
        [shared] = client.scatter([influence], broadcast=True, hash=False)
        futures = [client.submit(_draw_blocks, shared, blocks, weights, pure=False) for blocks in groups]
        wait_with_progress(futures, "bootstrap draws", progress)
        return np.vstack(client.gather(futures))


def multiplier_bootstrap_distributed(
    influence: np.ndarray,
    n_draws: int,
    seed: int | None = None,
    weights: str = "rademacher",
    alpha: float = 0.05,
    *,
    cluster=None,
    workers: int | None = None,
    blocks_per_task: int = 4,
    progress: bool = True,
) -> mboot.BootstrapResult:
    """``segreform.evaluate.bootstrap.multiplier_bootstrap`` on a cluster: SEs and the uniform-band critical value."""
    draws = multiplier_draws_distributed(
        influence, n_draws, seed, weights, cluster=cluster, workers=workers,
        blocks_per_task=blocks_per_task, progress=progress,
    )
    return mboot.summarise(draws, np.shape(influence)[0], alpha)


def _refits(kind: str, data: synth.SynthData, units: Sequence[int], client, chunk: int, progress: bool, options: dict):
    function = synth.placebo_fits if kind == "placebos" else synth.leave_one_out_fits
    unknown = set(options) - {"n_random_starts", "seed", "max_evals"}
    if unknown:
        raise ValueError(f"unknown option {sorted(unknown)[0]!r}; options are n_random_starts, seed, max_evals")
    n_units = len(data.units)
    bad = [u for u in units if not (isinstance(u, (int, np.integer)) and 0 <= u < n_units)]
    if bad:
        raise ValueError(f"unit {bad[0]!r} is not a column index of the prepared data (0..{n_units - 1})")
    [shared] = client.scatter([data], broadcast=True, hash=False)
    futures = [client.submit(function, shared, part, **options) for part in _chunks(list(units), chunk)]
    wait_with_progress(futures, kind, progress)
    return [fit for part in client.gather(futures) for fit in part]


def placebo_fits_distributed(
    data: synth.SynthData, units: Sequence[int], *, cluster=None, workers: int | None = None,
    chunk: int = 1, progress: bool = True, **options,
) -> list[synth.SynthFit]:
    """``segreform.evaluate.synth.placebo_fits`` with the units spread over a cluster (same fits, same order).

    ``options`` are those of ``fit_unit``: ``n_random_starts``, ``seed``, ``max_evals``.
    """
    with connect(cluster, workers) as client:
        return _refits("placebos", data, units, client, chunk, progress, options)


def leave_one_out_fits_distributed(
    data: synth.SynthData, left_out: Sequence[int], *, cluster=None, workers: int | None = None,
    chunk: int = 1, progress: bool = True, **options,
) -> list[synth.SynthFit]:
    """``segreform.evaluate.synth.leave_one_out_fits`` with the left-out donors spread over a cluster."""
    with connect(cluster, workers) as client:
        return _refits("leave-one-out", data, left_out, client, chunk, progress, options)


def placebo_test_distributed(
    data: synth.SynthData, *, cluster=None, workers: int | None = None, chunk: int = 1,
    progress: bool = True, **options,
) -> dict:
    """The in-space placebo test of ``synthetic_control(placebos=True)``, refits on a cluster.

    Returns the same ``diagnostics["placebo"]`` entry: ``rmspe_ratios`` (per donor label),
    ``rank`` of the treated unit's post/pre RMSPE ratio among all units (1 = largest), ``of``
    and ``p_value = rank / of``.
    """
    main = synth.fit_unit(data, data.treated, np.array([j for j in range(len(data.units)) if j != data.treated]),
                          **options)
    ratio = main.rmspe_ratio(data.pre)
    fits = placebo_fits_distributed(data, [int(j) for j in main.donors], cluster=cluster, workers=workers,
                                    chunk=chunk, progress=progress, **options)
    ratios = {str(data.units[f.treated]): f.rmspe_ratio(data.pre) for f in fits}
    all_ratios = np.array([ratio, *ratios.values()])
    rank = int(1 + np.sum(all_ratios > ratio))
    return {"rmspe_ratios": ratios, "rank": rank, "of": len(all_ratios), "p_value": rank / len(all_ratios)}
