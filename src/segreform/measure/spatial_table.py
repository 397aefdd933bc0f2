"""The table front end of the spatial indices: areas with coordinates (or polygons) in, a long table out."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from segreform.measure._validate import MeasureInputError, _segment_codes, as_list, counts_table
from segreform.measure.neighbourhoods import bespoke_shares, bespoke_summary
from segreform.measure.spatial import DISTANCE_DECAY_INDICES, KERNEL_INDICES, SPATIAL_INDICES, TWO_GROUP_SPATIAL, compute_spatial

METRIC_CRS = "EPSG:3006"  # SWEREF 99 TM: metres, the Swedish national projection


def polygons_to_points(frame) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Centroids and areas (metric CRS) and contiguity of a GeoDataFrame's polygons.

    Geographic coordinates are projected to SWEREF 99 TM first. Two polygons are neighbours when
    their boundaries share a line of positive length (rook contiguity); ``length`` is that length
    in metres. Returns a plain frame with the columns ``x``, ``y``, ``area`` added and the pairs
    (row positions, each pair once).
    """
    if frame.crs is None:
        raise MeasureInputError("the polygons have no coordinate reference system; set one (e.g. EPSG:3006)")
    metric = frame.to_crs(METRIC_CRS) if frame.crs.is_geographic else frame
    geometry = metric.geometry
    if geometry.isna().any() or geometry.is_empty.any():
        row = int(np.flatnonzero((geometry.isna() | geometry.is_empty).to_numpy())[0])
        raise MeasureInputError("polygon is missing or empty", "geometry", row, frame.index[row])
    centroids = geometry.centroid
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    table["x"], table["y"], table["area"] = centroids.x.to_numpy(), centroids.y.to_numpy(), geometry.area.to_numpy()
    left, right = metric.sindex.query(geometry, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    boundaries = geometry.boundary.to_numpy()
    lengths = np.array([boundaries[a].intersection(boundaries[b]).length for a, b in zip(left, right)], dtype=float)
    shared = lengths > 0
    return table, {"i": left[shared].astype(np.int64), "j": right[shared].astype(np.int64), "length": lengths[shared]}


def _coordinate(data: pd.DataFrame, column: str, role: str, positive: bool = False) -> np.ndarray:
    if column not in data.columns:
        raise MeasureInputError(f"{role} column {column!r} is not in the data; columns are: {', '.join(map(str, data.columns))}")
    values = pd.to_numeric(data[column], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(values) | ((values <= 0) if positive else False)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        need = "a positive number (m²)" if positive else "a finite number (projected metres)"
        raise MeasureInputError(f"{data[column].iloc[i]!r} is not {need}", column, i, data.index[i])
    return values


def spatial_indices(
    data: pd.DataFrame,
    unit: str,
    groups: Sequence[str],
    x: str | None = None,
    y: str | None = None,
    area: str | None = None,
    by: str | Sequence[str] | None = None,
    focal: str | Sequence[str] | None = None,
    index: str | Sequence[str] = "all",
    kernel: str = "biweight",
    bandwidths: Sequence[float] = (500.0, 1000.0, 2000.0, 4000.0),
    contiguity: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Spatial segregation indices of every segment as a long table (see ``segreform.measure.spatial``).

    ``data`` is wide (one count column per group) with projected coordinates ``x``, ``y`` (metres)
    and optionally ``area`` (m²); ``contiguity`` (row positions of neighbouring areas, from
    :func:`polygons_to_points`) enables the adjacency indices. ``index`` is ``"all"`` (every index
    the inputs allow) or names. Returns the ``by`` columns, ``index``, ``group`` (focal group; ``""``
    for a multigroup index), ``scale`` (the bandwidth in metres; NaN for indices without one)
    and ``value``.
    """
    names = as_list(index, "index")
    if names == ["all"]:
        names = list(DISTANCE_DECAY_INDICES + KERNEL_INDICES) if x is not None else []
        if contiguity is not None:
            names += ["adjacency_dissimilarity"] + (["boundary_dissimilarity"] if "length" in contiguity else [])
    unknown = [n for n in names if n not in SPATIAL_INDICES]
    if unknown:
        raise MeasureInputError(f"unknown spatial index {unknown[0]!r}; choose from: {', '.join(SPATIAL_INDICES)}")
    table = counts_table(data, unit, groups, None, None, by)
    codes, _ = _segment_codes(data, table.by)
    order = np.argsort(codes, kind="stable")
    xs = _coordinate(data, x, "x")[order] if x else None
    ys = _coordinate(data, y, "y")[order] if y else None
    areas = _coordinate(data, area, "area", positive=True)[order] if area else None
    if (xs is None) != (ys is None):
        raise MeasureInputError("pass both x and y coordinate columns")
    pairs = None
    if contiguity is not None:
        position = np.empty(len(order), dtype=np.int64)
        position[order] = np.arange(len(order))
        pairs = {"i": position[contiguity["i"]], "j": position[contiguity["j"]], "length": contiguity.get("length")}
    focal_names = [str(f) for f in as_list(focal, "focal")] or table.groups
    missing = [f for f in focal_names if f not in table.groups]
    if missing:
        raise MeasureInputError(f"focal group {missing[0]!r} is not one of the groups {table.groups!r}")
    widths = [float(b) for b in bandwidths]
    try:
        values = compute_spatial(table.counts, xs, ys, names, area=areas, segment_ids=table.segment_ids,
                                 n_segments=table.n_segments, kernel=kernel, bandwidths=widths, contiguity=pairs)
    except MeasureInputError:
        raise
    except ValueError as exc:
        raise MeasureInputError(str(exc)) from None
    parts = []
    for name in names:
        value = values[name]
        if name in TWO_GROUP_SPATIAL:
            for f in focal_names:
                parts.append(_rows(table, name, f, np.nan, value[:, table.groups.index(f)]))
        elif name in KERNEL_INDICES:
            for b, width in enumerate(widths):
                parts.append(_rows(table, name, "", width, value[:, b]))
    return pd.concat(parts, ignore_index=True)


def _rows(table, name, group, scale, values) -> pd.DataFrame:
    out = table.keys.reset_index(drop=True).copy() if table.by else pd.DataFrame(index=range(1))
    out["index"] = name
    out["group"] = group
    out["scale"] = float(scale)
    out["value"] = np.asarray(values, dtype=float)
    return out


def neighbourhood_shares(
    data: pd.DataFrame,
    unit: str,
    x: str,
    y: str,
    groups: Sequence[str],
    ks: Sequence[float],
    by: str | Sequence[str] | None = None,
    compute=None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Bespoke-neighbourhood shares as a long table, and their summaries per segment and k.

    Returns ``(shares, summary)``: ``shares`` has ``unit``, ``k``, ``group``, ``share`` (each
    location's share of the group among its k nearest persons, over all locations whatever their
    segment); ``summary`` has the ``by`` columns, ``k``, ``group``, ``dissimilarity`` and
    ``isolation`` (see :func:`segreform.measure.neighbourhoods.bespoke_summary`). ``compute``
    replaces the single-machine ``bespoke_shares(x, y, counts, ks)`` (e.g. the Dask strips of
    ``segreform.scale.neighbourhoods``).
    """
    table = counts_table(data, unit, groups, None, None, by)
    codes, _ = _segment_codes(data, table.by)
    order = np.argsort(codes, kind="stable")
    xs = _coordinate(data, x, "x")[order]
    ys = _coordinate(data, y, "y")[order]
    try:
        k_values = [float(k) for k in ks]
        shares = (compute or bespoke_shares)(xs, ys, table.counts, k_values)
    except ValueError as exc:
        raise MeasureInputError(str(exc)) from None
    n, n_k, n_groups = shares.shape
    long = pd.DataFrame({
        unit: np.repeat(table.units, n_k * n_groups),
        "k": np.tile(np.repeat(np.asarray(k_values), n_groups), n),
        "group": np.tile(np.asarray(table.groups, dtype=object), n * n_k),
        "share": shares.ravel(),
    })
    summary = bespoke_summary(shares, table.counts, table.segment_ids, table.n_segments)
    keys = table.keys.reset_index(drop=True) if table.by else pd.DataFrame(index=range(1))
    S = len(keys)
    rows = keys.iloc[np.repeat(np.arange(S), n_k * n_groups)].reset_index(drop=True)
    rows["k"] = np.tile(np.repeat(np.asarray(k_values), n_groups), S)
    rows["group"] = np.tile(np.asarray(table.groups, dtype=object), S * n_k)
    rows["dissimilarity"] = summary["dissimilarity"].ravel()
    rows["isolation"] = summary["isolation"].ravel()
    return long, rows
