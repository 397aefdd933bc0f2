"""What the barometer pages and API show, assembled from the store (``segreform.data.queries``) and the
measure engine (``segreform.measure.indices``), and cached.

:class:`Barometer` holds one engine's data in memory as a snapshot. When an import changes the data, a new
snapshot is built in the background (reading only the changed datasets) and swapped in when complete, so
nothing stale is shown for longer than the rebuild and no request waits for it.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import weakref
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from segreform.barometer import indicators as registry
from segreform.barometer import maps, typology
from segreform.barometer import police as police_overlay
from segreform.barometer import search as area_search
from segreform.data.writer import on_import

PUBLISHED_TYPE_VARIABLE = "omradestyp"
# Stored variables (shares 0–1 per RegSO and year) from which the types are computed where they are loaded.
TYPE_INPUT_VARIABLES = (
    "andel_lag_ekonomisk_standard",
    "andel_forgymnasial_utbildning_20_64",
    "andel_langvarigt_bistand_eller_arbetsloshet_20_64",
)
SEGREGATION_GROUPS = ("inrikes_fodda", "utrikes_fodda")
FOCAL_GROUP = "utrikes_fodda"
# Shown on the kommun profile with intervals; the overview offers the same as map layers.
PROFILE_INDICES = ("dissimilarity", "isolation", "theil_h")
BOOTSTRAP_DRAWS = 200  # for the intervals on the kommun profile
BOOTSTRAP_SEED = 20250101
NATION_CODE = "00"
LICENCES = {
    "SCB": "CC0 1.0 (SCB öppna data)",
    "Polisen": "Källa: Polisen (offentlig handling)",
    "Kolada": "Källa: Kolada (fri att använda)",
    "Skolverket": "Källa: Skolverket (officiell statistik, fri att återanvända)",
}
SEGREFORM_SOURCE = "segreform, computed from SCB (BE0101, RegSO)"


def licence_for(source: str) -> str:
    """The licence line to print next to figures from ``source``."""
    for key, licence in LICENCES.items():
        if key.lower() in str(source).lower():
            return licence
    return "see the source"


@dataclass(frozen=True)
class Layer:
    """One thing the overview map can colour kommuner by."""

    id: str
    label: dict
    unit: str
    direction: str
    source: str
    years: tuple[int, ...]

    def name(self, lang: str) -> str:
        return self.label.get(lang) or self.label["sv"]


class Barometer:
    """The barometer's data for one database, cached until the loaded data change.

    Requests never wait for an import: when the data change (noticed by a cheap *data stamp*, the list of loaded
    releases, looked at most once a second, and at once after an import in this process through
    :func:`segreform.data.writer.on_import`), a new snapshot is built in a background thread, reading again only the datasets whose releases changed, and is swapped in when it is
    complete. Until then every request is answered from the previous snapshot.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        A migrated segreform database (see ``segreform.data.loader.ensure_initialised``).
    """

    # Imports are rare; looking at the list of releases at most this often keeps requests fast.
    STAMP_INTERVAL_S = 1.0

    def __init__(self, engine: Engine):
        self.engine = engine
        self._lock = threading.RLock()
        self._stamp = None
        self._stamp_checked = float("-inf")
        self._data: _Snapshot | None = None
        self._builder: threading.Thread | None = None
        self._build_again = False
        # Run on every new snapshot in the background before it is served (the web app pre-renders pages).
        self.prepare: list = []
        _LIVE_BAROMETERS.add(self)
        # Registered by the first live barometer, not at import: importing a module switches nothing on.
        on_import(_refresh_after_import)

    # -- cache control -------------------------------------------------------------------------------
    def _current_stamp(self):
        from segreform.data import queries

        frame = queries.datasets(self.engine)
        police = len(queries.police_areas(self.engine)) if not frame.empty else 0
        rows = tuple(map(tuple, frame[["name", "vintage", "is_current", "rows"]].astype(str).to_numpy()))
        return rows, police

    @property
    def data(self) -> "_Snapshot":
        """The newest complete snapshot. A change of the data (checked at most once a second) starts a
        rebuild in the background; the previous snapshot is returned until the new one is ready."""
        now = time.monotonic()
        if self._data is not None and now - self._stamp_checked < self.STAMP_INTERVAL_S:
            return self._data
        self._stamp_checked = now
        if self._data is None:
            with self._lock:
                if self._data is None:
                    self._stamp = self._current_stamp()
                    self._data = _Snapshot(self.engine)
                return self._data
        if self._current_stamp() != self._stamp:
            self.refresh()
        return self._data

    def check_due(self) -> bool:
        """Whether the next :attr:`data` looks at the database (first snapshot, or the stamp is due)."""
        return self._data is None or time.monotonic() - self._stamp_checked >= self.STAMP_INTERVAL_S

    def refresh(self) -> threading.Thread:
        """Rebuild the snapshot in the background (if one is being built, once more after it); returns the
        builder thread. Requests keep getting the previous snapshot until the new one is complete."""
        with self._lock:
            if self._builder is not None and self._builder.is_alive():
                self._build_again = True
                return self._builder
            self._build_again = False
            self._builder = threading.Thread(target=self._rebuild, name="segreform-barometer-refresh", daemon=True)
            self._builder.start()
            return self._builder

    def wait_until_current(self, timeout: float = 120.0) -> bool:
        """Block until no rebuild is running (for tests, benchmarks and the CLI); False on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            builder = self._builder
            if builder is None or not builder.is_alive():
                return True
            builder.join(max(0.0, deadline - time.monotonic()))
            if time.monotonic() >= deadline:
                return not builder.is_alive()

    def _rebuild(self) -> None:
        while True:
            try:
                stamp = self._current_stamp()
                previous = self._data
                changed = _changed_datasets(self._stamp, stamp) if previous is not None else None
                snapshot = _Snapshot(self.engine, previous=previous, changed=changed)
                snapshot.warm()
                for prepare in list(self.prepare):
                    prepare(snapshot)
                with self._lock:
                    self._data, self._stamp = snapshot, stamp
            except Exception:  # the previous snapshot stays in service; the next change tries again
                logging.getLogger("segreform.barometer").warning("barometer refresh failed", exc_info=True)
            with self._lock:
                if not self._build_again:
                    self._builder = None if self._builder is threading.current_thread() else self._builder
                    return
                self._build_again = False


