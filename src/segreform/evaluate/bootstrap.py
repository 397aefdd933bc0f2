"""Multiplier bootstrap on an influence-function matrix, with uniform confidence bands.

The draws are made in fixed-size blocks, each from its own child of one ``SeedSequence``, so that a
distributed run (one block per task) gives exactly the same draws as a local one, whatever the split.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.stats import norm
from threadpoolctl import ThreadpoolController

from segreform.evaluate.panel import DesignError

BLOCK_SIZE = 128
MAMMEN_LOW = -(np.sqrt(5) - 1) / 2
MAMMEN_HIGH = (np.sqrt(5) + 1) / 2
MAMMEN_P_LOW = (np.sqrt(5) + 1) / (2 * np.sqrt(5))


def block_seeds(seed: int | None, n_draws: int, block_size: int = BLOCK_SIZE) -> list[tuple[np.random.SeedSequence, int]]:
    """The (seed, size) of every block of draws; hand these out to workers in any grouping."""
    n_blocks = -(-n_draws // block_size)
    children = np.random.SeedSequence(seed).spawn(n_blocks)
    return [(child, min(block_size, n_draws - i * block_size)) for i, child in enumerate(children)]


def draw_block(influence: np.ndarray, seed: np.random.SeedSequence, size: int, weights: str = "rademacher") -> np.ndarray:
    """``size`` bootstrap draws of sqrt(n)·mean(V·ψ) for an n × k influence matrix ψ (pure function)."""
    rng = np.random.default_rng(seed)
    n = influence.shape[0]
    if weights == "rademacher":
        v = rng.integers(0, 2, size=(size, n), dtype=np.int8) * 2.0 - 1.0
    elif weights == "mammen":
        v = np.where(rng.random((size, n)) < MAMMEN_P_LOW, MAMMEN_LOW, MAMMEN_HIGH)
    else:
        raise DesignError(f"bootstrap weights must be 'rademacher' or 'mammen', not {weights!r}")
    return (v @ influence) / np.sqrt(n)


@lru_cache(maxsize=1)
def _blas_controller():
    """Found once: looking up the loaded BLAS libraries takes longer than a bootstrap."""
    return ThreadpoolController()


@dataclass(frozen=True)
class BootstrapResult:
    se: np.ndarray  # per column
    critical_value: float  # for the uniform (sup-t) band
    n_draws: int


def summarise(draws: np.ndarray, n_units: int, alpha: float = 0.05, families: list[slice] | None = None):
    """Standard errors (scaled interquartile range) and sup-t critical values, as R's ``did::mboot``.

    ``families``: column slices that each get their own uniform band (default: all columns, one band).
    Returns one :class:`BootstrapResult` per family (a single one when ``families`` is None).
    """
    q25, q75 = np.quantile(draws, [0.25, 0.75], axis=0, method="inverted_cdf")
    sigma = (q75 - q25) / (norm.ppf(0.75) - norm.ppf(0.25))
    usable = sigma > np.sqrt(np.finfo(float).eps) * 10
    se = np.where(usable, sigma / np.sqrt(n_units), np.nan)
    results = []
    for part in families or [slice(0, draws.shape[1])]:
        keep = usable[part]
        if keep.any():
            t_max = np.max(np.abs(draws[:, part][:, keep] / sigma[part][keep]), axis=1)
            critical = float(np.quantile(t_max, 1 - alpha, method="inverted_cdf"))
        else:
            critical = float("nan")
        results.append(BootstrapResult(se=se[part], critical_value=critical, n_draws=draws.shape[0]))
    return results if families is not None else results[0]


def multiplier_draws(influence: np.ndarray, n_draws: int, seed: int | None = None, weights: str = "rademacher") -> np.ndarray:
    """All ``n_draws`` × k bootstrap draws for the columns of ``influence`` (n × k), block by block."""
    if n_draws < 2:
        raise DesignError(f"the bootstrap needs at least 2 draws, not {n_draws} (e.g. --bootstrap 999)")
    influence = np.asarray(influence, dtype=float)
    if influence.ndim == 1:
        influence = influence[:, None]
    # These products are small: on a busy machine BLAS threads cost far more than they bring.
    with _blas_controller().limit(limits=1, user_api="blas"):
        return np.vstack([draw_block(influence, s, size, weights) for s, size in block_seeds(seed, n_draws)])


def multiplier_bootstrap(
    influence: np.ndarray, n_draws: int, seed: int | None = None, weights: str = "rademacher", alpha: float = 0.05
) -> BootstrapResult:
    """Bootstrap SEs and a uniform band critical value for the columns of ``influence`` (n × k).

    Parameters
    ----------
    influence : array of shape (n_units, k), the influence functions of k estimates.
    n_draws : number of bootstrap draws (e.g. 999).
    seed : integer seed; the same seed gives the same draws however the blocks are distributed.
    weights : 'rademacher' (as R ``did`` ≥ 2.1) or 'mammen'.
    """
    draws = multiplier_draws(influence, n_draws, seed, weights)
    return summarise(draws, np.shape(influence)[0], alpha)
