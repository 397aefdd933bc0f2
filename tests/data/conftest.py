"""Fixtures for the data job's tests: a small geography (a few real codes) and file writers."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from segreform.store.models.data import Area, AreaCrosswalk, Dataset, GeographyVersion, Observation

FIXTURES = Path(__file__).parent / "fixtures"

VERSIONS = [
    ("riket", "2025", None, True), ("lan", "2025", "riket", True), ("kommun", "2025", "lan", True),
    ("regso", "2025", "kommun", True), ("regso", "2020", "kommun", False),
]
AREAS = [
    ("riket", "2025", "00", "Riket", None, None),
    ("lan", "2025", "01", "Stockholms län", "00", "2025"),
    ("lan", "2025", "12", "Skåne län", "00", "2025"),
    ("kommun", "2025", "0114", "Upplands Väsby", "01", "2025"),
    ("kommun", "2025", "1280", "Malmö", "12", "2025"),
    ("regso", "2020", "0114R001", "Bollstanäs", "0114", "2025"),
    ("regso", "2020", "0114R002", "Hammarby-Vaxmyra", "0114", "2025"),
    ("regso", "2020", "1280R086", "RegSO-Ön norr", "1280", "2025"),
    ("regso", "2020", "1280R099", "Gamla hamnen", "1280", "2025"),
    ("regso", "2025", "0114R001", "Bollstanäs", "0114", "2025"),
    ("regso", "2025", "0114R002", "Hammarby-Vaxmyra", "0114", "2025"),
    ("regso", "2025", "1280R086", "RegSO-Ön", "1280", "2025"),
]
CROSSWALK = [
    ("0114R001", "0114R001", "same"), ("0114R002", "0114R002", "same"), ("1280R086", "1280R086", "renamed"),
    ("1280R099", None, "no_successor"),
]


@pytest.fixture
def small_geography(engine):
    """Two kommuner, their län, and RegSO 2020/2025 with one rename and one break."""
    with engine.begin() as conn:
        conn.execute(insert(GeographyVersion), [
            dict(level=l, version=v, parent_level=p, is_current=c, user_defined=False, source="test")
            for l, v, p, c in VERSIONS])
        conn.execute(insert(Area), [dict(zip(["level", "version", "code", "name", "parent_code", "parent_version"], a))
                                    for a in AREAS])
        conn.execute(insert(AreaCrosswalk), [
            dict(level="regso", from_version="2020", from_code=f, to_version="2025", to_code=t, relation=r, weight=1.0)
            for f, t, r in CROSSWALK])
    return engine


@pytest.fixture
def count_rows():
    """(datasets, observations, areas, geography versions): compared before and after a refused import."""

    def count(engine) -> tuple[int, ...]:
        with engine.connect() as conn:
            return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()
                         for t in (Dataset, Observation, Area, GeographyVersion))

    return count


@pytest.fixture
def write_file(tmp_path):
    """Write text (UTF-8 with a BOM, as SCB exports) or bytes to a file in a temporary folder."""

    def write(name: str, content: str | bytes, bom: bool = True) -> Path:
        path = tmp_path / name
        if isinstance(content, str):
            content = (("\ufeff" if bom else "") + content).encode("utf-8")
        path.write_bytes(content)
        return path

    return write
