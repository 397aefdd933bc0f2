"""Row numbering and area-id checks of a partitioned table on a Dask cluster.

The single-machine engine refuses an area that appears twice in a segment and names rows by their
position in the input; these helpers do the same for partitions, without bringing the ids together.
"""

from __future__ import annotations

import operator

import numpy as np
import pandas as pd

from segreform.measure.table import MeasureInputError, plain
from segreform.scale.cluster import wait_with_progress

__all__ = ["check_unique_ids", "number_rows", "row_offsets"]


def number_rows(frame: pd.DataFrame, offset: int) -> pd.DataFrame:
    """Label rows by their position in the whole input, so errors and order refer to it."""
    frame = frame.copy()
    frame.index = pd.RangeIndex(offset, offset + len(frame))
    return frame


def _id_hash_buckets(frame: pd.DataFrame, keys: list[str], n_buckets: int, offset: int) -> list[tuple]:
    """(hashes, global row numbers) of the partition's (segment, area) keys, split into hash buckets."""
    hashes = pd.util.hash_pandas_object(frame[keys], index=False).to_numpy()
    rows = np.arange(offset, offset + len(frame), dtype=np.int64)
    bucket = hashes % np.uint64(n_buckets)
    return [(hashes[bucket == b], rows[bucket == b]) for b in range(n_buckets)]


def _first_repeat(*pieces: tuple) -> tuple[int, int] | None:
    """In one hash bucket: (first row, repeating row) of the earliest repeated key hash, or None."""
    hashes = np.concatenate([p[0] for p in pieces])
    rows = np.concatenate([p[1] for p in pieces])
    order = np.lexsort((rows, hashes))
    hashes, rows = hashes[order], rows[order]
    repeats = np.flatnonzero(hashes[1:] == hashes[:-1])
    if not repeats.size:
        return None
    k = repeats[np.argmin(rows[repeats + 1])]
    return int(rows[k]), int(rows[k + 1])


def row_offsets(client, parts: list) -> np.ndarray:
    """Position in the whole input of each partition's first row, and the number of rows at the end."""
    lengths = client.gather([client.submit(len, part) for part in parts])
    return np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)


def _row_at(part: pd.DataFrame, at: int) -> pd.Series:
    return part.iloc[at]


def check_unique_ids(client, parts: list, keys: list[str], offsets: np.ndarray, progress: bool) -> None:
    """Refuse an area that appears twice in a segment, as the single-machine engine does, without
    bringing the ids together: key hashes are bucketed, and each bucket is checked by one task."""
    n_buckets = max(1, len(parts))
    split = [client.submit(_id_hash_buckets, part, keys, n_buckets, int(offsets[i])) for i, part in enumerate(parts)]
    checks = [
        client.submit(_first_repeat, *[client.submit(operator.getitem, piece, b) for piece in split])
        for b in range(n_buckets)
    ]
    wait_with_progress(checks, "checking area ids", progress)
    found = sorted((pair for pair in client.gather(checks) if pair is not None), key=lambda pair: pair[1])
    for first, repeat in found:
        rows = []
        for row in (first, repeat):
            i = int(np.searchsorted(offsets, row, side="right") - 1)
            rows.append(client.submit(_row_at, parts[i], int(row - offsets[i])).result())
        if all(rows[0][c] == rows[1][c] for c in keys):  # not a hash collision
            key = ", ".join(f"{c}={plain(rows[1][c])!r}" for c in keys)
            raise MeasureInputError(
                f"the same area appears twice ({key}; first at row {first}); "
                "each area may appear once per segment: aggregate or pass the right by= columns",
                keys[-1], repeat, repeat,
            )
