"""Where things are: län, kommuner and RegSO of one snapshot, and finding them by name or code.

The first part of :class:`segreform.barometer.snapshot.Snapshot`; it reads the areas from the store.
Needs from the snapshot: ``engine``, ``police`` (for :meth:`Places.search`).
"""

from __future__ import annotations

from functools import cached_property

import pandas as pd

from segreform.barometer import search as area_search
from segreform.data import queries

NATION_CODE = "00"


class Places:
    """Län, kommuner and RegSO with their parents' names and codes."""

    @cached_property
    def lan(self) -> pd.DataFrame:
        return queries.areas(self.engine, "lan")

    @cached_property
    def kommuner(self) -> pd.DataFrame:
        frame = queries.areas(self.engine, "kommun")
        frame["lan_name"] = frame["parent_code"].map(self.lan.set_index("code")["name"])
        return frame

    @cached_property
    def regso(self) -> pd.DataFrame:
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
    def has_data(self) -> bool:
        return not self.kommuner.empty

    @cached_property
    def _kommun_rows(self) -> dict[str, dict]:
        return {row["code"]: row for row in self.kommuner.to_dict("records")}

    def kommun(self, code: str) -> dict:
        """The kommun's row {code, name, level, version, parent_code, lan_name}; LookupError names a wrong code."""
        row = self._kommun_rows.get(code)
        if row is None:
            raise LookupError(f"no kommun with code {code!r} (four digits, e.g. 0180 for Stockholm)")
        return dict(row)

    def search(self, query: str, limit: int = 50) -> pd.DataFrame:
        """Kommuner, police areas and RegSO by name or code, best first (:func:`segreform.barometer.search.search`).

        DataFrame[level, code, name, kommun_name]; a police area's code is its kommun's.
        """
        return area_search.search(query, self.kommuner, self.regso, self.police, limit)
