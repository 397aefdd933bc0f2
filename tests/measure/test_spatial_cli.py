"""`segreform indices --x --y`, polygons in, and `segreform neighbourhoods`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from segreform.cli import main
from segreform.measure.neighbourhoods import bespoke_shares
from segreform.measure.spatial import compute_spatial


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def points(tmp_path):
    rng = np.random.default_rng(4)
    n = 40
    frame = pd.DataFrame({
        "area_id": [f"A{i:02d}" for i in range(n)],
        "kommun": np.repeat(["0180", "1280"], n // 2),
        "x": 670_000 + rng.uniform(0, 5000, n),
        "y": 6_580_000 + rng.uniform(0, 5000, n),
        "m2": rng.uniform(1e5, 1e6, n),
        "sv": rng.integers(0, 300, n),
        "fb": rng.integers(0, 300, n),
    })
    path = tmp_path / "points.csv"
    frame.to_csv(path, index=False)
    return frame, path


def test_indices_with_coordinates_long_table_with_scale(points, tmp_path):
    frame, path = points
    out = tmp_path / "spatial.csv"
    result = run("indices", path, "--unit", "area_id", "--groups", "sv,fb", "--by", "kommun", "--x", "x", "--y", "y",
                 "--area", "m2", "--bandwidth", "500,2000", "-o", out)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, dtype={"kommun": str})
    assert set(table["index"]) == {"spatial_proximity", "relative_clustering", "absolute_clustering",
                                   "distance_decay_isolation", "distance_decay_interaction",
                                   "spatial_information_theory", "spatial_dissimilarity"}
    profile = table[(table["index"] == "spatial_dissimilarity") & (table["kommun"] == "1280")]
    assert list(profile["scale"]) == [500.0, 2000.0]
    part = frame[frame.kommun == "1280"]
    expected = compute_spatial(part[["sv", "fb"]].to_numpy(float), part.x.to_numpy(), part.y.to_numpy(),
                               ["spatial_proximity", "spatial_dissimilarity"], area=part.m2.to_numpy(),
                               bandwidths=[500, 2000])
    sp = table[(table["index"] == "spatial_proximity") & (table["kommun"] == "1280") & (table["group"] == "fb")]
    assert sp["value"].iloc[0] == pytest.approx(expected["spatial_proximity"][0, 1], rel=1e-12)
    np.testing.assert_allclose(profile["value"], expected["spatial_dissimilarity"][0], rtol=1e-12)


def test_bad_coordinate_names_file_line_and_column(points, tmp_path):
    frame, _ = points
    frame = frame.astype({"x": object})
    frame.loc[3, "x"] = "north"
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    result = run("indices", path, "--unit", "area_id", "--groups", "sv,fb", "--x", "x", "--y", "y")
    assert result.exit_code == 2
    assert "bad.csv" in result.output and "line 5" in result.output and "'x'" in result.output


def test_polygons_give_adjacency_indices(tmp_path):
    geopandas = pytest.importorskip("geopandas")
    from shapely.geometry import box

    # a 4 x 4 block of 500 m squares in SWEREF 99 TM; the left half mostly group a
    cells = [box(x * 500, y * 500, (x + 1) * 500, (y + 1) * 500) for y in range(4) for x in range(4)]
    a = np.array([90 if i % 4 < 2 else 10 for i in range(16)])
    frame = geopandas.GeoDataFrame({"id": [f"c{i}" for i in range(16)], "a": a, "b": 100 - a},
                                   geometry=cells, crs="EPSG:3006")
    path = tmp_path / "cells.gpkg"
    frame.to_file(path)
    out = tmp_path / "out.csv"
    result = run("indices", path, "--unit", "id", "--groups", "a,b", "--index",
                 "adjacency_dissimilarity,boundary_dissimilarity,spatial_proximity", "-o", out)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    z = a / 100
    # rook neighbours in a 4 x 4 grid: 24 pairs, each 500 m of boundary
    pairs = [(i, i + 1) for i in range(16) if i % 4 < 3] + [(i, i + 4) for i in range(12)]
    gaps = np.mean([abs(z[i] - z[j]) for i, j in pairs])
    D = 0.5 * np.abs(a / a.sum() - (100 - a) / (100 - a).sum()).sum()
    value = table[(table["index"] == "adjacency_dissimilarity") & (table.group == "a")]["value"].iloc[0]
    assert value == pytest.approx(D - gaps, rel=1e-12)
    value = table[(table["index"] == "boundary_dissimilarity") & (table.group == "a")]["value"].iloc[0]
    assert value == pytest.approx(D - gaps, rel=1e-12)  # equal boundary lengths: Wong's weights are equal


def test_neighbourhoods_command(points, tmp_path):
    frame, path = points
    out, summary = tmp_path / "shares.parquet", tmp_path / "profile.csv"
    result = run("neighbourhoods", path, "--unit", "area_id", "--x", "x", "--y", "y", "--groups", "sv,fb",
                 "--k", "100,1000,100000", "--by", "kommun", "--summary", summary, "-o", out)
    assert result.exit_code == 0, result.output
    shares = pd.read_parquet(out)
    assert list(shares.columns) == ["area_id", "k", "group", "share"]
    expected = bespoke_shares(frame.x.to_numpy(), frame.y.to_numpy(), frame[["sv", "fb"]].to_numpy(float),
                              [100, 1000, 100000])
    got = shares.set_index(["area_id", "k", "group"])["share"]
    assert got[("A07", 1000.0, "fb")] == pytest.approx(expected[7, 1, 1], abs=1e-15)
    profile = pd.read_csv(summary, dtype={"kommun": str})
    assert set(profile.columns) == {"kommun", "k", "group", "dissimilarity", "isolation"}
    assert len(profile) == 2 * 3 * 2
    # dask strips give the same table
    out2 = tmp_path / "shares2.parquet"
    result = run("neighbourhoods", path, "--unit", "area_id", "--x", "x", "--y", "y", "--groups", "sv,fb",
                 "--k", "100,1000,100000", "--workers", "2", "-o", out2)
    assert result.exit_code == 0, result.output
    np.testing.assert_allclose(pd.read_parquet(out2)["share"], shares["share"], atol=1e-12, rtol=0)


def test_neighbourhoods_bad_k(points):
    _, path = points
    result = run("neighbourhoods", path, "--unit", "area_id", "--x", "x", "--y", "y", "--groups", "sv,fb",
                 "--k", "400,200")
    assert result.exit_code == 2 and "increasing" in result.output
