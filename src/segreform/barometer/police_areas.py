"""The police's vulnerable areas in one snapshot: the list, the RegSO each covers and counts per area.

Part of :class:`segreform.barometer.snapshot.Snapshot`. Needs from the snapshot: ``engine``, ``regso``,
``kommuner``, ``lan`` (:class:`~segreform.barometer.places.Places`) and the ``_layer_cache`` dict.
"""

from __future__ import annotations

from functools import cached_property

import pandas as pd

from segreform.barometer import police as police_overlay
from segreform.barometer.places import NATION_CODE
from segreform.data import queries


class PoliceAreas:
    """The police's list as loaded, matched to RegSO by polygon and counted per kommun, län and nation."""

    @cached_property
    def police(self) -> pd.DataFrame:
        return queries.police_areas(self.engine)

    def police_matches(self, kommun_code: str) -> pd.DataFrame:
        """The police's vulnerable areas in a kommun with the RegSO each covers, by polygon overlay
        (:func:`segreform.barometer.police.regso_matches`). DataFrame[name, category, regso_code, regso_name, ...]
        with regso_code "" where the area has no polygon."""
        key = ("police_matches", kommun_code)
        if key not in self._layer_cache:
            self._layer_cache[key] = police_overlay.regso_matches(self.police, self.regso, kommun_code)
        return self._layer_cache[key]

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
