"""segreform.measure against PySAL `segregation` 2.5 on the three workloads of issue 2, in one process.

(a) 290 kommuner x 10 years, ~12 areas each, 3 groups: every aspatial index (two-group indices for
    focal group "a" against the rest, so both libraries compute the same numbers);
(b) one segment of 100,000 areas, 3 groups: every aspatial index PySAL can compute at that size;
(c) 1,000 bootstrap draws of D on 10,000 areas.

Prints seconds per library and the ratio (PySAL time / segreform time). ``--quick`` shrinks every
workload (29 kommuner, 10,000 areas, 100 draws) for a smoke run; ``--only c`` runs one workload. Run:

    python benchmarks/indices_vs_pysal.py [--quick] [--only a|b|c]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
from tqdm import tqdm

warnings.filterwarnings("ignore")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "measure"))
from pysal_peers import GROUPS, MULTI, TWO_GROUP  # noqa: E402
from segregation import singlegroup as ps  # noqa: E402
from segregation.inference import SingleValueTest  # noqa: E402

from segreform.measure import area_bootstrap, indices  # noqa: E402
from segreform.measure.kernels import compute_segments  # noqa: E402

def areas(rng: np.random.Generator, n: int) -> pd.DataFrame:
    sizes = rng.integers(200, 3000, n)
    shares = rng.dirichlet([4, 2, 1], n)
    counts = np.stack([rng.multinomial(s, p) for s, p in zip(sizes, shares)]) if n <= 50_000 else \
        np.floor(sizes[:, None] * shares).astype(np.int64)
    return pd.DataFrame(counts, columns=GROUPS).assign(total=lambda d: d[GROUPS].sum(axis=1))


def pysal_all(part: pd.DataFrame, skip=()) -> dict[str, float]:
    out = {name: cls(part, "a", "total").statistic for name, cls in TWO_GROUP.items() if name not in skip}
    out.update({name: make(part).statistic for name, make in MULTI.items() if name not in skip})
    return out


def timed(label: str, fn):
    start = time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - start
    print(f"  {label:<10} {seconds:9.3f} s")
    return seconds, value


def workload_a(rng, n_kommuner: int) -> None:
    frames = []
    for k in range(n_kommuner):
        for year in range(2014, 2024):
            part = areas(rng, int(rng.integers(8, 17)))
            frames.append(part.assign(kommun=k, year=year, area=np.arange(len(part))))
    data = pd.concat(frames, ignore_index=True)
    print(f"(a) {n_kommuner} kommuner x 10 years = {n_kommuner * 10} segments, {len(data)} areas, "
          f"every aspatial index ({len(TWO_GROUP)} two-group for focal 'a' + {len(MULTI)} multigroup)")
    segments = [part for _, part in data.groupby(["kommun", "year"])]
    t_pysal, theirs = timed("PySAL", lambda: [pysal_all(p) for p in tqdm(segments, desc="PySAL", leave=False)])
    t_ours, ours = timed("segreform", lambda: indices(data, unit="area", groups=GROUPS, by=["kommun", "year"], focal="a", base=np.e))
    check = ours[ours["index"] == "gini"]["estimate"].to_numpy()
    assert np.allclose(check, [t["gini"] for t in theirs], rtol=1e-10), "results differ"
    print(f"  ratio      {t_pysal / t_ours:9.1f}x")


def workload_b(rng, n_areas: int) -> None:
    data = areas(rng, n_areas).assign(area=np.arange(n_areas))
    skip = ("multi_gini",)
    print(f"(b) one segment of {n_areas} areas, every aspatial index PySAL can run "
          f"(skipped for PySAL: multi_gini, which builds an N x N matrix: {n_areas**2 * 8 / 2**30:.0f} GiB)")
    t_pysal, theirs = timed("PySAL", lambda: pysal_all(data, skip=skip))
    names = [n for n in [*TWO_GROUP, *MULTI] if n not in skip]
    t_ours, ours = timed("segreform", lambda: indices(data, unit="area", groups=GROUPS, focal="a", index=names, base=np.e))
    got = dict(zip(ours["index"], ours["estimate"]))
    assert all(np.isclose(got[n], theirs[n], rtol=1e-9) for n in names), "results differ"
    print(f"  ratio      {t_pysal / t_ours:9.1f}x")
    t_all, _ = timed("segreform all 18 incl. multi_gini", lambda: indices(data, unit="area", groups=GROUPS, focal="a"))


def workload_c(rng, n_areas: int, draws: int) -> None:
    data = areas(rng, n_areas).assign(area=np.arange(n_areas))
    print(f"(c) {draws} bootstrap draws of D on {n_areas} areas")
    print("  same work: resampling areas with replacement "
          "(PySAL: SingleValueTest null_approach='bootstrap'; segreform: bootstrap_by='areas')")
    t_pysal, _ = timed("PySAL", lambda: SingleValueTest(ps.Dissim(data, "a", "total"), iterations_under_null=draws,
                                                        null_approach="bootstrap", n_jobs=1))

    def area_bootstrap_d(n_jobs=1):
        return indices(data, unit="area", groups=GROUPS, focal="a", index="dissimilarity", bootstrap=draws, seed=1,
                       bootstrap_by="areas", n_jobs=n_jobs)

    t_areas, fast = timed("segreform", area_bootstrap_d)
    print(f"  ratio      {t_pysal / t_areas:9.1f}x")
    t_areas_two, _ = timed("segreform n_jobs=2", lambda: area_bootstrap_d(2))
    print(f"  ratio      {t_pysal / t_areas_two:9.1f}x (2 threads)")
    # The generic path (resampled tables through the generic kernels) draws the same picks: same numbers, slower.
    with mock.patch.dict(area_bootstrap.FAST_FORMULAS, clear=True):
        t_generic, generic = timed("segreform generic tables path", area_bootstrap_d)
    columns = ["se", "ci_low", "ci_high", "bias_corrected"]
    assert np.allclose(fast[columns], generic[columns], rtol=0, atol=1e-12), "fast and generic area bootstrap differ"
    print(f"  fast path vs generic path {t_generic / t_areas:9.1f}x (same draws, equal to 1e-12)")
    print("  segreform's default, resampling individuals (multinomial; PySAL has no such bootstrap):")
    t_ours, _ = timed("segreform", lambda: indices(data, unit="area", groups=GROUPS, focal="a", index="dissimilarity",
                                                   bootstrap=draws, seed=1))
    print(f"  vs PySAL's area bootstrap {t_pysal / t_ours:9.1f}x")
    t_two, _ = timed("segreform n_jobs=2", lambda: indices(data, unit="area", groups=GROUPS, focal="a",
                                                           index="dissimilarity", bootstrap=draws, seed=1, n_jobs=2))
    print(f"  vs PySAL's area bootstrap {t_pysal / t_two:9.1f}x (2 threads)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller workloads for a smoke run")
    parser.add_argument("--only", choices=["a", "b", "c"], help="run just this workload")
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, numpy {np.__version__}")
    # Compile numba kernels and warm caches outside the timings, for both libraries.
    warm = areas(np.random.default_rng(2024), 50).assign(area=np.arange(50))
    pysal_all(warm)
    compute_segments(warm[GROUPS].to_numpy(float), None, "all")
    indices(warm, unit="area", groups=GROUPS, bootstrap=2, seed=1, bootstrap_by="areas")
    # Each workload has its own data seed, so --only gives the same data as a full run.
    if args.only in (None, "a"):
        workload_a(np.random.default_rng([2024, 0]), 29 if args.quick else 290)
    if args.only in (None, "b"):
        workload_b(np.random.default_rng([2024, 1]), 10_000 if args.quick else 100_000)
    if args.only in (None, "c"):
        workload_c(np.random.default_rng([2024, 2]), 10_000, 100 if args.quick else 1000)


if __name__ == "__main__":
    main()
