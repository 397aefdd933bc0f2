"""One state of the database as the barometer shows it: the parts composed, the observations they share, and
the per-area profiles that draw on several parts.

Each part knows one thing (:mod:`~segreform.barometer.places`, :mod:`~segreform.barometer.area_types`,
:mod:`~segreform.barometer.indicator_values`, :mod:`~segreform.barometer.police_areas`,
:mod:`~segreform.barometer.segregation`, :mod:`~segreform.barometer.map_layers`) and reaches the others through
the snapshot it is part of. Everything is computed lazily, once per snapshot;
:class:`segreform.barometer.cache.Barometer` builds a new snapshot when the data change, reusing what the changed
datasets do not touch.
"""

from __future__ import annotations

import threading
from functools import cached_property

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from segreform.barometer import indicators as registry
from segreform.barometer.area_types import AreaTypes
from segreform.barometer.indicator_values import IndicatorValues
from segreform.barometer.map_layers import MapLayers
from segreform.barometer.places import Places
from segreform.barometer.police_areas import PoliceAreas
from segreform.barometer.segregation import BOOTSTRAP_DRAWS, FOCAL_GROUP, SEGREGATION_GROUPS, Segregation
from segreform.data import queries

OBSERVATION_LEVELS = ("regso", "kommun", "lan", "riket")


