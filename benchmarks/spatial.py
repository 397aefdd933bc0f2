"""Spatial indices and bespoke neighbourhoods: segreform beside PySAL `segregation` 2.5.4, and the
10-million-cell aspatial battery before/after the fused kernels.

    python benchmarks/spatial.py --check          # PySAL's distance-decay matrix on a 3 x 3 grid, printed
    python benchmarks/spatial.py --pysal 1000,10000
    python benchmarks/spatial.py --knearest 10000,100000,1000000
    python benchmarks/spatial.py --battery GRID_DIR --before-src OLD_SRC   # OLD_SRC: e.g. `git archive 94bae21 src`

Sizes are stated in every line. PySAL runs in the same process as segreform, minutes apart; the
ratio is PySAL time / segreform time. "published" is the value of the formula in Massey & Denton
(1988) with c_ij = exp(-d_ij[km]), d_ii = sqrt(0.6 a_i[km²]), which is what segreform computes and is
tested against (docs/measure.md); PySAL's values differ because of its proximity matrix.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

PYSAL_INDICES = {
    "spatial_proximity": "SpatialProximity",
    "relative_clustering": "RelativeClustering",
    "absolute_clustering": "AbsoluteClustering",
    "distance_decay_isolation": "DistanceDecayIsolation",
    "distance_decay_interaction": "DistanceDecayInteraction",
}


def _grid_units(n: int, seed: int = 1):
    """n square units of 250 m in SWEREF 99 TM, a group whose share falls from west to east."""
    import geopandas
    from shapely.geometry import box

    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n)))
    ix, iy = np.arange(n) % side, np.arange(n) // side
    x0, y0 = 500_000 + ix * 250.0, 6_400_000 + iy * 250.0
    total = rng.integers(20, 400, n)
    share = np.clip(0.7 - 0.6 * ix / side + rng.normal(0, 0.08, n), 0, 1)
    a = rng.binomial(total, share)
    frame = geopandas.GeoDataFrame({"a": a, "t": total, "b": total - a},
                                   geometry=[box(x, y, x + 250, y + 250) for x, y in zip(x0, y0)], crs="EPSG:3006")
    return frame


def check_pysal_matrix() -> None:
    """Print PySAL's proximity on a 3 x 3 grid of 1 km squares next to exp(-d_km), and both sets of values."""
    import geopandas
    from shapely.geometry import box
    from segregation import singlegroup

    from segreform.measure.spatial import compute_spatial

    warnings.filterwarnings("ignore")
    cells = [box(x * 1000, y * 1000, (x + 1) * 1000, (y + 1) * 1000) for y in range(3) for x in range(3)]
    a = np.array([90, 30, 10] * 3)
    frame = geopandas.GeoDataFrame({"a": a, "t": np.full(9, 100), "b": 100 - a}, geometry=cells, crs="EPSG:3006")
    cx, cy = frame.centroid.x.to_numpy(), frame.centroid.y.to_numpy()
    d = np.hypot(cx[:, None] - cx[None, :], cy[:, None] - cy[None, :])
    w = d / d.sum(axis=1)
    pysal_c = 1 - np.exp(-w)
    print("corner unit's proximity to the units at 0, 1, 2, 1, 1.41, 2.24, 2, 2.24, 2.83 km:")
    print("  PySAL 1 - exp(-d / rowsum):", np.round(pysal_c[0], 3), "(diagonal replaced by 1 - exp(-sqrt(0.6 area_m2)) = 1)")
    print("  Massey & Denton exp(-d_km):", np.round(np.exp(-d[0] / 1000), 3))
    ours = compute_spatial(frame[["a", "b"]].to_numpy(float), cx, cy, list(PYSAL_INDICES), area=frame.area.to_numpy())
    for name, cls in PYSAL_INDICES.items():
        value = getattr(singlegroup, cls)(frame, "a", "t").statistic
        print(f"  {name:<28} PySAL {value:9.6f}   published/segreform {ours[name][0, 0]:9.6f}")


