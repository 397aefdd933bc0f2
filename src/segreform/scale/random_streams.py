"""Independent, reproducible random streams addressed by a path of integers.

Every piece of random work in the scale job (a block of synthetic cells, a block of bootstrap
draws, a block of placebo units) gets its own stream, named by *what* it is (e.g. ``(segment,
block)``) and never by *who* computes it. A worker that recomputes a block after a crash, or a
cluster with a different number of workers, therefore draws exactly the same numbers.

``stream(seed, *path)`` is the child that ``SeedSequence(seed).spawn`` would give along ``path``:
``SeedSequence(seed, spawn_key=path)`` equals ``SeedSequence(seed).spawn(a + 1)[a].spawn(b + 1)[b]``
for ``path == (a, b)``. Addressing children by key avoids spawning (and keeping) all earlier ones.
"""

from __future__ import annotations

import numpy as np

__all__ = ["root_sequence", "stream", "generator"]


def root_sequence(seed: int | np.random.SeedSequence | None) -> np.random.SeedSequence:
    """The root ``SeedSequence`` for ``seed``.

    Parameters
    ----------
    seed : int, SeedSequence or None
        A non-negative integer, an existing ``SeedSequence`` (returned as is) or ``None`` for fresh
        entropy (the entropy is then recorded in ``.entropy`` so the run can be repeated).
    """
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer or None, got {seed!r}")
    return np.random.SeedSequence(int(seed))


def stream(seed: int | np.random.SeedSequence | None, *path: int) -> np.random.SeedSequence:
    """The child ``SeedSequence`` at ``path`` below ``seed`` (same as nested ``spawn``)."""
    root = root_sequence(seed)
    key = tuple(root.spawn_key) + tuple(int(p) for p in path)
    if any(p < 0 for p in key):
        raise ValueError(f"stream path entries must be non-negative, got {path!r}")
    return np.random.SeedSequence(root.entropy, spawn_key=key, pool_size=root.pool_size)


def generator(seed: int | np.random.SeedSequence | None, *path: int) -> np.random.Generator:
    """A PCG64 ``Generator`` on the stream at ``path`` below ``seed``."""
    return np.random.Generator(np.random.PCG64(stream(seed, *path)))

