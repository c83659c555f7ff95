"""Ten years in one run, against Dagster's own floor, and one day on top of the history.

    .venv/bin/python bench/backfill.py [--start 2015-01-01] [--end 2024-12-31] [--day 2025-01-01]

Every run is the real CLI (`dagster asset materialize --select '*'`) on the committed
`dagster.yaml` (Dagster's storage in PostgreSQL), each in a fresh MEETUP_HOME with its own
embedded server, with the default sandbox world and DAGSTER_EVENT_BATCH_SIZE=1000:

1. the no-op graph (`bench/noop_definitions.py`) over the range: Dagster's floor;
2. the real graph over the range on an empty warehouse;
3. one more day on top of that history;
4. the same day on an empty warehouse.

Prints wall time, peak memory (max RSS of the CLI process), API requests, rows per table,
and the ratios the project targets: (2)/(1) < 1.5, (3)/(4) < 1.2, peak memory < 1 GB.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from meetup_pipeline.warehouse.embedded import ensure_server, stop_server

REPO = Path(__file__).resolve().parents[1]
DAGSTER = str(Path(sys.executable).parent / "dagster")
REQUESTS = re.compile(r"Extracted (\d+) groups, (\d+) events, (\d+) rejects .*\((\d+) requests\)")


@dataclass
class Run:
    label: str
    seconds: float
    peak_mb: float
    requests: int | None
    log: Path


def materialize(home: Path, label: str, target: list[str], partitions: list[str]) -> Run:
    home.mkdir(parents=True, exist_ok=True)
    dagster_home = home / "dagster_home"
    dagster_home.mkdir(exist_ok=True)
    shutil.copy(REPO / "dagster.yaml", dagster_home / "dagster.yaml")
    env = {
        **os.environ,
        "MEETUP_HOME": str(home),
        "DAGSTER_HOME": str(dagster_home),
        "DAGSTER_EVENT_BATCH_SIZE": "1000",
    }
    env.pop("MEETUP_WAREHOUSE_URL", None)
    log = home / f"{label}.log"
    cmd = [DAGSTER, "asset", "materialize", *target, "--select", "*", *partitions]
    with open(log, "w") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        tail = "\n".join(log.read_text().splitlines()[-30:])
        raise SystemExit(f"{label} failed; see {log}\n{tail}")
    found = REQUESTS.findall(log.read_text())
    requests = sum(int(m[3]) for m in found) if found else None
    run = Run(label, seconds, usage.ru_maxrss / 1024, requests, log)
    print(f"{label:<34} {seconds:8.1f} s  peak {run.peak_mb:7.0f} MB  requests {requests}")
    return run


def row_counts(home: Path) -> dict[str, int]:
    server = ensure_server(home / "pgdata")
    engine = sa.create_engine(server.url())
    counts: dict[str, int] = {}
    try:
        inspector = sa.inspect(engine)
        with engine.connect() as conn:
            for schema in ("raw", "staging", "marts"):
                for name in sorted(inspector.get_table_names(schema=schema)):
                    table = sa.table(name, schema=schema)
                    stmt = sa.select(sa.func.count()).select_from(table)
                    counts[f"{schema}.{name}"] = conn.execute(stmt).scalar_one()
    finally:
        engine.dispose()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", default="2015-01-01")
    parser.add_argument("--end", default="2024-12-31")
    parser.add_argument("--day", default="2025-01-01")
    parser.add_argument("--keep", action="store_true", help="keep the temporary homes")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-backfill-"))
    real = ["-m", "meetup_pipeline.definitions"]
    noop = ["-f", str(REPO / "bench" / "noop_definitions.py")]
    span = ["--partition-range", f"{args.start}...{args.end}"]
    day = ["--partition", args.day]
    homes = {k: root / k for k in ("noop", "history", "empty")}
    try:
        print(f"range {args.start}...{args.end}, then {args.day}; homes under {root}")
        floor = materialize(homes["noop"], "no-op graph, range (floor)", noop, span)
        full = materialize(homes["history"], "real graph, range, empty", real, span)
        on_top = materialize(homes["history"], "one day on top of the range", real, day)
        alone = materialize(homes["empty"], "one day, empty warehouse", real, day)
        print("\nrows per table after the range and the extra day:")
        for table, count in row_counts(homes["history"]).items():
            print(f"  {table:<32} {count:>9,}")
        peak = max(r.peak_mb for r in (floor, full, on_top, alone))
        print("\nratios:")
        print(f"  range / no-op floor          {full.seconds / floor.seconds:5.2f}  (target < 1.5)")
        print(
            f"  day on history / day alone   {on_top.seconds / alone.seconds:5.2f}  (target < 1.2)"
        )
        print(f"  peak memory                  {peak:5.0f} MB (target < 1024 MB)")
    finally:
        for home in homes.values():
            if (home / "pgdata").exists():
                stop_server(home / "pgdata")
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