_LIVE_BAROMETERS: "weakref.WeakSet[Barometer]" = weakref.WeakSet()
OBSERVATION_LEVELS = ("regso", "kommun", "lan", "riket")


def _changed_datasets(old_stamp, new_stamp) -> set[str] | None:
    """Names of datasets whose releases differ between two stamps; None when everything must be read again."""
    if not isinstance(old_stamp, tuple) or len(old_stamp) != 2 or old_stamp[1] != new_stamp[1]:
        return None

    def by_name(rows):
        found: dict[str, set] = {}
        for row in rows:
            found.setdefault(row[0], set()).add(row)
        return found

    old, new = by_name(old_stamp[0]), by_name(new_stamp[0])
    return {name for name in old.keys() | new.keys() if old.get(name) != new.get(name)}


def _refresh_after_import(engine: Engine, result) -> None:
    """After-import hook: every barometer on the same database looks at its data stamp on its next request
    (which starts the background rebuild and is answered from the old snapshot), not a second later. A
    barometer nobody asks is not rebuilt for nothing."""
    url = engine.url.render_as_string(hide_password=False)
    for barometer in list(_LIVE_BAROMETERS):
        if barometer.engine.url.render_as_string(hide_password=False) == url:
            barometer._stamp_checked = float("-inf")
    return None



