"""Bounded path, query and form parameters: the one place where ids and years from a URL or a form are checked.

A database integer is 32-bit on PostgreSQL, so an id beyond 2³¹−1 can name no row: FastAPI answers 422 with a
clear message before any query runs, on every route that uses these types (instead of an overflow error
deep in the driver).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Path, Query

MAX_ROW_ID = 2**31 - 1
MIN_YEAR, MAX_YEAR = 1900, 2100

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="A row id (1 … 2³¹−1)")]
YearPath = Annotated[int, Path(ge=MIN_YEAR, le=MAX_YEAR, description=f"A year ({MIN_YEAR}–{MAX_YEAR})")]
YearQuery = Annotated[int | None, Query(ge=MIN_YEAR, le=MAX_YEAR, description=f"A year ({MIN_YEAR}–{MAX_YEAR})")]
YearForm = Annotated[int, Form(ge=MIN_YEAR, le=MAX_YEAR)]
RowIdForm = Annotated[int, Form(ge=1, le=MAX_ROW_ID)]

__all__ = ["MAX_ROW_ID", "MAX_YEAR", "MIN_YEAR", "RowId", "RowIdForm", "YearForm", "YearPath", "YearQuery"]
