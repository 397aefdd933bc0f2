"""Load on the barometer over real HTTP: 50 concurrent clients against ``segreform serve`` (issue 11, "Load").

Scenarios, each bounded in time (``--seconds``) and in requests (``--max-requests``), loopback only:

- ``kommun first``: every one of the 290 kommun pages in Swedish and English, each requested once (the first
  visit of that page since the server started);
- ``kommun repeat``: kommun pages again, chosen at random;
- ``/api/overview``: the overview map's values of the first layer;
- ``regso.geojson``: the RegSO boundaries (3,363 areas), full downloads as a browser asks (gzip, br accepted);
- ``regso.geojson 304``: the same revalidated with its ETag (``If-None-Match``), as a browser's cache does.

Every client opens its keep-alive connection (one unmeasured request) before a scenario's clock starts.

The server is started as a user starts it (``python -m segreform serve`` on a database made by
``python -m segreform init``), in its own process, and the clients start once it answers and its
warm-up has finished (its CPU time stops growing). The script imports nothing from segreform, so the same
script measures any version: put that version first on PYTHONPATH.

    PYTHONPATH=src python benchmarks/web_load.py --backend sqlite --seconds 30
    PYTHONPATH=src python benchmarks/web_load.py --backend postgresql --seconds 30

Prints one markdown table row per scenario: requests, requests per second, p50/p95/p99 latency and errors
(exceptions and responses other than 200/304). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

POSTGRES_ADMIN_URL = os.environ.get("SEGREFORM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_ready(base: str, server: subprocess.Popen, limit_s: float = 600) -> float:
    """Seconds until the server answers and its warm-up is over (CPU time flat for 3 s)."""
    started = time.monotonic()
    while True:
        if server.poll() is not None:
            sys.exit(f"the server exited with {server.returncode}")
        try:
            if httpx.get(f"{base}/api/layers", timeout=60).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    last = cpu_seconds(server.pid)
    while time.monotonic() - started < limit_s:
        time.sleep(3)
        now = cpu_seconds(server.pid)
        if now - last < 0.1:
            break
        last = now
    return time.monotonic() - started


async def run_scenario(base: str, requests, *, clients: int, seconds: float, max_requests: int, headers=None):
    """Send ``requests`` (an iterator of (path, headers)) from ``clients`` concurrent clients."""
    latencies, errors, sent = [], [], 0
    deadline = float("inf")
    lock = asyncio.Lock()

    async def client_loop():
        nonlocal sent
        async with httpx.AsyncClient(base_url=base, timeout=60, headers=headers or {}) as client:
            try:
                await client.get("/api/layers")  # opens this client's connection, not measured
            except httpx.HTTPError:
                pass
            connected.append(client)
            await opened.wait()
            while time.monotonic() < deadline:
                async with lock:
                    if sent >= max_requests:
                        return
                    item = next(requests, None)
                    if item is None:
                        return
                    sent += 1
                path, extra = item
                started = time.perf_counter()
                try:
                    # Raw bytes, not decoded: the clients share the machine with the server, and a browser
                    # would spend its own CPU, not the server's, on gunzipping.
                    async with client.stream("GET", path, headers=extra) as response:
                        async for _chunk in response.aiter_raw():
                            pass
                    if response.status_code not in (200, 304):
                        errors.append(f"{path}: {response.status_code}")
                except httpx.HTTPError as exc:
                    errors.append(f"{path}: {type(exc).__name__}")
                latencies.append(time.perf_counter() - started)

    # Each client opens its keep-alive connection first (as a browser has one from the page before), outside
    # the clock, so that the table shows the pages, not 50 simultaneous TCP handshakes.
    opened, connected = asyncio.Event(), []
    tasks = [asyncio.create_task(client_loop()) for _ in range(clients)]
    while len(connected) < clients:
        await asyncio.sleep(0.05)
    deadline = time.monotonic() + seconds
    started = time.monotonic()
    opened.set()
    await asyncio.gather(*tasks)
    return latencies, errors, time.monotonic() - started


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--max-requests", type=int, default=20_000)
    parser.add_argument("--label", default="", help="a label for the table rows (e.g. before/after)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="segreform-load-"))
    admin = None
    if args.backend == "sqlite":
        url = f"sqlite:///{workdir / 'load.sqlite'}"
    else:
        from sqlalchemy import create_engine, text

        name = f"segreform_load_{uuid.uuid4().hex[:8]}"
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    env = {**os.environ, "SEGREFORM_DATABASE_URL": url}
    server = None
    try:
        subprocess.run([sys.executable, "-m", "segreform", "init", "--quiet"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "segreform", "serve", "--no-browser", "--no-demo", "--host", "127.0.0.1",
             "--port", str(port), "--database", url],
            env=env, stdout=subprocess.DEVNULL, stderr=open(workdir / "server.log", "w"),
        )
        ready_s = wait_until_ready(base, server)
        layers = httpx.get(f"{base}/api/layers", timeout=60).json()
        codes = [row["code"] for row in httpx.get(f"{base}/api/overview", params={"layer": layers[0]["id"]},
                                                   timeout=60).json()["rows"]]
        rng = random.Random(1)
        first = [(f"/kommun/{code}", {"Cookie": f"lang={lang}"}) for lang in ("sv", "en") for code in codes]
        rng.shuffle(first)

        def repeat():
            while True:
                yield f"/kommun/{rng.choice(codes)}", {"Cookie": f"lang={rng.choice(['sv', 'en'])}"}

        def same(path, headers=None):
            while True:
                yield path, headers or {}

        overview = f"/api/overview?layer={layers[0]['id']}"
        etag = httpx.get(f"{base}/api/map/regso.geojson", timeout=60).headers.get("etag", "")
        scenarios = [
            ("kommun first", iter(first)),
            ("kommun repeat", repeat()),
            ("/api/overview", same(overview)),
            ("regso.geojson", same("/api/map/regso.geojson", {"Accept-Encoding": "gzip, deflate, br"})),
            ("regso.geojson 304", same("/api/map/regso.geojson", {"Accept-Encoding": "gzip, deflate, br",
                                                                  "If-None-Match": etag})),
        ]
        load = os.getloadavg()
        print(f"\n{args.backend}: server ready (answers, warm-up over) after {ready_s:.0f} s; "
              f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; {args.clients} clients, ≤ {args.seconds:g} s "
              f"and ≤ {args.max_requests} requests per scenario; {len(codes)} kommuner")
        print("| version | backend | scenario | requests | rps | p50 ms | p95 ms | p99 ms | errors |")
        print("|---|---|---|---:|---:|---:|---:|---:|---:|")
        for name, requests in scenarios:
            latencies, errors, took = asyncio.run(run_scenario(
                base, requests, clients=args.clients, seconds=args.seconds, max_requests=args.max_requests))
            print(f"| {args.label} | {args.backend} | {name} | {len(latencies)} | {len(latencies) / took:.1f} | "
                  f"{percentile(latencies, .50) * 1000:.0f} | {percentile(latencies, .95) * 1000:.0f} | "
                  f"{percentile(latencies, .99) * 1000:.0f} | {len(errors)} |", flush=True)
            if errors:
                print(f"    first errors: {errors[:3]}")
        print(f"load average after: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
        if admin is not None:
            from sqlalchemy import text

            with admin.connect() as conn:
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                             {"n": url.rsplit("/", 1)[1]})
                conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"'))


if __name__ == "__main__":
    main()
