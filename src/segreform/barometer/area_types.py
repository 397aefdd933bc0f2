"""Area types (områdestyper) of one snapshot: published or computed per RegSO and year, status × trend,
and the population living in each type.

Part of :class:`segreform.barometer.snapshot.Snapshot`. Needs from the snapshot: ``regso_wide``,
``variable_source`` (observations) and the ``_layer_cache`` dict.
"""

from __future__ import annotations

from functools import cached_property

import pandas as pd

from segreform.barometer import typology
from segreform.barometer.places import NATION_CODE

PUBLISHED_TYPE_VARIABLE = "omradestyp"
# Stored variables (shares 0–1 per RegSO and year) from which the types are computed where they are loaded.
TYPE_INPUT_VARIABLES = (
    "andel_lag_ekonomisk_standard",
    "andel_forgymnasial_utbildning_20_64",
    "andel_langvarigt_bistand_eller_arbetsloshet_20_64",
)


class AreaTypes:
    """Which type each RegSO has in each year, and what follows from it."""

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
