"""Read a few columns of a Parquet file (or a folder of part files) with one copy of the data in memory.

``pd.read_parquet`` first builds the whole Arrow table, then a pandas copy of it (and pyarrow's
memory pool keeps the freed Arrow buffers), so reading peaks at about twice the data. Here the
result's numeric columns are allocated once from the files' row counts and filled one part file
at a time: the peak is the result plus one part file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


def part_files(path: Path) -> list[Path]:
    """The Parquet files of ``path``: itself, or a folder's ``*.parquet`` files in name order."""
    path = Path(path)
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix == ".parquet" and not p.name.startswith((".", "_")))
    return [path]


def _fixed_width(field: pa.Field) -> bool:
    kind = field.type
    return pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind)


def read_parquet_columns(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    """``columns`` of the Parquet file or folder ``path`` as a pandas frame (one contiguous array per column).

    Numbers without missing values are written straight into their final arrays; any other
    column (text, or numbers with nulls) goes through pandas file by file, as ``pd.read_parquet``
    would convert it.
    """
    files = part_files(path)
    if not files:
        raise FileNotFoundError(f"{path}: no Parquet files")
    sizes = [pq.ParquetFile(f).metadata.num_rows for f in files]
    schema = pq.read_schema(files[0])
    columns = list(columns)
    missing = [c for c in columns if c not in schema.names]
    if missing:
        raise KeyError(f"{path}: no column {missing[0]!r}; columns are: {', '.join(schema.names)}")
    total = sum(sizes)
    arrays: dict[str, np.ndarray | list] = {}
    for name in columns:
        field = schema.field(name)
        arrays[name] = np.empty(total, dtype=field.type.to_pandas_dtype()) if _fixed_width(field) else []
    start = 0
    for file, size in zip(files, sizes):
        table = pq.read_table(file, columns=columns)
        for name in columns:
            column = table.column(name)
            target = arrays[name]
            if isinstance(target, np.ndarray) and column.null_count == 0 and column.type == schema.field(name).type:
                target[start:start + size] = column.to_numpy()
            else:
                if isinstance(target, np.ndarray):  # nulls or another type in this part: let pandas convert all
                    arrays[name] = target = [pd.Series(target[:start], copy=False)]
                target.append(column.to_pandas())
        start += size
        del table
    frame_columns = {name: (pd.concat(value, ignore_index=True) if isinstance(value, list) else value)
                     for name, value in arrays.items()}
    return pd.DataFrame(frame_columns, copy=False)
