"""Segregation as an outcome: kommun × year (and län, Riket) indices of the foreign-born against the Swedish-born
over RegSO, stored as a dataset so that evaluation plans can name them as outcome variables.

Computed with :func:`segreform.measure.indices` from the stored RegSO counts, at ``segreform init`` and again
after every import that stores new counts of the Swedish- and foreign-born (an after-import step, see
:func:`segreform.data.writer.on_import`). The content hash is the hash of the inputs, so an unchanged input
never writes a second release; a changed one becomes the new current release.
"""

from __future__ import annotations

import contextlib
import threading

import pandas as pd
from sqlalchemy import Engine, select

from segreform.data import queries
from segreform.data.writer import ImportResult, Release, on_import, sha256_of, write_release
from segreform.store.models.data import Dataset, DatasetVariable

SEGREGATION_DATASET = "segreform_segregation_utrikes_inrikes"
SWEDISH_BORN, FOREIGN_BORN = "inrikes_fodda", "utrikes_fodda"
INPUT_VARIABLES = (SWEDISH_BORN, FOREIGN_BORN)
# measure index name → (stored variable, label)
OUTCOME_INDICES = {
    "dissimilarity": ("segregation_d_utrikes_inrikes", "Dissimilarity index D, foreign- vs Swedish-born, over RegSO"),
    "theil_h": ("segregation_h_utrikes_inrikes", "Theil's information index H, foreign- vs Swedish-born, over RegSO"),
    "isolation": ("segregation_isolation_utrikes", "Isolation index of the foreign-born (xPx*), over RegSO"),
}
SOURCE = "segreform, computed from SCB (BE0101, RegSO: inrikes/utrikes födda)"
LEVELS = ("kommun", "lan", "riket")
_deferred = threading.local()


@contextlib.contextmanager
def deferred():
    """Within this block imports do not recompute the outcomes (the first run computes them once at its end)."""
    _deferred.active = True
    try:
        yield
    finally:
        _deferred.active = False


def _inputs(engine: Engine) -> pd.DataFrame:
    """The current RegSO counts with kommun and län, one row per RegSO and year (both groups present)."""
    counts = queries.observations(engine, list(INPUT_VARIABLES), level="regso")
    if counts.empty:
        return pd.DataFrame()
    # Where two datasets hold the same counts (a new table imported beside the bundled one), the latest import wins.
    imported = queries.datasets(engine).query("is_current").set_index("name").imported_at
    counts = (counts.assign(imported_at=counts.dataset.map(imported)).sort_values("imported_at", kind="stable")
              .drop_duplicates(["area_code", "year", "variable"], keep="last"))
    wide = counts.pivot_table(index=["area_code", "year"], columns="variable", values="value", aggfunc="first")
    if any(v not in wide.columns for v in INPUT_VARIABLES):
        return pd.DataFrame()
    wide = wide.dropna(subset=list(INPUT_VARIABLES)).reset_index()
    kommuner = queries.areas(engine, "kommun")
    regso = queries.areas(engine, "regso")
    wide["kommun"] = wide.area_code.map(regso.set_index("code")["parent_code"])
    wide["lan"] = wide.kommun.map(kommuner.set_index("code")["parent_code"])
    wide["riket"] = "00"
    return wide.dropna(subset=["kommun", "lan"]).sort_values(["area_code", "year"]).reset_index(drop=True)


def _inputs_sha256(frame: pd.DataFrame) -> str:
    text = frame[["area_code", "year", *INPUT_VARIABLES]].to_csv(index=False, float_format="%.6f")
    return sha256_of("segregation outcomes v1\n" + text)


def segregation_release(engine: Engine) -> Release | None:
    """The indices of every kommun, län and Riket and year the counts allow; None when the counts are absent or
    the stored release was computed from the same counts (nothing to write)."""
    from segreform.measure import indices  # on use: the measure engine (numba) takes seconds to load

    frame = _inputs(engine)
    if frame.empty:
        return None
    content = _inputs_sha256(frame)
    with engine.connect() as conn:
        if conn.execute(select(Dataset.id).where(Dataset.name == SEGREGATION_DATASET,
                                                 Dataset.content_sha256 == content)).first() is not None:
            return None
    frames = []
    for level in LEVELS:
        # A segment of one area has no segregation to measure; the engine would reject it.
        sizes = frame.groupby([level, "year"]).area_code.transform("size")
        usable = frame[sizes >= 2]
        result = indices(usable, unit="area_code", groups=list(INPUT_VARIABLES), by=[level, "year"],
                         index=list(OUTCOME_INDICES), focal=FOREIGN_BORN)
        frames.append(pd.DataFrame({
            "variable": result["index"].map(lambda i: OUTCOME_INDICES[i][0]), "area_level": level,
            "area_version": "2025", "area_code": result[level].astype(str), "year": result.year.astype(int),
            "value": result["estimate"].astype(float), "missing_marker": None, "reference_year": result.year.astype(int),
            "area_match": None,
        }))
    return Release(
        name=SEGREGATION_DATASET, source=SOURCE,
        source_table="segreform.measure.indices over the stored RegSO counts of inrikes_fodda and utrikes_fodda",
        content_sha256=content, observations=pd.concat(frames, ignore_index=True),
        variables={variable: ("index (0–1)", label) for variable, label in OUTCOME_INDICES.values()},
        vintage=f"computed-{content[:12]}",
        metadata={
            "licence": "CC0 1.0 (computed from SCB open data)", "units": "RegSO 2025 (current geography)",
            "groups": list(INPUT_VARIABLES), "focal_group": FOREIGN_BORN,
            "years": f"{int(frame.year.min())}–{int(frame.year.max())}",
            "derived_by": "segreform.data.outcomes.segregation_release",
        },
    )


def store_segregation_outcomes(engine: Engine) -> ImportResult | None:
    """Compute and store the indices; None when there are no inputs or they are unchanged since the last time."""
    release = segregation_release(engine)
    return None if release is None else write_release(engine, release)


def _imported_group_counts(engine: Engine, result: ImportResult) -> bool:
    with engine.connect() as conn:
        names = set(conn.execute(
            select(DatasetVariable.variable).where(DatasetVariable.dataset_id == result.dataset_id)
        ).scalars())
    return bool(names & set(INPUT_VARIABLES))


@on_import
def _recompute_after_import(engine: Engine, result: ImportResult) -> str | None:
    """After-import step: new counts of the Swedish- or foreign-born → the segregation outcomes are recomputed."""
    if getattr(_deferred, "active", False) or result.name == SEGREGATION_DATASET or not result.is_current or not _imported_group_counts(engine, result):
        return None
    stored = store_segregation_outcomes(engine)
    if stored is None or stored.status != "imported":
        return None
    return f"segregation outcomes recomputed: {stored.name} {stored.vintage} ({stored.rows} values)"
