"""Kommun × year panels of stored variables, the shape evaluation plans read their outcomes in.

The bundled series give every kommun a pre-period before the programme's first participants (2018): turnout
since 1973, population since 1968, rented share since 1990, income since 2011, year-9 results since 2016, the
police's lists since 2015. (The segregation outcomes start in 2020, with the RegSO birth-country table.)
"""

from __future__ import annotations

from typing import Iterable

import pandas as pd
from sqlalchemy import Engine

from segreform.data import queries


def kommun_panel(engine: Engine, variables: str | Iterable[str], years: Iterable[int] | None = None) -> pd.DataFrame:
    """DataFrame[kommun, year, <variable>...], one row per kommun and year that has any of the variables.

    Values are the current vintage; where two current datasets hold the same variable the latest import wins. A
    variable that is not loaded raises a LookupError that lists the kommun-level variables that are.
    """
    names = [variables] if isinstance(variables, str) else list(variables)
    frame = queries.observations(engine, names, level="kommun", year=None if years is None else list(years))
    missing = sorted(set(names) - set(frame["variable"]))
    if missing:
        known = queries.variables(engine)
        known = sorted(set(known.loc[known["level"] == "kommun", "variable"]))
        raise LookupError(f"no kommun values stored for {missing}; loaded kommun variables: {known}")
    imported = queries.datasets(engine).query("is_current").set_index("name")["imported_at"]
    frame = (frame.assign(imported_at=frame["dataset"].map(imported)).sort_values("imported_at", kind="stable")
             .drop_duplicates(["area_code", "year", "variable"], keep="last"))
    wide = frame.pivot_table(index=["area_code", "year"], columns="variable", values="value", aggfunc="first",
                             dropna=False)
    wide = wide.reset_index().rename(columns={"area_code": "kommun"})
    wide.columns.name = None
    return wide[["kommun", "year", *names]].sort_values(["kommun", "year"]).reset_index(drop=True)
