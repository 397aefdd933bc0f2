"""The read API other jobs (web, programme, measure, evaluate) use: every function takes an Engine and returns
a pandas DataFrame with fixed columns."""

from __future__ import annotations

import json
import numbers
from typing import Iterable

import pandas as pd
from sqlalchemy import Engine, and_, func, select

from segreform.data.geography import current_versions, read_areas
from segreform.data.writer import STAGING_PREFIX
from segreform.store.models.data import Dataset, DatasetVariable, Observation, PoliceArea

AREA_COLUMNS = ["code", "name", "level", "version", "parent_code"]
OBSERVATION_COLUMNS = [
    "area_code", "level", "year", "variable", "value", "unit", "dataset", "source", "source_table",
    "reference_year", "vintage",
]
VARIABLE_COLUMNS = ["variable", "level", "unit", "first_year", "last_year", "dataset", "source"]
DATASET_COLUMNS = ["name", "source", "source_table", "vintage", "is_current", "imported_at", "rows"]
POLICE_COLUMNS = ["name", "category", "kommunkod", "kommun", "ort", "police_region", "reference_date"]


def areas(engine: Engine, level: str, version: str | None = None) -> pd.DataFrame:
    """Areas of ``level`` ("lan", "kommun", "regso", "deso", "riket" or a user-defined level).

    ``version`` defaults to the level's current version (regso: "2025"; "2020" is also loaded). Returns
    DataFrame[code, name, level, version, parent_code], sorted by code.
    """
    if version is None:
        version = current_versions(engine).get(level)
        if version is None:
            return pd.DataFrame(columns=AREA_COLUMNS)
    frame = read_areas(engine, level, version)
    return frame[AREA_COLUMNS].sort_values("code").reset_index(drop=True)


def _frame(engine: Engine, query, columns: list[str]) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    # Column by column: given the Row objects, pandas probes each one for attributes, and every probe goes
    # through SQLAlchemy's missing-key path (this was most of the barometer's start-up time).
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(dict(zip(columns, zip(*rows))), columns=columns)


def with_units(query):
    """Join a query on observations to its dataset and to the variable's unit."""
    return query.join(Dataset, Dataset.id == Observation.dataset_id).join(
        DatasetVariable, and_(DatasetVariable.dataset_id == Observation.dataset_id,
                              DatasetVariable.variable == Observation.variable))


def observations(
    engine: Engine,
    variable: str | Iterable[str] | None = None,
    *,
    level: str | None = None,
    year: int | Iterable[int] | None = None,
    area_codes: Iterable[str] | None = None,
    dataset: str | None = None,
    current_only: bool = True,
    geography: str = "current",
) -> pd.DataFrame:
    """Stored values in long form: DataFrame[area_code, level, year, variable, value, unit, dataset, source,
    source_table, reference_year, vintage].

    ``value`` is float; NaN is a documented missing value (e.g. SCB ".."). With ``current_only`` (default) only
    the current vintage of each dataset is returned, so there is one row per (area_code, year, variable) for a
    given dataset. ``geography="current"`` (default) returns areas in the current version of their level only
    (the codes the maps draw); ``geography="all"`` adds values stored against older versions because their area
    has no successor (a flagged break, e.g. RegSO 2020 "Kiruna (Bolaget)") — use it for national totals.
    """
    if geography not in ("current", "all"):
        raise ValueError("geography must be 'current' or 'all'")
    query = with_units(select(
        Observation.area_code, Observation.area_level.label("level"), Observation.year, Observation.variable,
        Observation.value, DatasetVariable.unit, Dataset.name.label("dataset"), Dataset.source,
        Dataset.source_table, Observation.reference_year, Dataset.vintage, Observation.area_version,
    ))
    if variable is not None:
        names = [variable] if isinstance(variable, str) else list(variable)
        query = query.where(Observation.variable.in_(names))
    if level is not None:
        query = query.where(Observation.area_level == level)
    if year is not None:
        years = [int(year)] if isinstance(year, (numbers.Integral, str)) else [int(y) for y in year]
        query = query.where(Observation.year.in_(years))
    if area_codes is not None:
        query = query.where(Observation.area_code.in_(list(area_codes)))
    if dataset is not None:
        query = query.where(Dataset.name == dataset)
    if current_only:
        query = query.where(Dataset.is_current)
    else:
        query = query.where(~Dataset.name.startswith(STAGING_PREFIX))
    frame = _frame(engine, query.order_by(Observation.variable, Observation.area_code, Observation.year),
                   OBSERVATION_COLUMNS + ["area_version"])
    if geography == "current" and not frame.empty:
        current = current_versions(engine)
        frame = frame[frame.area_version == frame.level.map(current).fillna(frame.area_version)]
    frame = frame.drop(columns="area_version").reset_index(drop=True)
    frame["value"] = frame["value"].astype(float)
    return frame


def variables(engine: Engine) -> pd.DataFrame:
    """What can be asked for: DataFrame[variable, level, unit, first_year, last_year, dataset, source] (current
    vintages only)."""
    query = (
        with_units(select(
            Observation.variable, Observation.area_level, DatasetVariable.unit, func.min(Observation.year),
            func.max(Observation.year), Dataset.name, Dataset.source,
        ))
        .where(Dataset.is_current)
        .group_by(Observation.variable, Observation.area_level, DatasetVariable.unit, Dataset.name, Dataset.source)
        .order_by(Observation.variable, Observation.area_level)
    )
    return _frame(engine, query, VARIABLE_COLUMNS)


def datasets(engine: Engine) -> pd.DataFrame:
    """Every loaded release: DataFrame[name, source, source_table, vintage, is_current, imported_at, rows]."""
    query = select(
        Dataset.name, Dataset.source, Dataset.source_table, Dataset.vintage, Dataset.is_current,
        Dataset.imported_at, Dataset.rows,
    ).where(~Dataset.name.startswith(STAGING_PREFIX)).order_by(Dataset.name, Dataset.imported_at)
    return _frame(engine, query, DATASET_COLUMNS)


def police_areas(engine: Engine) -> pd.DataFrame:
    """The police's vulnerable areas (Källa: Polisen): DataFrame[name, category, kommunkod, kommun, ort,
    police_region, reference_date]."""
    query = select(
        PoliceArea.name, PoliceArea.category, PoliceArea.kommunkod, PoliceArea.kommun, PoliceArea.ort,
        PoliceArea.police_region, PoliceArea.reference_date,
    ).order_by(PoliceArea.kommunkod, PoliceArea.name)
    return _frame(engine, query, POLICE_COLUMNS)


def dataset_metadata(engine: Engine, name: str, vintage: str | None = None) -> dict:
    """The stored metadata of a release (e.g. a PX export's footer); the current vintage unless given."""
    query = select(Dataset.metadata_json).where(Dataset.name == name)
    query = query.where(Dataset.vintage == vintage) if vintage else query.where(Dataset.is_current)
    with engine.connect() as conn:
        text = conn.execute(query).scalar_one_or_none()
    if text is None:
        raise LookupError(f"no dataset {name!r}" + (f" with vintage {vintage!r}" if vintage else ""))
    return json.loads(text)
