"""Focus-area indicators of one snapshot: values per area and year at every level, what is loaded, and a
kommun beside its county, the nation and other kommuner.

Part of :class:`segreform.barometer.snapshot.Snapshot`. Needs from the snapshot: ``observations``,
``regso_wide``, ``kommun`` (places), ``_police_counts`` (police areas) and the ``_layer_cache`` dict.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from segreform.barometer import indicators as registry
from segreform.barometer.places import NATION_CODE

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


class IndicatorValues:
    """Indicator values from the registry (:mod:`segreform.barometer.indicators`) over the loaded observations."""

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
