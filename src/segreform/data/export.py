"""Writing a stored dataset out again in long form: CSV, Parquet or GeoPackage (with the areas' boundaries)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, and_, select

from segreform.data import bundled
from segreform.data.errors import DataInputError, Problem
from segreform.data.queries import with_units
from segreform.store.models.data import Area, Dataset, DatasetVariable, Observation

EXPORT_COLUMNS = [
    "area_code", "area_level", "area_version", "area_name", "year", "variable", "value", "missing_marker", "unit",
    "dataset", "vintage", "source", "source_table", "reference_year",
]
FORMATS = {".csv", ".parquet", ".gpkg"}


class OutputError(DataInputError):
    """The output file cannot be written: one line naming the file (the database is only read)."""

    def _render(self) -> str:
        return "; ".join(str(p) for p in self.problems)


def dataset_frame(engine: Engine, name: str, vintage: str | None = None) -> pd.DataFrame:
    """Every value of one release (the current one unless ``vintage`` is given), in long form."""
    query = (
        with_units(select(
            Observation.area_code, Observation.area_level, Observation.area_version, Area.name, Observation.year,
            Observation.variable, Observation.value, Observation.missing_marker, DatasetVariable.unit,
            Dataset.name, Dataset.vintage, Dataset.source, Dataset.source_table, Observation.reference_year,
        ))
        .join(Area, and_(Area.level == Observation.area_level, Area.version == Observation.area_version,
                         Area.code == Observation.area_code))
        .where(Dataset.name == name)
        .where(Dataset.vintage == vintage if vintage else Dataset.is_current)
        .order_by(Observation.variable, Observation.area_code, Observation.year)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    if not rows:
        with engine.connect() as conn:
            known = list(conn.execute(select(Dataset.name).distinct()).scalars())
        raise DataInputError(Problem(name, None, "dataset", f"no such dataset{' vintage ' + vintage if vintage else ''}"
                                     f"; loaded: {', '.join(sorted(known)) or 'none'}"))
    frame = pd.DataFrame(rows, columns=EXPORT_COLUMNS)
    frame["value"] = frame["value"].astype(float)
    return frame


def export_dataset(engine: Engine, name: str, output: str | Path, *, vintage: str | None = None) -> Path:
    """Write dataset ``name`` to ``output`` (.csv, .parquet or .gpkg, chosen by the suffix).

    The file appears whole or not at all: it is written beside the target and renamed into place.
    """
    output = Path(output)
    suffix = output.suffix.lower()
    if suffix not in FORMATS:
        raise OutputError(Problem(str(output), None, "output", f"unknown format {suffix!r}; use one of "
                                     f"{', '.join(sorted(FORMATS))}"))
    if not output.parent.is_dir():
        raise OutputError(Problem(str(output), None, "output",
                                  f"cannot write: the folder {str(output.parent)!r} does not exist"))
    frame = dataset_frame(engine, name, vintage)
    partial = output.with_name(f"{output.stem}.partial{output.suffix}")
    try:
        if suffix == ".csv":
            frame.to_csv(partial, index=False, encoding="utf-8")
        elif suffix == ".parquet":
            frame.to_parquet(partial, index=False)
        else:
            partial.unlink(missing_ok=True)  # a GeoPackage left by an interrupted run would get a second layer
            _to_geopackage(engine, frame, partial)
        partial.replace(output)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise OutputError(Problem(str(output), None, "output", f"cannot write ({exc.strerror or exc})")) from None
    return output


def _to_geopackage(engine: Engine, frame: pd.DataFrame, output: Path) -> None:
    import geopandas  # optional heavy dependency, only for GeoPackage
    from shapely.geometry import shape  # with geopandas, only for GeoPackage

    geometries = {}
    for (level, version), group in frame.groupby(["area_level", "area_version"]):
        geometries.update(_geometries(engine, level, version, set(group.area_code)))
    keys = list(zip(frame.area_level, frame.area_version, frame.area_code))
    # Areas without boundaries (e.g. a RegSO 2020 area with no 2025 successor) keep their rows, without geometry.
    shapes = [shape(geometries[k]) if k in geometries else None for k in keys]
    geo = geopandas.GeoDataFrame(frame, geometry=shapes, crs="EPSG:4326")
    geo.to_file(output, driver="GPKG", layer=frame.dataset.iloc[0])


def _geometries(engine: Engine, level: str, version: str, codes: set[str]) -> dict:
    found = {}
    if level in bundled.BOUNDARY_FILES and version == "2025":
        for feature in bundled.boundaries(level)["features"]:
            code = feature["properties"]["code"]
            if code in codes:
                found[(level, version, code)] = feature["geometry"]
    with engine.connect() as conn:
        rows = conn.execute(select(Area.code, Area.geometry_geojson).where(
            Area.level == level, Area.version == version, Area.geometry_geojson.is_not(None))).all()
    for code, text in rows:
        if code in codes:
            found[(level, version, code)] = json.loads(text)
    return found
