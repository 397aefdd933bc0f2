"""Tables and map layers as files people can take away: CSV, Excel and GeoJSON, each saying its source and licence.

- CSV: the table with ``source`` and ``licence`` columns on every row (a CSV has no other place that
  survives being opened in a spreadsheet).
- Excel: the table on sheet "data", and sheet "about" with title, source, licence, years and the date made.
- GeoJSON: the table's rows as feature properties joined to the boundaries by area code, with a top-level
  ``metadata`` member (source, licence, boundaries' source).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np
import pandas as pd

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}


@dataclass
class Download:
    """A table ready to be written, with what it needs to say about itself."""

    name: str
    title: str
    frame: pd.DataFrame
    source: str
    licence: str
    geometry_level: str | None = None  # "regso" or "kommun" when rows join to boundaries by `code_column`
    code_column: str = "code"
    notes: dict = field(default_factory=dict)


def to_csv(download: Download) -> bytes:
    """CSV (UTF-8 with BOM so that Excel opens å, ä, ö right), with source and licence columns."""
    frame = download.frame.copy()
    frame["source"] = download.source
    frame["licence"] = download.licence
    return frame.to_csv(index=False).encode("utf-8-sig")


def to_xlsx(download: Download) -> bytes:
    """An Excel workbook: sheet "data" and sheet "about" (title, source, licence, made)."""
    buffer = io.BytesIO()
    about = pd.DataFrame(
        {
            "field": ["title", "source", "licence", "made", *download.notes.keys()],
            "value": [
                download.title, download.source, download.licence,
                datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), *map(str, download.notes.values()),
            ],
        }
    )
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        download.frame.to_excel(writer, sheet_name="data", index=False)
        about.to_excel(writer, sheet_name="about", index=False)
    return buffer.getvalue()


def _json_value(value):
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.isoformat()
    return value


def to_geojson(download: Download, boundaries: dict) -> bytes:
    """The rows joined to ``boundaries`` (a FeatureCollection whose properties carry ``code``).

    Areas without a row keep their geometry with empty values, so the layer stays whole.
    """
    if download.geometry_level is None:
        raise ValueError(f"the table {download.name!r} has no map layer; download it as csv or xlsx")
    rows = {
        str(record[download.code_column]): {k: _json_value(v) for k, v in record.items()}
        for record in download.frame.to_dict("records")
    }
    features = []
    for feature in boundaries["features"]:
        code = str(feature["properties"]["code"])
        if rows and code not in rows:
            continue
        properties = {"code": code, "name": feature["properties"].get("name")}
        properties.update(rows.get(code, {}))
        features.append({"type": "Feature", "id": code, "properties": properties, "geometry": feature["geometry"]})
    document = {
        "type": "FeatureCollection",
        "metadata": {
            "title": download.title,
            "source": download.source,
            "licence": download.licence,
            "boundaries": boundaries.get("metadata", {}).get("source", "SCB (CC0)"),
            **{k: str(v) for k, v in download.notes.items()},
        },
        "features": features,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def render(download: Download, fmt: str, boundaries: dict | None = None) -> bytes:
    """The file's bytes in ``fmt`` ("csv", "xlsx" or "geojson")."""
    if fmt == "csv":
        return to_csv(download)
    if fmt == "xlsx":
        return to_xlsx(download)
    if fmt == "geojson":
        if boundaries is None:
            raise ValueError("GeoJSON needs the boundaries to join to")
        return to_geojson(download, boundaries)
    raise ValueError(f"unknown format {fmt!r}; choose one of {sorted(FORMATS)}")