class Snapshot(Places, PoliceAreas, AreaTypes, IndicatorValues, Segregation, MapLayers):
    """Everything derived from one state of the database. Built lazily, piece by piece.

    A snapshot made with ``previous`` and ``changed`` (dataset names) reads from the database only the
    observations of the changed datasets and takes the others from ``previous``; the segregation indices are
    kept too when the changed datasets carry none of their inputs.
    """

    def __init__(self, engine: Engine, previous: "Snapshot | None" = None, changed: set[str] | None = None):
        self.engine = engine
        self._lock = threading.RLock()
        self._indices_cache: dict = {}
        self._layer_cache: dict = {}
        # Rendered pages that depend only on this snapshot (filled by the web layer; dropped with the snapshot).
        self.pages: object | None = None
        # Serialised API answers that depend only on this snapshot (filled by the web layer), by key.
        self.responses: dict = {}
        if previous is not None and changed is not None and "observations" in previous.__dict__:
            self.__dict__["observations"] = self._updated_observations(previous.observations, changed)
            old = previous.observations
            touched = set(old.loc[old["dataset"].isin(changed), "variable"]) if "dataset" in old else set()
            new = self.observations
            touched |= set(new.loc[new["dataset"].isin(changed), "variable"]) if "dataset" in new else set()
            if not touched & set(SEGREGATION_GROUPS) and len(self.regso) == len(previous.regso):
                with previous._lock:
                    self._indices_cache = dict(previous._indices_cache)

    def _updated_observations(self, old: pd.DataFrame, changed: set[str]) -> pd.DataFrame:
        kept = old[~old["dataset"].isin(changed)] if "dataset" in old else old.iloc[0:0]
        frames = [kept]
        for name in sorted(changed):
            fresh = queries.observations(self.engine, dataset=name)
            frames.append(fresh[fresh["level"].isin(OBSERVATION_LEVELS)])
        frames = [f for f in frames if not f.empty]
        if not frames:
            return old.iloc[0:0]
        frame = pd.concat(frames, ignore_index=True)
        frame["year"] = frame["year"].astype(int)
        return frame

    def cached(self, key: tuple, compute):
        """``compute()``, computed once per snapshot under ``key`` (what pages derive from its tables)."""
        if key not in self._layer_cache:
            self._layer_cache[key] = compute()
        return self._layer_cache[key]

    def warm(self) -> None:
        """Compute what the pages need (overview layers, kommun areas, indices with intervals) now."""
        if not self.has_data:
            return
        self.layers  # noqa: B018
        self.all_areas  # noqa: B018
        self.population_by_type()
        self.segregation_indices("kommun", bootstrap=BOOTSTRAP_DRAWS)
        for level in ("kommun", "lan", "riket"):
            self.segregation_indices(level)

    # -- observations --------------------------------------------------------------------------------
    @cached_property
    def observations(self) -> pd.DataFrame:
        """Every current observation at RegSO and kommun level (long), loaded once per snapshot."""
        frames = [queries.observations(self.engine, level=level) for level in OBSERVATION_LEVELS]
        frames = [f for f in frames if not f.empty]
        if not frames:
            return pd.DataFrame(columns=["area_code", "level", "year", "variable", "value", "unit", "dataset", "source",
                                         "source_table"])
        frame = pd.concat(frames, ignore_index=True)
        frame["year"] = frame["year"].astype(int)
        return frame

    @cached_property
    def regso_wide(self) -> pd.DataFrame:
        """RegSO observations as one row per (area, year), one column per variable, with kommun and län codes."""
        regso = self.observations[self.observations["level"] == "regso"]
        if regso.empty:
            return pd.DataFrame(columns=["area_code", "year", "kommun", "lan"])
        wide = regso.pivot_table(index=["area_code", "year"], columns="variable", values="value", aggfunc="first")
        wide = wide.reset_index()
        wide.columns.name = None
        parents = self.regso.set_index("code")
        wide["kommun"] = wide["area_code"].map(parents["parent_code"])
        wide["lan"] = wide["area_code"].map(parents["lan_code"])
        return wide.dropna(subset=["kommun"])

    def variable_source(self, variable: str) -> tuple[str, str]:
        """(source, source table) of a stored variable, for labels."""
        rows = self.observations[self.observations["variable"] == variable]
        if rows.empty:
            return "", ""
        first = rows.iloc[0]
        return str(first["source"]), str(first["source_table"])

    # -- per-area profiles (several parts together) ---------------------------------------------------
    @cached_property
    def all_areas(self) -> pd.DataFrame:
        """Every RegSO with latest type, status × trend, population and share born abroad (built once)."""
        areas = self.regso[["code", "name", "parent_code"]].copy()
        status = self.status.rename(columns={"area_code": "code", "status": "area_type", "latest_year": "type_year"})
        latest_types = self.area_types.sort_values("year").drop_duplicates("area_code", keep="last")
        areas = areas.merge(
            status[["code", "area_type", "type_year", "trend", "years_in_type", "in_type_since"]], on="code", how="left"
        )
        areas["basis"] = areas["code"].map(latest_types.set_index("area_code")["basis"])
        wide = self.regso_wide
        areas["population"] = areas["population_year"] = areas["share_foreign_born"] = np.nan
        if "folkmangd" in wide.columns:
            latest = wide.dropna(subset=["folkmangd"]).sort_values("year").drop_duplicates("area_code", keep="last")
            latest = latest.set_index("area_code")
            areas["population"] = areas["code"].map(latest["folkmangd"])
            areas["population_year"] = areas["code"].map(latest["year"])
            if FOCAL_GROUP in latest.columns:
                areas["share_foreign_born"] = areas["code"].map(latest[FOCAL_GROUP] / latest["folkmangd"])
        matches = pd.concat([self.police_matches(k) for k in self.police["kommunkod"].unique()], ignore_index=True)
        names = (
            matches[matches["regso_code"] != ""].groupby("regso_code")["name"].agg(lambda n: "; ".join(sorted(set(n))))
            if not matches.empty else pd.Series(dtype=object)
        )
        areas["police_areas"] = areas["code"].map(names).fillna("")
        return areas

    def kommun_areas(self, code: str) -> pd.DataFrame:
        """The kommun's RegSO with latest type, status × trend, population and share born abroad.

        DataFrame[code, name, area_type, type_year, basis, trend, years_in_type, in_type_since, population,
        population_year, share_foreign_born, police_areas]
        """
        self.kommun(code)
        areas = self.all_areas
        return areas[areas["parent_code"] == code].drop(columns="parent_code").reset_index(drop=True)

    def area(self, code: str) -> dict:
        """One RegSO: its names, type history, status and every loaded variable over the years."""
        match = self.regso[self.regso["code"] == code]
        if match.empty:
            raise LookupError(f"no RegSO with code {code!r} (e.g. 0180R101; search by name at /search)")
        row = match.iloc[0]
        types = self.area_types[self.area_types["area_code"] == code]
        status = self.status[self.status["area_code"] == code]
        series = self.observations[(self.observations["level"] == "regso") & (self.observations["area_code"] == code)]
        series = series[["year", "variable", "value", "unit", "source", "source_table"]].sort_values(["variable", "year"])
        shares = []
        for item in registry.all_indicators().values():
            if "regso" in item.levels:
                values = registry.compute(item, series.assign(area_code=code))
                for _, v in values.iterrows():
                    shares.append({"indicator": item.id, "year": int(v["year"]), "value": float(v["value"]), "unit": item.unit, "source": item.origin})
        police = self.police_matches(row["parent_code"])
        return {
            "code": code,
            "name": row["name"],
            "kommun_code": row["parent_code"],
            "kommun_name": row["kommun_name"],
            "lan_code": row["lan_code"],
            "types": types.reset_index(drop=True),
            "status": status.iloc[0].to_dict() if not status.empty else None,
            "series": series.reset_index(drop=True),
            "indicators": pd.DataFrame(shares, columns=["indicator", "year", "value", "unit", "source"]),
            "police": police[police["regso_code"] == code].reset_index(drop=True),
        }
