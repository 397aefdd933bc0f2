"""How fast the barometer answers, over real HTTP, on the bundled real data (290 kommuner, 3,363 RegSO, 2020–2023).

Targets from issue 4: a kommun profile page under 200 ms; the overview's map data under 500 ms. Printed as
median and 90th percentile per request, and as a ratio to the target (below 1.00 meets it). The first
request after start (cold: data read from the database, map layers simplified, indices computed) is shown
separately from the warm ones that the caches serve. The server is started as ``segreform serve`` starts it,
with the caches warmed in the background first (its duration is printed). Nothing here is asserted; run it by hand:

    python benchmarks/web_speed.py [--database URL] [--repeats 20]

Without ``--database`` it loads the bundle into a temporary SQLite file first (the embedded default).
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from segreform.data.loader import ensure_initialised
from segreform.store import make_engine
from segreform.web.app import create_app, warm_up

KOMMUN_TARGET_S = 0.200
MAP_TARGET_S = 0.500
KOMMUNER = ["0180", "1280", "1480", "2480", "0114", "1283", "0580", "2580"]


def start_server(engine) -> tuple[uvicorn.Server, str, float]:
    """Serve the app as ``segreform serve`` does (caches warmed in the background); also the warm-up time."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(engine)
    started = time.perf_counter()
    warm_up(app).join()
    warm_up_s = time.perf_counter() - started
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}", warm_up_s


def timed(client: httpx.Client, url: str, **headers) -> float:
    started = time.perf_counter()
    response = client.get(url, headers=headers)
    response.raise_for_status()
    _ = response.content
    return time.perf_counter() - started


def report(name: str, cold: float | None, warm: list[float], target: float | None) -> None:
    median = statistics.median(warm)
    p90 = sorted(warm)[max(0, int(len(warm) * 0.9) - 1)]
    ratio = f"{median / target:5.2f}" if target else "    –"
    cold_text = f"{cold * 1000:8.1f}" if cold is not None else f"{'–':>8s}"
    target_text = f"{target * 1000:8.0f}" if target else f"{'–':>8s}"
    print(f"{name:52s} {cold_text} {median * 1000:8.1f} {p90 * 1000:8.1f} {target_text} {ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a database with the bundle loaded (default: a fresh temporary SQLite)")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()

    workdir = tempfile.TemporaryDirectory()
    url = args.database or f"sqlite:///{Path(workdir.name) / 'bench.sqlite'}"
    engine = make_engine(url)
    started = time.perf_counter()
    if ensure_initialised(engine, progress=True):
        print(f"loaded the bundle into {url} in {time.perf_counter() - started:.1f} s")
    server, base, warm_up_s = start_server(engine)
    print(f"data: bundled (290 kommuner, 3,363 RegSO, 2020–2023); database: {engine.dialect.name}; repeats: {args.repeats}")
    print(f"{'request':52s} {'cold ms':>8s} {'median':>8s} {'p90':>8s} {'target':>8s} ratio")
    with httpx.Client(base_url=base, timeout=120) as client:
        gzip_ok = {"accept-encoding": "gzip"}
        # Overview map data: geometry (cached, gzip) + the layer's values for the 290 kommuner.
        report("warm-up after start (background in `serve`)", None, [warm_up_s], None)
        layer = client.get("/api/layers").json()[0]["id"]
        cold_geometry = timed(client, "/api/map/kommun.geojson", **gzip_ok)
        cold_values = timed(client, f"/api/overview?layer={layer}")
        geometry = [timed(client, "/api/map/kommun.geojson", **gzip_ok) for _ in range(args.repeats)]
        values = [timed(client, f"/api/overview?layer={layer}") for _ in range(args.repeats)]
        both = [g + v for g, v in zip(geometry, values)]
        report("overview map data (geometry + values)", cold_geometry + cold_values, both, MAP_TARGET_S)
        report("  /api/map/kommun.geojson (gzip)", cold_geometry, geometry, None)
        report("  /api/overview?layer=<first layer>", cold_values, values, None)
        report("/ (overview page, 290-row ranking)", None, [timed(client, "/") for _ in range(args.repeats)], None)

        # Kommun profile pages: a first visit assembles and renders the page; a repeat is served from the page cache.
        first_visits = [timed(client, f"/kommun/{code}") for code in KOMMUNER]
        report(f"/kommun/{{code}} first visit ({len(KOMMUNER)} kommuner)", None, first_visits, KOMMUN_TARGET_S)
        repeats = [timed(client, f"/kommun/{KOMMUNER[i % len(KOMMUNER)]}") for i in range(args.repeats)]
        report("/kommun/{code} repeat visit (page cache)", None, repeats, KOMMUN_TARGET_S)
        report("/api/kommun/{code} JSON", None,
               [timed(client, f"/api/kommun/{KOMMUNER[i % len(KOMMUNER)]}") for i in range(args.repeats)], None)
        cold_regso = timed(client, "/api/map/regso.geojson", **gzip_ok)
        report("/api/map/regso.geojson (3,363 RegSO, gzip)", cold_regso,
               [timed(client, "/api/map/regso.geojson", **gzip_ok) for _ in range(args.repeats)], None)
        etag = client.get("/api/map/regso.geojson").headers["etag"]
        report("  same, browser revalidation (304)", None,
               [timed_status(client, "/api/map/regso.geojson", etag) for _ in range(args.repeats)], None)
    server.should_exit = True
    engine.dispose()


def timed_status(client: httpx.Client, url: str, etag: str) -> float:
    started = time.perf_counter()
    response = client.get(url, headers={"if-none-match": etag})
    assert response.status_code == 304
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
