"""What the overview map can colour kommuner by (one snapshot's loaded data), and the boundaries it draws.

:class:`MapLayers` is part of :class:`segreform.barometer.snapshot.Snapshot`; it needs from the snapshot
``indicator_status``/``indicator_values``, ``segregation_indices``/``_index_input``, ``area_types``/
``type_years``/``population_by_type``, ``regso_wide``, ``kommuner`` and the ``_layer_cache`` dict.
The boundaries (:func:`map_layer`) do not change with the data and are cached for the process.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from segreform.barometer import indicators as registry
from segreform.barometer import maps
from segreform.barometer.segregation import INDEX_LABELS, PROFILE_INDICES, SEGREFORM_SOURCE
from segreform.data.bundled import boundaries


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


class MapLayers:
    """The overview map's layers: indicators, segregation indices and the share living in area types 1–2."""

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
            _MAP_CACHE[level] = maps.simplified_layer(
                boundaries(level), tolerance=maps.DEFAULT_TOLERANCE[level], metadata={**MAP_METADATA, "level": level}
            )
        return _MAP_CACHE[level]