class _Snapshot:
    """Everything derived from one state of the database. Built lazily, piece by piece.

    A snapshot made with ``previous`` and ``changed`` (dataset names) reads from the database only the
    observations of the changed datasets and takes the others from ``previous``; the segregation indices are
    kept too when the changed datasets carry none of their inputs.
    """

    def __init__(self, engine: Engine, previous: "_Snapshot | None" = None, changed: set[str] | None = None):
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
        from segreform.data import queries

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

    # -- areas ---------------------------------------------------------------------------------------
    @cached_property
    def lan(self) -> pd.DataFrame:
        from segreform.data import queries

        return queries.areas(self.engine, "lan")

    @cached_property
    def kommuner(self) -> pd.DataFrame:
        from segreform.data import queries

        frame = queries.areas(self.engine, "kommun")
        frame["lan_name"] = frame["parent_code"].map(self.lan.set_index("code")["name"])
        return frame

    @cached_property
    def regso(self) -> pd.DataFrame:
        from segreform.data import queries

        frame = queries.areas(self.engine, "regso")
        frame["kommun_name"] = frame["parent_code"].map(self.kommuner.set_index("code")["name"])
        frame["lan_code"] = frame["parent_code"].map(self.kommuner.set_index("code")["parent_code"])
        return frame

    @cached_property
    def area_names(self) -> dict[str, str]:
        """Kommun and län names by code (for labels)."""
        return {**dict(zip(self.lan["code"], self.lan["name"])), **dict(zip(self.kommuner["code"], self.kommuner["name"]))}

    @cached_property
    def kommun_options(self) -> list[tuple[str, str]]:
        """(code, name) of every kommun, for pickers."""
        return list(zip(self.kommuner["code"], self.kommuner["name"]))

    @cached_property
    def police(self) -> pd.DataFrame:
        from segreform.data import queries

        return queries.police_areas(self.engine)

    @cached_property
    def has_data(self) -> bool:
        return not self.kommuner.empty

    # -- observations --------------------------------------------------------------------------------
    @cached_property
    def observations(self) -> pd.DataFrame:
        """Every current observation at RegSO and kommun level (long), loaded once per snapshot."""
        from segreform.data import queries

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

    # -- area types -----------------------------------------------------------------------------------
    @cached_property
    def area_types(self) -> pd.DataFrame:
        """Area type per RegSO and year: DataFrame[area_code, year, area_type, basis, source].

        ``basis`` says which is shown: "published" (SCB/Delmos' own types, e.g. the bundled 2022) or
        "computed" (from the three shares with :mod:`segreform.barometer.typology`, default cut-points).
        A published type wins where both exist for a year.
        """
        wide = self.regso_wide
        parts = []
        if all(v in wide.columns for v in TYPE_INPUT_VARIABLES):
            inputs = wide.dropna(subset=list(TYPE_INPUT_VARIABLES)).copy()
            if not inputs.empty:
                inputs["index"] = typology.socioeconomic_index(*(inputs[v] for v in TYPE_INPUT_VARIABLES))
                computed = typology.area_types_by_year(inputs)
                computed = computed[computed["area_type"] > 0]
                computed["basis"] = "computed"
                computed["source"] = "segreform, computed from SCB shares"
                parts.append(computed[["area_code", "year", "area_type", "basis", "source"]])
        if PUBLISHED_TYPE_VARIABLE in wide.columns:
            published = wide.dropna(subset=[PUBLISHED_TYPE_VARIABLE])[["area_code", "year", PUBLISHED_TYPE_VARIABLE]]
            published = published.rename(columns={PUBLISHED_TYPE_VARIABLE: "area_type"})
            published["area_type"] = published["area_type"].astype(int)
            published["basis"] = "published"
            source, table = self.variable_source(PUBLISHED_TYPE_VARIABLE)
            published["source"] = f"{source} {table}".strip()
            parts.append(published)
        if not parts:
            return pd.DataFrame(columns=["area_code", "year", "area_type", "basis", "source"])
        combined = pd.concat(parts[::-1], ignore_index=True)  # published first, so it wins below
        combined = combined.drop_duplicates(["area_code", "year"], keep="first")
        return combined.sort_values(["area_code", "year"]).reset_index(drop=True)

    @cached_property
    def status(self) -> pd.DataFrame:
        """Status × trend and time in type per RegSO (see :func:`typology.status_and_trend`)."""
        return typology.status_and_trend(self.area_types)

    @cached_property
    def type_years(self) -> tuple[int, ...]:
        return tuple(sorted(self.area_types["year"].unique().tolist()))

    def population_by_type(self, year: int | None = None) -> pd.DataFrame:
        """Population per area type for every kommun, län and the nation in ``year`` (default: latest).

        Returns DataFrame[level, code, area_type, population, share, year] (share of the area's population).
        """
        years = self.type_years
        if not years or "folkmangd" not in self.regso_wide.columns:
            return pd.DataFrame(columns=["level", "code", "area_type", "population", "share", "year"])
        year = years[-1] if year is None else int(year)
        key = ("population_by_type", year)
        if key in self._layer_cache:
            return self._layer_cache[key]
        types = self.area_types[self.area_types["year"] == year][["area_code", "area_type"]]
        population = self.regso_wide[self.regso_wide["year"] == year][["area_code", "kommun", "lan", "folkmangd"]]
        joined = population.merge(types, on="area_code", how="inner")
        joined["nation"] = NATION_CODE
        frames = []
        for level, column in (("kommun", "kommun"), ("lan", "lan"), ("riket", "nation")):
            counts = joined.groupby([column, "area_type"])["folkmangd"].sum().unstack(fill_value=0)
            counts = counts.reindex(columns=list(typology.AREA_TYPES), fill_value=0)
            shares = counts.div(counts.sum(axis=1), axis=0)
            long = counts.stack().rename("population").to_frame().join(shares.stack().rename("share"))
            long = long.reset_index().rename(columns={column: "code"})
            long["level"] = level
            frames.append(long)
        result = pd.concat(frames, ignore_index=True)
        result["year"] = year
        result = result[["level", "code", "area_type", "population", "share", "year"]]
        self._layer_cache[key] = result
        return result

    # -- indicators -----------------------------------------------------------------------------------
    def indicator_values(self, indicator: registry.Indicator, level: str) -> pd.DataFrame:
        """Values of ``indicator`` for every area of ``level`` ("regso", "kommun", "lan" or "riket") and year.

        Stored values at that level are used as they are. A share of counts (numerator/denominator) stored at
        RegSO level is summed up to kommun, län and nation before dividing, which is exact. Returns
        DataFrame[code, year, value] (empty where nothing is loaded).
        """
        key = ("indicator", indicator.id, level)
        if key in self._layer_cache:
            return self._layer_cache[key]
        if indicator.variable == registry.POLICE_AREAS:
            result = self._police_counts(level)
        else:
            stored = registry.compute(indicator, self.observations[self.observations["level"] == level])
            result = stored.rename(columns={"area_code": "code"})
            if result.empty and indicator.numerator and level != "regso":
                result = self._aggregated_share(indicator, level)
        result = result[["code", "year", "value"]].reset_index(drop=True)
        self._layer_cache[key] = result
        return result

    def _indicator_lookup(self, indicator: registry.Indicator, level: str) -> dict:
        """{(code, year): value} of an indicator at a level, built once."""
        key = ("lookup", indicator.id, level)
        if key not in self._layer_cache:
            values = self.indicator_values(indicator, level)
            self._layer_cache[key] = dict(
                zip(zip(values["code"], values["year"].astype(int)), values["value"].astype(float))
            )
        return self._layer_cache[key]

    def _indicator_years(self, indicator: registry.Indicator) -> dict:
        """{kommun code: [years]} that have the indicator, built once."""
        key = ("years", indicator.id)
        if key not in self._layer_cache:
            years: dict = {}
            for code, year in self._indicator_lookup(indicator, "kommun"):
                years.setdefault(code, []).append(year)
            self._layer_cache[key] = years
        return self._layer_cache[key]

    def _aggregated_share(self, indicator: registry.Indicator, level: str) -> pd.DataFrame:
        wide = self.regso_wide
        inputs = list(indicator.inputs)
        if any(v not in wide.columns for v in inputs):
            return pd.DataFrame(columns=["code", "year", "value"])
        column = {"kommun": "kommun", "lan": "lan", "riket": None}[level]
        frame = wide.dropna(subset=inputs).copy()
        frame["code"] = frame[column] if column else NATION_CODE
        sums = frame.groupby(["code", "year"])[inputs].sum()
        denominator = sums[list(indicator.denominator)].sum(axis=1)
        values = sums[indicator.numerator] / denominator.where(denominator != 0)
        return values.rename("value").reset_index().dropna(subset=["value"])

    def _police_counts(self, level: str) -> pd.DataFrame:
        police = self.police
        if police.empty or level == "regso":
            return pd.DataFrame(columns=["code", "year", "value"])
        year = int(str(police["reference_date"].iloc[0])[:4])
        if level == "kommun":
            counts = police.groupby("kommunkod").size().reindex(self.kommuner["code"], fill_value=0)
        elif level == "lan":
            lan_of = self.kommuner.set_index("code")["parent_code"]
            counts = police.groupby(police["kommunkod"].map(lan_of)).size().reindex(self.lan["code"], fill_value=0)
        else:
            counts = pd.Series({NATION_CODE: len(police)})
        return pd.DataFrame({"code": counts.index.astype(str), "year": year, "value": counts.to_numpy(dtype=float)})

    def indicator_status(self) -> list[dict]:
        """Every registry indicator with whether it is loaded, the years and levels it has, and its source."""
        rows = []
        for area in registry.registry():
            for item in area.indicators:
                levels = {}
                for level in item.levels:
                    values = self.indicator_values(item, level)
                    if not values.empty:
                        levels[level] = (int(values["year"].min()), int(values["year"].max()))
                rows.append({"focus_area": area, "indicator": item, "loaded": bool(levels), "levels": levels})
        return rows

    # -- segregation indices ---------------------------------------------------------------------------
    def _index_input(self) -> pd.DataFrame:
        wide = self.regso_wide
        if any(g not in wide.columns for g in SEGREGATION_GROUPS):
            return pd.DataFrame()
        frame = wide.dropna(subset=list(SEGREGATION_GROUPS))[["area_code", "year", "kommun", "lan", *SEGREGATION_GROUPS]]
        frame = frame.copy()
        frame["nation"] = NATION_CODE
        return frame

    def segregation_indices(self, level: str, code: str | None = None, *, bootstrap: int = 0) -> pd.DataFrame:
        """Segregation of the foreign-born from the Swedish-born across RegSO, per area of ``level`` and year.

        ``level`` is "kommun", "lan" or "riket"; ``code`` picks one area from the result. Returns
        DataFrame[code, year, index, value, se, ci_low, ci_high] (se/ci NaN without bootstrap).

        The whole level is computed at once and cached per (level, bootstrap), so an area's interval is the
        same whichever page asked first (the bootstrap draws depend on the seed and the whole input only).
        """
        key = (level, bootstrap)
        with self._lock:
            if key not in self._indices_cache:
                self._indices_cache[key] = self._compute_indices(level, bootstrap)
            result = self._indices_cache[key]
        if code is not None:
            result = result[result["code"] == code].reset_index(drop=True)
        return result

    def _compute_indices(self, level: str, bootstrap: int) -> pd.DataFrame:
        from segreform.measure import indices

        frame = self._index_input()
        column = {"kommun": "kommun", "lan": "lan", "riket": "nation"}[level]
        empty = pd.DataFrame(columns=["code", "year", "index", "value", "se", "ci_low", "ci_high"])
        if frame.empty:
            return empty
        # A segment of one area has no segregation to measure; the engine would reject it.
        sizes = frame.groupby([column, "year"])["area_code"].transform("size")
        frame = frame[sizes >= 2]
        if frame.empty:
            return empty
        result = indices(
            frame,
            unit="area_code",
            groups=list(SEGREGATION_GROUPS),
            by=[column, "year"],
            index=list(PROFILE_INDICES),
            focal=FOCAL_GROUP,
            bootstrap=bootstrap,
            seed=BOOTSTRAP_SEED if bootstrap else None,
        )
        result = result.rename(columns={column: "code", "estimate": "value"})
        for missing in ("se", "ci_low", "ci_high"):
            if missing not in result.columns:
                result[missing] = np.nan
        result = result[["code", "year", "index", "value", "se", "ci_low", "ci_high"]].reset_index(drop=True)
        result["year"] = result["year"].astype(int)
        return result

    # -- overview layers --------------------------------------------------------------------------------
    @cached_property
    def layers(self) -> dict[str, Layer]:
        """What the overview map can show, only layers with loaded data: indicators, indices, type shares."""
        found: dict[str, Layer] = {}
        for row in self.indicator_status():
            item = row["indicator"]
            values = self.indicator_values(item, "kommun")
            if values.empty:
                continue
            found[f"indicator:{item.id}"] = Layer(
                id=f"indicator:{item.id}", label=item.name, unit=item.unit, direction=item.direction,
                source=item.origin, years=tuple(sorted(values["year"].unique().tolist())),
            )
        index_years = tuple(sorted(self._index_input()["year"].unique().tolist())) if not self._index_input().empty else ()
        if index_years:
            for name in PROFILE_INDICES:
                found[f"index:{name}"] = Layer(
                    id=f"index:{name}", label=INDEX_LABELS[name], unit="index 0–1", direction="higher_is_worse",
                    source=SEGREFORM_SOURCE, years=index_years,
                )
        if self.type_years and "folkmangd" in self.regso_wide.columns:
            found["types:12"] = Layer(
                id="types:12",
                label={"sv": "Andel av befolkningen i områdestyp 1–2", "en": "Share of the population in area types 1–2"},
                unit="share", direction="higher_is_worse",
                source=f"{self.area_types['source'].iloc[-1]}; SCB BE0101", years=self.type_years,
            )
        return found

    def layer_values(self, layer_id: str, year: int | None = None) -> tuple[Layer, int, pd.DataFrame]:
        """Kommun values of one overview layer: (layer, year, DataFrame[code, name, lan, value, rank]).

        ``year`` defaults to the layer's latest. Rank 1 is the highest value. Raises KeyError for an unknown
        layer and ValueError for a year the layer lacks (both name what is available).
        """
        if layer_id not in self.layers:
            raise KeyError(f"unknown or unloaded layer {layer_id!r}; available: {sorted(self.layers)}")
        layer = self.layers[layer_id]
        year = layer.years[-1] if year is None else int(year)
        if year not in layer.years:
            raise ValueError(f"layer {layer_id!r} has no data for {year}; years: {list(layer.years)}")
        key = ("layer", layer_id, year)
        if key in self._layer_cache:
            return layer, year, self._layer_cache[key]
        kind, _, name = layer_id.partition(":")
        if kind == "indicator":
            values = self.indicator_values(registry.get_indicator(name), "kommun")
            values = values[values["year"] == year][["code", "value"]]
        elif kind == "index":
            values = self.segregation_indices("kommun")
            values = values[(values["year"] == year) & (values["index"] == name)][["code", "value"]]
        else:
            shares = self.population_by_type(year)
            shares = shares[(shares["level"] == "kommun") & shares["area_type"].isin([1, 2])]
            values = shares.groupby("code")["share"].sum().rename("value").reset_index()
        table = self.kommuner[["code", "name", "lan_name"]].merge(values, on="code", how="left")
        table["rank"] = table["value"].rank(ascending=False, method="min").astype("Int64")
        table = table.sort_values(["rank", "name"], na_position="last").reset_index(drop=True)
        self._layer_cache[key] = table
        return layer, year, table

    # -- profiles ---------------------------------------------------------------------------------------
    @cached_property
    def _kommun_rows(self) -> dict[str, dict]:
        return {row["code"]: row for row in self.kommuner.to_dict("records")}

    def kommun(self, code: str) -> dict:
        """The kommun's row {code, name, level, version, parent_code, lan_name}; LookupError names a wrong code."""
        row = self._kommun_rows.get(code)
        if row is None:
            raise LookupError(f"no kommun with code {code!r} (four digits, e.g. 0180 for Stockholm)")
        return dict(row)

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

    def police_matches(self, kommun_code: str) -> pd.DataFrame:
        """The police's vulnerable areas in a kommun with the RegSO each covers, by polygon overlay
        (:func:`segreform.barometer.police.regso_matches`). DataFrame[name, category, regso_code, regso_name, ...]
        with regso_code "" where the area has no polygon."""
        key = ("police_matches", kommun_code)
        if key not in self._layer_cache:
            self._layer_cache[key] = police_overlay.regso_matches(self.police, self.regso, kommun_code)
        return self._layer_cache[key]

    def comparison(self, kommun_code: str, others: list[str] | tuple[str, ...] = ()) -> pd.DataFrame:
        """Every loaded kommun-level indicator for the kommun, its county, the nation and chosen kommuner.

        DataFrame[indicator, focus_area, unit, direction, source, year, <kommun>, <län>, "00" (nation), <others>...]
        (columns named by area code; the latest year the kommun has).
        """
        kommun = self.kommun(kommun_code)
        for other in others:
            self.kommun(other)
        key = ("comparison", kommun_code, tuple(others))
        if key in self._layer_cache:
            return self._layer_cache[key]
        columns = [("kommun", kommun_code), ("lan", kommun["parent_code"]), ("riket", NATION_CODE)]
        columns += [("kommun", other) for other in others if other != kommun_code]
        rows = []
        for area in registry.registry():
            for item in area.indicators:
                years = self._indicator_years(item).get(kommun_code)
                if not years:
                    continue
                year = max(years)
                row = {
                    "indicator": item.id, "focus_area": area.key, "unit": item.unit, "direction": item.direction,
                    "source": item.origin, "year": year,
                }
                for level, code in columns:
                    row[code] = self._indicator_lookup(item, level).get((code, year), np.nan)
                rows.append(row)
        base = ["indicator", "focus_area", "unit", "direction", "source", "year"]
        result = pd.DataFrame(rows, columns=base + [code for _, code in columns])
        self._layer_cache[key] = result
        return result

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

    def search(self, query: str, limit: int = 50) -> pd.DataFrame:
        """Kommuner, police areas and RegSO by name or code, best first (:func:`segreform.barometer.search.search`).

        DataFrame[level, code, name, kommun_name]; a police area's code is its kommun's.
        """
        return area_search.search(query, self.kommuner, self.regso, self.police, limit)


