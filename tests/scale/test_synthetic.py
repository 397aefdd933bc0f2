"""The synthetic population: seeded, independent of partitioning, segregation as documented."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from segreform.scale.synthetic import (
    SyntheticSpec,
    generate_cells,
    group_columns,
    read_spec,
    synthetic_dask,
    synthetic_population,
    write_synthetic_parquet,
)


def _cluster_eta2(frame: pd.DataFrame) -> float:
    """Between-cluster share of variance of group 1's share (the knob's meaning for K = 2)."""
    by_cluster = frame.groupby("cluster")[["group_1", "group_2"]].sum()
    size = by_cluster.sum(axis=1)
    share = by_cluster["group_1"] / size
    overall = by_cluster["group_1"].sum() / size.sum()
    return float((size * (share - overall) ** 2).sum() / size.sum() / (overall * (1 - overall)))


def test_same_spec_same_data_however_it_is_cut():
    spec = SyntheticSpec(n_cells=20_000, n_groups=3, segregation=0.4, seed=11, n_regions=3)
    whole = synthetic_population(spec)
    cuts = [0, 1, 4095, 4097, 12_345, 20_000]
    pieces = pd.concat([generate_cells(spec, a, b) for a, b in zip(cuts, cuts[1:])], ignore_index=True)
    pd.testing.assert_frame_equal(whole, pieces)
    lazily = synthetic_dask(spec, rows_per_partition=3_000).compute(scheduler="sync").reset_index(drop=True)
    pd.testing.assert_frame_equal(whole, lazily)


def test_different_seed_gives_different_data():
    a = synthetic_population(SyntheticSpec(5_000, 2, 0.3, seed=1))
    b = synthetic_population(SyntheticSpec(5_000, 2, 0.3, seed=2))
    assert not a[group_columns(2)].equals(b[group_columns(2)])


def test_layout_and_counts():
    spec = SyntheticSpec(n_cells=10_001, n_groups=4, segregation=0.2, seed=3, n_regions=4, mean_population=20)
    frame = synthetic_population(spec)
    assert list(frame.columns) == ["cell", "x", "y", "region", "cluster", *group_columns(4)]
    assert frame["cell"].tolist() == list(range(10_001))
    assert spec.width == 101 and frame["x"].max() == 100
    assert sorted(frame["region"].unique()) == [0, 1, 2, 3]
    totals = frame[group_columns(4)].sum(axis=1)
    assert totals.min() >= 1  # no empty cells
    assert abs(totals.mean() - 20) < 0.5
    shares = frame[group_columns(4)].sum() / totals.sum()
    np.testing.assert_allclose(shares, spec.global_shares, atol=0.05)


@pytest.mark.parametrize("knob", [0.0, 0.2, 0.6, 0.9])
def test_segregation_knob_is_the_between_cluster_share_of_variance(knob):
    frame = synthetic_population(SyntheticSpec(n_cells=250_000, n_groups=2, segregation=knob, seed=5,
                                               shares=(0.5, 0.5), mean_population=200))
    # 2,500 clusters: the estimate is within a few hundredths of S (plus binomial noise near 0)
    assert _cluster_eta2(frame) == pytest.approx(knob, abs=0.04)


def test_parquet_round_trip_and_never_overwrites(tmp_path):
    spec = SyntheticSpec(n_cells=9_000, n_groups=3, segregation=0.5, seed=2)
    paths = write_synthetic_parquet(spec, tmp_path / "pop", rows_per_partition=4_000, progress=False)
    assert [p.name for p in paths] == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    back = pd.read_parquet(tmp_path / "pop")
    pd.testing.assert_frame_equal(back.reset_index(drop=True), synthetic_population(spec))
    assert read_spec(tmp_path / "pop") == spec
    assert json.loads((tmp_path / "pop" / "_synthetic.json").read_text())["segregation"] == 0.5
    before = paths[0].read_bytes()
    with pytest.raises(FileExistsError, match="not empty"):
        write_synthetic_parquet(spec, tmp_path / "pop", progress=False)
    assert paths[0].read_bytes() == before


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"segregation": 1.0}, "segregation must be in"),
        ({"segregation": -0.1}, "segregation must be in"),
        ({"n_groups": 1}, "n_groups must be an integer of at least 2"),
        ({"n_cells": 0}, "n_cells must be an integer of at least 1"),
        ({"seed": -1}, "seed must be"),
        ({"shares": (0.5, 0.6)}, "sum to 1"),
        ({"shares": (1.0,)}, "one entry per group"),
        ({"mean_population": 0.5}, "mean_population"),
    ],
)
def test_bad_specification_is_refused(kwargs, message):
    base = {"n_cells": 100, "n_groups": 2, "segregation": 0.3, "seed": 1}
    with pytest.raises(ValueError, match=message):
        SyntheticSpec(**(base | kwargs))
