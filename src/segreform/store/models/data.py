"""Tables for the data job: geography (levels, versions, areas, crosswalks), datasets and observations.

Every observation points at an area by (level, version, code): codes are only unique within one version of a
level (SCB re-used some RegSO codes for different areas in 2025), so the version is part of the key.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from segreform.store.base import Base


class GeographyVersion(Base):
    """One version of one level of geography, e.g. ("regso", "2025"); ``is_current`` marks the one to draw."""

    __tablename__ = "geography_versions"

    level: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[str] = mapped_column(String(32), primary_key=True)
    parent_level: Mapped[str | None] = mapped_column(String(32))
    reference_date: Mapped[str | None] = mapped_column(String(10))
    is_current: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    user_defined: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    source: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)


class Area(Base):
    """One area of one geography version, with a link to its parent area (parent_code in parent_version)."""

    __tablename__ = "areas"
    __table_args__ = (
        UniqueConstraint("level", "version", "code", name="uq_areas_level_version_code"),
        ForeignKeyConstraint(
            ["level", "version"],
            ["geography_versions.level", "geography_versions.version"],
            name="fk_areas_level_version_geography_versions",
            ondelete="CASCADE",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[str] = mapped_column(String(32), nullable=False)
    version: Mapped[str] = mapped_column(String(32), nullable=False)
    code: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    parent_code: Mapped[str | None] = mapped_column(String(64))
    parent_version: Mapped[str | None] = mapped_column(String(32))
    geometry_geojson: Mapped[str | None] = mapped_column(Text)


class AreaCrosswalk(Base):
    """How an area of one version maps onto an area of another; ``to_code`` NULL means no successor (a break)."""

    __tablename__ = "area_crosswalks"
    __table_args__ = (
        Index("ix_area_crosswalks_from", "level", "from_version", "from_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[str] = mapped_column(String(32), nullable=False)
    from_version: Mapped[str] = mapped_column(String(32), nullable=False)
    from_code: Mapped[str | None] = mapped_column(String(64))
    to_version: Mapped[str] = mapped_column(String(32), nullable=False)
    to_code: Mapped[str | None] = mapped_column(String(64))
    relation: Mapped[str] = mapped_column(String(32), nullable=False)
    weight: Mapped[float] = mapped_column(Float, nullable=False, default=1.0)
    note: Mapped[str | None] = mapped_column(Text)


class Dataset(Base):
    """One release (vintage) of one table; several vintages of a name coexist, one is current."""

    __tablename__ = "datasets"
    __table_args__ = (UniqueConstraint("name", "vintage", name="uq_datasets_name_vintage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    source: Mapped[str] = mapped_column(String(200), nullable=False)
    source_table: Mapped[str] = mapped_column(String(300), nullable=False)
    vintage: Mapped[str] = mapped_column(String(64), nullable=False)
    is_current: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    imported_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    file_name: Mapped[str | None] = mapped_column(String(500))
    content_sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    metadata_json: Mapped[str | None] = mapped_column(Text)
    rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class DatasetVariable(Base):
    """A variable a dataset carries, with its unit and label."""

    __tablename__ = "dataset_variables"

    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True
    )
    variable: Mapped[str] = mapped_column(String(200), primary_key=True)
    unit: Mapped[str | None] = mapped_column(String(100))
    label: Mapped[str | None] = mapped_column(Text)


class Observation(Base):
    """One value of one variable for one area and year, in one dataset vintage. NULL value = documented missing."""

    __tablename__ = "observations"
    __table_args__ = (
        UniqueConstraint(
            "dataset_id", "variable", "area_level", "area_version", "area_code", "year",
            name="uq_observations_cell",
        ),
        ForeignKeyConstraint(
            ["area_level", "area_version", "area_code"],
            ["areas.level", "areas.version", "areas.code"],
            name="fk_observations_area_areas",
        ),
        Index("ix_observations_variable_level", "variable", "area_level"),
        # No other index: every one is updated for each of the millions of values an import writes (0010). The
        # unique index leads with dataset_id, so it serves the dataset key (cascades, a dataset's values); areas
        # are never deleted nor re-keyed (a new geography is a new version), so the area key needs no index.
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False)
    variable: Mapped[str] = mapped_column(String(200), nullable=False)
    area_level: Mapped[str] = mapped_column(String(32), nullable=False)
    area_version: Mapped[str] = mapped_column(String(32), nullable=False)
    area_code: Mapped[str] = mapped_column(String(64), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    value: Mapped[float | None] = mapped_column(Float)
    missing_marker: Mapped[str | None] = mapped_column(String(16))
    reference_year: Mapped[int] = mapped_column(Integer, nullable=False)
    area_match: Mapped[str | None] = mapped_column(String(32))


class PoliceArea(Base):
    """One of the police's vulnerable areas ("utsatt" / "särskilt utsatt område") on a given list."""

    __tablename__ = "police_areas"
    __table_args__ = (UniqueConstraint("reference_date", "name", "kommunkod", name="uq_police_areas_list_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    category: Mapped[str] = mapped_column(String(64), nullable=False)
    kommunkod: Mapped[str] = mapped_column(String(4), nullable=False)
    kommun: Mapped[str] = mapped_column(String(100), nullable=False)
    ort: Mapped[str | None] = mapped_column(String(100))
    police_region: Mapped[str | None] = mapped_column(String(100))
    local_police_area: Mapped[str | None] = mapped_column(String(100))
    listed_since: Mapped[str | None] = mapped_column(String(10))
    reference_date: Mapped[str] = mapped_column(String(10), nullable=False)
    source: Mapped[str] = mapped_column(String(200), nullable=False)
