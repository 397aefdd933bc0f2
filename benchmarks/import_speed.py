"""Time and peak memory of ``segreform import px`` on a large PX-Web export (issue 11, finding 5).

The export is generated from the bundled SCB RegSO table ``scb/raw/regso_fodelseregion_2020_2023_px_export.csv``
(3,363 RegSO × 2 birth regions × 4 years): its body is repeated with the ``kön`` column relabelled
("grupp 1", "grupp 2", ...) until the file reaches ``--megabytes`` (default 46 MB, the size in the issue), so
every row is distinct and every label maps to a real RegSO. The footer is kept.

The import runs in a child process (``python -m segreform import px``) on a fresh SQLite file with the bundle
loaded, so the peak resident memory (``ru_maxrss`` of that child) is the import's alone. Run it once per code
version to compare, e.g. before/after a change:

    PYTHONPATH=/path/to/old/src python benchmarks/import_speed.py --megabytes 46
    PYTHONPATH=$PWD/src          python benchmarks/import_speed.py --megabytes 46

Nothing is asserted. ``--database URL`` imports into that (already initialised) database instead.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "src/segreform/data/bundled/scb/raw/regso_fodelseregion_2020_2023_px_export.csv"


def generate(target: Path, megabytes: float) -> int:
    """Write the scaled export to ``target``; return its number of body rows."""
    # PX-Web ends lines with "\r\r\n"; the copy keeps that.
    lines = [line.rstrip("\r") for line in SOURCE.read_bytes().decode("utf-8-sig").split("\n")]
    header = lines[0]
    end = next(i for i, line in enumerate(lines[1:], start=1) if not line.strip())
    body, footer = lines[1:end], lines[end:]
    wanted = megabytes * 1e6
    rows = 0
    with target.open("w", encoding="utf-8", newline="") as out:
        out.write("\ufeff" + header + "\r\r\n")
        size = len(header)
        group = 0
        while size < wanted:
            group += 1
            for line in body:
                cells = line.rsplit('"totalt"', 1)
                relabelled = f'{cells[0]}"grupp {group}"{cells[1]}\r\r\n'
                out.write(relabelled)
                size += len(relabelled.encode("utf-8"))
                rows += 1
        out.write("\r\r\n".join(footer))
    return rows


def run(command: list[str], env: dict) -> tuple[float, float, int, str, float]:
    """(seconds, peak RSS in MB, exit code, output, CPU seconds) of a child process.

    The CPU time (user + system) is printed beside the wall time: on a shared machine it varies much less."""
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = child.stdout.read().decode("utf-8", "replace")
    _pid, status, usage = os.wait4(child.pid, 0)
    return (time.perf_counter() - started, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), output,
            usage.ru_utime + usage.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=46.0)
    parser.add_argument("--database", help="an initialised database URL (default: a fresh SQLite file)")
    parser.add_argument("--keep", help="directory to keep the generated file and database in")
    args = parser.parse_args()

    workdir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="segreform-import-"))
    workdir.mkdir(parents=True, exist_ok=True)
    export = workdir / f"regso_fodelseregion_x{args.megabytes:g}mb.csv"
    if not export.exists():
        rows = generate(export, args.megabytes)
        print(f"generated {export} ({export.stat().st_size / 1e6:.1f} MB, {rows:,} rows × 4 years)")
    url = args.database or f"sqlite:///{workdir / 'import.sqlite'}"
    env = {**os.environ, "SEGREFORM_DATABASE_URL": url}
    seconds, rss, code, output, _cpu = run([sys.executable, "-m", "segreform", "init", "--quiet"], env)
    if code != 0:
        sys.exit(f"init failed ({code}):\n{output}")
    print(f"init: {seconds:.1f} s")
    seconds, rss, code, output, cpu = run(
        [sys.executable, "-m", "segreform", "import", "px", str(export), "--name", f"bench_{time.time_ns()}"], env
    )
    print(output.strip()[-2000:])
    print(f"import px {export.stat().st_size / 1e6:.1f} MB into {url.split(':')[0]}: exit {code}, "
          f"{seconds:.1f} s ({cpu:.1f} s CPU), peak RSS {rss:,.0f} MB, load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