def bench_pysal(sizes: list[int]) -> None:
    from segregation import singlegroup

    from segreform.measure.spatial import compute_spatial

    warnings.filterwarnings("ignore")
    print("| units | index | PySAL value | published (segreform) | PySAL s | segreform s | ratio |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for n in sizes:
        frame = _grid_units(n)
        counts = frame[["a", "b"]].to_numpy(float)
        cx, cy, area = frame.centroid.x.to_numpy(), frame.centroid.y.to_numpy(), frame.area.to_numpy()
        compute_spatial(counts[:10], cx[:10], cy[:10], list(PYSAL_INDICES), area=area[:10])  # compile
        start = time.perf_counter()
        ours = compute_spatial(counts, cx, cy, list(PYSAL_INDICES), area=area)
        ours_all = time.perf_counter() - start
        for name, cls in PYSAL_INDICES.items():
            start = time.perf_counter()
            ours_one = compute_spatial(counts, cx, cy, [name], area=area)[name][0, 0]
            ours_s = time.perf_counter() - start
            start = time.perf_counter()
            value = getattr(singlegroup, cls)(frame, "a", "t").statistic
            pysal_s = time.perf_counter() - start
            print(f"| {n:,} | {name} | {value:.6f} | {ours_one:.6f} | {pysal_s:.2f} | {ours_s:.3f} | {pysal_s / ours_s:,.0f}× |",
                  flush=True)
        print(f"| {n:,} | all five at once (one pass) | | | | {ours_all:.3f} | |", flush=True)


def bench_knearest(sizes: list[int], ks=(200, 400, 800, 1600, 3200, 6400, 12800, 25600)) -> None:
    from segreform.measure.neighbourhoods import bespoke_shares, bespoke_summary

    bespoke_shares(np.zeros(3), np.zeros(3), np.ones((3, 2)), [1, 2])  # compile
    print("| locations | persons | k values | time s | peak RSS MiB | D at k=200 | D at k=25,600 |")
    print("|---:|---:|---|---:|---:|---:|---:|")
    for n in sizes:
        rng = np.random.default_rng(n)
        # people in towns: 100 m cells around 200 centres, about 10 persons per occupied cell
        centres = rng.uniform(0, 400_000, (200, 2))
        which = rng.integers(0, 200, n)
        x = np.round(centres[which, 0] + rng.normal(0, 3000, n), -2)
        y = np.round(centres[which, 1] + rng.normal(0, 3000, n), -2)
        share = np.clip(0.2 + 0.5 * (rng.random(200)[which] > 0.7) + rng.normal(0, 0.1, n), 0, 1)
        people = 1 + rng.poisson(9, n)
        a = rng.binomial(people, share)
        counts = np.column_stack([a, people - a]).astype(float)
        start = time.perf_counter()
        shares = bespoke_shares(x, y, counts, ks)
        seconds = time.perf_counter() - start
        d = bespoke_summary(shares, counts)["dissimilarity"][0, :, 0]
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"| {n:,} | {int(counts.sum()):,} | {ks[0]:,}…{ks[-1]:,} ({len(ks)}) | {seconds:.1f} | {peak:,.0f} | "
              f"{d[0]:.3f} | {d[-1]:.3f} |", flush=True)


BATTERY = """
import json, resource, sys, time
import pandas as pd
from segreform.measure import indices
G = ["group_1", "group_2", "group_3", "group_4"]
start = time.perf_counter()
try:  # one copy of the columns in memory (segreform after issue 14's memory work)
    from segreform.scale.parquet_columns import read_parquet_columns
    frame = read_parquet_columns(sys.argv[1], ["cell", *G])
except ImportError:  # the version before
    frame = pd.read_parquet(sys.argv[1], columns=["cell", *G])
read = time.perf_counter() - start
input_bytes = int(frame.memory_usage(index=False).sum())
result = indices(frame, unit="cell", groups=G, index="all")
seconds = time.perf_counter() - start
result.to_parquet(sys.argv[2])
print(json.dumps({"seconds": seconds, "read": read, "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                  "input": input_bytes}))
"""


def bench_battery(grid: Path, before_src: Path | None) -> None:
    import pandas as pd

    here = Path(__file__).resolve().parents[1] / "src"
    runs = [("before", before_src), ("after", here)] if before_src else [("after", here)]
    results = {}
    for label, src in runs:
        # a first run compiles/caches numba; the second is timed
        for attempt in range(2):
            out = Path(f"/tmp/battery-{label}.parquet")
            env = dict(os.environ, PYTHONPATH=str(src))
            text = subprocess.run([sys.executable, "-c", BATTERY, str(grid), str(out)], env=env, check=True,
                                  capture_output=True, text=True).stdout
        results[label] = json.loads(text.strip().splitlines()[-1]), pd.read_parquet(out)
        print(label, results[label][0], file=sys.stderr, flush=True)
    print("| run | time s (read + indices) | peak RSS MiB | peak / input in memory | max |diff| to after |")
    print("|---|---:|---:|---:|---:|")
    def estimates(table):  # versions before issue 12 called the column `value`
        return table["estimate" if "estimate" in table else "value"].to_numpy()

    after = estimates(results["after"][1])
    for label, (stats, table) in results.items():
        diff = np.nanmax(np.abs(estimates(table) - after))
        print(f"| {label} | {stats['seconds']:.2f} (read {stats['read']:.2f}) | {stats['peak'] / 2**20:,.0f} | "
              f"{stats['peak'] / stats['input']:.1f}× of {stats['input'] / 2**20:,.0f} MiB | {diff:.1e} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--pysal", help="comma-separated unit counts, e.g. 1000,10000")
    parser.add_argument("--knearest", help="comma-separated location counts, e.g. 10000,100000,1000000")
    parser.add_argument("--battery", type=Path, help="a synth-population folder of 10M cells x 4 groups")
    parser.add_argument("--before-src", type=Path, help="the src folder of the version before (for --battery)")
    args = parser.parse_args()
    if args.check:
        check_pysal_matrix()
    if args.pysal:
        bench_pysal([int(v) for v in args.pysal.split(",")])
    if args.knearest:
        bench_knearest([int(v) for v in args.knearest.split(",")])
    if args.battery:
        bench_battery(args.battery, args.before_src)


if __name__ == "__main__":
    main()
