"""Map layers for the browser: simplified once, serialised once, served many times.

The shipped boundaries are detailed enough for print; a browser map of 3,363 RegSO needs far fewer points.
``simplified_layer`` simplifies a whole layer as a coverage (shared borders stay shared, no slivers or gaps),
rounds coordinates to about 10 m, and keeps only the properties the maps use.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import mapping, shape

# Degrees; 0.001° is about 110 m north-south and 55 m east-west in Sweden.
DEFAULT_TOLERANCE = {"regso": 0.001, "kommun": 0.003, "lan": 0.005}
COORDINATE_DECIMALS = 4


@dataclass(frozen=True)
class SerialisedLayer:
    """A layer ready to send: the JSON bytes, their gzip, an ETag, and the feature count."""

    body: bytes
    gzipped: bytes
    etag: str
    features: int
    bounds: dict  # code -> [min_lon, min_lat, max_lon, max_lat]


def simplified_layer(
    collection: dict,
    *,
    code_property: str = "code",
    name_property: str = "name",
    tolerance: float = 0.001,
    metadata: dict | None = None,
) -> SerialisedLayer:
    """Simplify and serialise a GeoJSON FeatureCollection.

    Parameters
    ----------
    collection : dict
        A GeoJSON FeatureCollection whose features carry ``code_property`` and ``name_property``.
    tolerance : float
        Coverage simplification tolerance in the data's units (degrees for WGS84); 0 keeps every point.
    metadata : dict, optional
        Stored as a top-level ``metadata`` member (source, licence, year) so that a downloaded file says
        where it comes from.
    """
    features = collection.get("features")
    if not isinstance(features, list) or not features:
        raise ValueError("expected a GeoJSON FeatureCollection with at least one feature")
    for position, feature in enumerate(features):
        if code_property not in (feature.get("properties") or {}):
            raise ValueError(f"feature {position} lacks the property {code_property!r}")
    geometries = [shape(feature["geometry"]) for feature in features]
    if tolerance > 0:
        geometries = list(shapely.coverage_simplify(geometries, tolerance))
    geometries = shapely.transform(np.asarray(geometries, dtype=object), lambda xy: np.round(xy, COORDINATE_DECIMALS))
    # Browser maps (d3-geo, used by plotly) read a counter-clockwise outer ring as "the whole globe except this";
    # clockwise outer rings draw every area as itself, whatever the source file's winding.
    geometries = shapely.orient_polygons(geometries, exterior_cw=True)
    out_features = []
    bounds = {}
    for feature, geometry in zip(features, geometries):
        properties = feature["properties"]
        code = str(properties[code_property])
        out_features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": {"code": code, "name": properties.get(name_property, code)},
                "geometry": mapping(geometry),
            }
        )
        bounds[code] = [round(float(v), COORDINATE_DECIMALS) for v in geometry.bounds]
    document = {"type": "FeatureCollection", "features": out_features}
    if metadata:
        document["metadata"] = metadata
    body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return SerialisedLayer(
        body=body,
        gzipped=gzip.compress(body, compresslevel=6),
        etag='"' + hashlib.sha1(body).hexdigest()[:20] + '"',
        features=len(out_features),
        bounds=bounds,
    )


def union_bounds(boxes) -> list[float] | None:
    """The box around several [min_lon, min_lat, max_lon, max_lat] boxes; None for none."""
    boxes = [b for b in boxes if b is not None]
    if not boxes:
        return None
    array = np.asarray(boxes, dtype=float)
    return [float(array[:, 0].min()), float(array[:, 1].min()), float(array[:, 2].max()), float(array[:, 3].max())]