INDEX_LABELS = {
    "dissimilarity": {"sv": "Segregationsindex D (utrikes/inrikes födda)", "en": "Dissimilarity D (foreign/Swedish-born)"},
    "isolation": {"sv": "Isoleringsindex, utrikes födda", "en": "Isolation of the foreign-born"},
    "theil_h": {"sv": "Theils H (utrikes/inrikes födda)", "en": "Theil's H (foreign/Swedish-born)"},
}


# -- map layers (geometry does not change with the data: cached for the process) ----------------------------
_MAP_LOCK = threading.Lock()
_MAP_CACHE: dict[str, maps.SerialisedLayer] = {}
MAP_METADATA = {
    "source": "SCB, Regionala statistikområden (RegSO) 2025 and kommun boundaries, simplified by segreform",
    "licence": "CC0 1.0 (SCB öppna geodata)",
}


def map_layer_ready(level: str) -> bool:
    """Whether :func:`map_layer` has the level at hand (answers without computing)."""
    return level in _MAP_CACHE


def map_layer(level: str) -> maps.SerialisedLayer:
    """The simplified, serialised boundaries of ``level`` ("regso", "kommun" or "lan"), built once per process."""
    with _MAP_LOCK:
        if level not in _MAP_CACHE:
            from segreform.data.bundled import boundaries

            _MAP_CACHE[level] = maps.simplified_layer(
                boundaries(level), tolerance=maps.DEFAULT_TOLERANCE[level], metadata={**MAP_METADATA, "level": level}
            )
        return _MAP_CACHE[level]
