"""Data builders and lookups shared by the measure tests."""

from __future__ import annotations

import numpy as np
import pandas as pd


def random_wide(seed: int, n_segments: int = 3, n_units: int = 12, groups=("a", "b", "c")) -> pd.DataFrame:
    """A wide table with segments of random integer counts (no empty group)."""
    rng = np.random.default_rng(seed)
    frames = []
    for s in range(n_segments):
        counts = rng.integers(0, 60, size=(n_units, len(groups)))
        counts[0] += 1  # keeps every group present in the segment
        frame = pd.DataFrame(counts, columns=list(groups))
        frame.insert(0, "area", [f"u{i}" for i in range(n_units)])
        frame.insert(0, "kommun", f"k{s}")
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def value_of(result: pd.DataFrame, index: str, group: str = "", **keys) -> float:
    rows = result[(result["index"] == index) & (result["group"] == group)]
    for column, value in keys.items():
        rows = rows[rows[column] == value]
    assert len(rows) == 1, rows
    return float(rows["estimate"].iloc[0])
