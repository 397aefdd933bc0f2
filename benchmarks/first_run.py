"""First-run time of `segreform init` (migrations + the whole bundle) on a fresh SQLite file, and of a second run.

    python benchmarks/first_run.py [--repeats 3] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Prints wall and process-CPU seconds per run and, for the last run, the time of each bundled dataset (from the
order in which `load_bundle` writes them). To compare two versions of segreform side by side, run the script
once with each on the PYTHONPATH in the same minutes (the machine's load changes the absolute times).
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path


def one_run(url: str) -> tuple[float, float, float, dict]:
    from sqlalchemy import create_engine

    from segreform.data import writer
    from segreform.data.loader import ensure_initialised

    stamps: dict[str, float] = {}
    original = writer.write_release

    def timed(engine, release, **kwargs):
        started = time.perf_counter()
        result = original(engine, release, **kwargs)
        stamps[release.name] = time.perf_counter() - started
        return result

    import segreform.data.loader as loader

    loader.write_release = timed
    engine = create_engine(url)
    wall, cpu = time.perf_counter(), time.process_time()
    ensure_initialised(engine, progress=False)
    first = (time.perf_counter() - wall, time.process_time() - cpu)
    again = time.perf_counter()
    ensure_initialised(engine, progress=False)
    second = time.perf_counter() - again
    loader.write_release = original
    engine.dispose()
    return first[0], first[1], second, stamps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--postgres", help="an admin URL; a fresh database is created and dropped per run")
    args = parser.parse_args()
    for repeat in range(args.repeats):
        with tempfile.TemporaryDirectory() as folder:
            wall, cpu, second, stamps = one_run(f"sqlite:///{Path(folder) / 'first.sqlite'}")
        print(f"sqlite   run {repeat + 1}: first {wall:6.2f} s wall, {cpu:6.2f} s CPU; second init {second:5.2f} s")
        if args.postgres:
            from sqlalchemy import create_engine, text

            name = f"segreform_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                pg_wall, pg_cpu, pg_second, _ = one_run(args.postgres.rsplit("/", 1)[0] + f"/{name}")
                print(f"postgres run {repeat + 1}: first {pg_wall:6.2f} s wall, {pg_cpu:6.2f} s CPU; "
                      f"second init {pg_second:5.2f} s")
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
    print("last SQLite run, seconds per dataset written:")
    for name, seconds in stamps.items():
        print(f"  {name:45s} {seconds:6.2f}")


if __name__ == "__main__":
    main()
