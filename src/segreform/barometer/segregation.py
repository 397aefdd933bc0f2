"""Segregation of the foreign-born from the Swedish-born across RegSO in one snapshot, per kommun, län and
the nation, with bootstrap intervals where the kommun profile shows them.

Part of :class:`segreform.barometer.snapshot.Snapshot`. Needs from the snapshot: ``regso_wide`` and
``_lock``/``_indices_cache`` (kept across snapshots when no input changed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from segreform.barometer.places import NATION_CODE
from segreform.measure import indices

SEGREGATION_GROUPS = ("inrikes_fodda", "utrikes_fodda")
FOCAL_GROUP = "utrikes_fodda"
# Shown on the kommun profile with intervals; the overview offers the same as map layers.
PROFILE_INDICES = ("dissimilarity", "isolation", "theil_h")
BOOTSTRAP_DRAWS = 200  # for the intervals on the kommun profile
BOOTSTRAP_SEED = 20250101
SEGREFORM_SOURCE = "segreform, computed from SCB (BE0101, RegSO)"

INDEX_LABELS = {
    "dissimilarity": {"sv": "Segregationsindex D (utrikes/inrikes födda)", "en": "Dissimilarity D (foreign/Swedish-born)"},
    "isolation": {"sv": "Isoleringsindex, utrikes födda", "en": "Isolation of the foreign-born"},
    "theil_h": {"sv": "Theils H (utrikes/inrikes födda)", "en": "Theil's H (foreign/Swedish-born)"},
}


class Segregation:
    """The measure engine's indices (:func:`segreform.measure.indices`) over the RegSO counts."""

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
