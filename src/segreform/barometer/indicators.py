"""The registry of focus areas and their indicators (``indicators.yaml``), and computing an indicator's values.

Each indicator names its source, unit, direction (is a higher value better or worse?) and where it comes
from (a Kolada KPI id or an SCB table); it is either one stored variable or a share of stored variables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

REGISTRY_FILE = Path(__file__).with_name("indicators.yaml")
DIRECTIONS = ("higher_is_better", "higher_is_worse", "neutral")
# The police's list is not an observation table; the profiles count it from police_areas().
POLICE_AREAS = "police_areas"


@dataclass(frozen=True)
class Indicator:
    """One indicator of a focus area, as declared in ``indicators.yaml``."""

    id: str
    focus_area: str
    name: dict
    unit: str
    direction: str
    source: str
    levels: tuple[str, ...]
    variable: str | None = None
    numerator: str | None = None
    denominator: tuple[str, ...] = ()
    kolada: str | None = None
    scb_table: str | None = None
    import_command: str | None = None
    bundled: bool = False
    measures: dict = field(default_factory=dict)
    dataset: str | None = None

    @property
    def inputs(self) -> tuple[str, ...]:
        """The stored variables this indicator is computed from."""
        if self.variable:
            return (self.variable,)
        return tuple(dict.fromkeys((self.numerator, *self.denominator)))

    @property
    def origin(self) -> str:
        """Where the figures come from, for labels: "Kolada N03926" or the SCB table."""
        return f"Kolada {self.kolada}" if self.kolada else (self.scb_table or self.source)

    def label(self, lang: str) -> str:
        return self.name.get(lang) or self.name["sv"]

    def description(self, lang: str) -> str:
        """What the indicator measures (from ``measures`` in the registry; "" when not stated)."""
        return self.measures.get(lang) or self.measures.get("sv", "")


@dataclass(frozen=True)
class FocusArea:
    key: str
    name: dict
    indicators: tuple[Indicator, ...] = field(default_factory=tuple)

    def label(self, lang: str) -> str:
        return self.name.get(lang) or self.name["sv"]


def _parse_indicator(focus_key: str, raw: dict, where: str) -> Indicator:
    def need(key):
        if key not in raw:
            raise ValueError(f"{where}: indicator {raw.get('id', '?')!r} lacks the field {key!r}")
        return raw[key]

    direction = need("direction")
    if direction not in DIRECTIONS:
        raise ValueError(f"{where}: indicator {raw['id']!r} has direction {direction!r}; use one of {DIRECTIONS}")
    name = need("name")
    if not {"sv", "en"} <= set(name):
        raise ValueError(f"{where}: indicator {raw['id']!r} needs a name in both sv and en")
    if not (raw.get("variable") or raw.get("numerator")):
        raise ValueError(f"{where}: indicator {raw['id']!r} needs `variable` or `numerator` + `denominator`")
    if raw.get("numerator") and not raw.get("denominator"):
        raise ValueError(f"{where}: indicator {raw['id']!r} has a numerator but no denominator")
    if not (raw.get("kolada") or raw.get("scb_table")):
        raise ValueError(f"{where}: indicator {raw['id']!r} needs `kolada` (KPI id) or `scb_table`")
    denominator = raw.get("denominator") or ()
    if isinstance(denominator, str):
        denominator = (denominator,)
    return Indicator(
        id=need("id"),
        focus_area=focus_key,
        name=dict(name),
        unit=need("unit"),
        direction=direction,
        source=need("source"),
        levels=tuple(need("levels")),
        variable=raw.get("variable"),
        numerator=raw.get("numerator"),
        denominator=tuple(denominator),
        kolada=raw.get("kolada"),
        scb_table=raw.get("scb_table"),
        import_command=raw.get("import"),
        bundled=bool(raw.get("bundled", False)),
        measures=dict(raw.get("measures") or {}),
        dataset=raw.get("dataset"),
    )


def load_registry(path: Path | str = REGISTRY_FILE) -> tuple[FocusArea, ...]:
    """Read and check a registry file; errors name the file, the indicator and the field."""
    path = Path(path)
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    areas = document.get("focus_areas")
    if not isinstance(areas, dict) or not areas:
        raise ValueError(f"{path}: expected a mapping `focus_areas:` with at least one focus area")
    seen: set[str] = set()
    result = []
    for key, body in areas.items():
        indicators = tuple(_parse_indicator(key, raw, str(path)) for raw in body.get("indicators", []))
        for item in indicators:
            if item.id in seen:
                raise ValueError(f"{path}: indicator id {item.id!r} appears twice")
            seen.add(item.id)
        result.append(FocusArea(key=key, name=dict(body["name"]), indicators=indicators))
    return tuple(result)


@lru_cache(maxsize=1)
def registry() -> tuple[FocusArea, ...]:
    """The shipped registry (read once)."""
    return load_registry()


def all_indicators() -> dict[str, Indicator]:
    return {item.id: item for area in registry() for item in area.indicators}


def get_indicator(indicator_id: str) -> Indicator:
    """The indicator with this id; a ValueError lists the valid ids."""
    known = all_indicators()
    if indicator_id not in known:
        raise ValueError(f"unknown indicator {indicator_id!r}; choose one of {sorted(known)}")
    return known[indicator_id]


def compute(indicator: Indicator, observations: pd.DataFrame) -> pd.DataFrame:
    """The indicator's values from a long observations table [area_code, year, variable, value, ...].

    Returns DataFrame[area_code, year, value] (one row per area and year that has every input).
    A share is numerator / sum(denominator); a zero denominator gives NaN, never an error.
    """
    needed = [v for v in indicator.inputs if v != POLICE_AREAS]
    subset = observations[observations["variable"].isin(needed)]
    if subset.empty:
        return pd.DataFrame(columns=["area_code", "year", "value"])
    wide = subset.pivot_table(index=["area_code", "year"], columns="variable", values="value", aggfunc="first")
    if any(v not in wide.columns for v in needed):
        return pd.DataFrame(columns=["area_code", "year", "value"])
    if indicator.variable:
        values = wide[indicator.variable]
    else:
        denominator = wide[list(indicator.denominator)].sum(axis=1, min_count=len(indicator.denominator))
        values = wide[indicator.numerator] / denominator.where(denominator != 0)
    return values.rename("value").reset_index().dropna(subset=["value"])
