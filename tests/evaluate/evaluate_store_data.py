"""Builders for evaluation tests that need outcome data in the store (the data job's tables)."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from segreform.store.db import transaction
from segreform.store.models.data import Area, Dataset, DatasetVariable, GeographyVersion, Observation

KOMMUNER = [f"{i:04d}" for i in range(114, 114 + 24)]
TREATED = {"0114": 2019, "0115": 2019, "0116": 2020, "0117": 2020, "0118": 2021}
VARIABLE = "long_term_unemployment"


def add_areas(engine) -> None:
    with transaction(engine) as db:
        db.add(GeographyVersion(level="kommun", version="2025", is_current=True, source="test"))
        db.flush()
        db.add_all([Area(level="kommun", version="2025", code=k, name=f"Kommun {k}") for k in KOMMUNER])


def add_release(engine, vintage: str, years: range, seed: int = 0, effect: float = -0.8) -> None:
    """One vintage of a kommun outcome panel; the treated lose ``effect`` points from their start year."""
    rng = np.random.default_rng(seed)
    with transaction(engine) as db:
        for old in db.query(Dataset).filter(Dataset.name == "barometer_test"):
            old.is_current = False
        dataset = Dataset(name="barometer_test", source="SCB (test)", source_table="TEST01", vintage=vintage,
                          is_current=True, imported_at=datetime(2026, 1, 1), content_sha256=vintage.ljust(64, "0"))
        db.add(dataset)
        db.flush()
        db.add(DatasetVariable(dataset_id=dataset.id, variable=VARIABLE, unit="percent"))
        level = {k: rng.normal(5, 1) for k in KOMMUNER}
        for k in KOMMUNER:
            for y in years:
                start = TREATED.get(k)
                value = level[k] + 0.1 * (y - 2015) + rng.normal(0, 0.1) + (effect if start and y >= start else 0)
                db.add(Observation(dataset_id=dataset.id, variable=VARIABLE, area_level="kommun", area_version="2025",
                                   area_code=k, year=y, value=float(value), reference_year=y))


def participation() -> pd.DataFrame:
    rows = [(k, "DA-SCHOOL", y) for k, y in TREATED.items()] + [("0130", "DA-WORK", 2020)]
    return pd.DataFrame(rows, columns=["kommunkod", "development_area", "first_year"])


def eligibility() -> pd.DataFrame:
    eligible = {k: i % 2 == 0 for i, k in enumerate(KOMMUNER)}
    return pd.DataFrame({"kommunkod": list(eligible), "eligible": list(eligible.values())})
