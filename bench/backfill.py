"""Ten years in one run, bulk planned events on and off, Dagster's floor, a 10x world, year/day.

    .venv/bin/python bench/backfill.py [--start 2015-01-01] [--end 2024-12-31]
        [--day 2025-01-01] [--year-start 2023-01-01 --year-end 2023-12-31]
        [--skip-off] [--skip-10x] [--keep]
    .venv/bin/python bench/backfill.py --planned-ab [--rounds 1]

Every run is the real CLI (`dagster asset materialize --select '*'`) on the committed
`dagster.yaml` (Dagster's storage in PostgreSQL, bulk planned events and event batching
from its event-log config, the concise console), each home with its own embedded server
(started before the clock runs) and the default sandbox world unless said otherwise:

1. the no-op graph (`bench/noop_definitions.py`) over the range: Dagster's floor;
2. the real graph over the range on an empty warehouse (the ten-year figure);
3. one more day on top of that history;
4. the real graph over the range with `bulk_planned_events: false` (stock dagster-postgres
   planned events, one by one), on an empty warehouse;
5. one day on an empty warehouse, then one year on the same warehouse and instance;
6. the range again in a world ten times larger (`MEETUP_SANDBOX_SCALE=10`).

`--planned-ab` runs only the range, bulk planned events on and off alternately (on, off, on,
off, ... ending with on; each on a fresh empty warehouse and instance), with Dagster's own
batched event writes on in both (`DAGSTER_EVENT_BATCH_SIZE=1000`, which Dagster 1.13 applies
to planned events too: `BATCH_WRITABLE_EVENTS`), and prints the ratio of the medians and the
load average: whether the mixin still earns its keep.

Prints wall time, peak memory (max RSS of the CLI process), API requests and console lines
per run, rows per table, the latest result of every asset check after the one-year run,
and the ratios the project targets.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
import yaml

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
    lines: int
    log: Path


def _dagster_yaml(dagster_home: Path, bulk: bool) -> None:
    config = yaml.safe_load((REPO / "dagster.yaml").read_text())
    config["event_log_storage"]["config"]["bulk_planned_events"] = bulk
    (dagster_home / "dagster.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


def materialize(
    home: Path,
    label: str,
    target: list[str],
    partitions: list[str],
    bulk: bool = True,
    scale: int | None = None,
    batch_size: int | None = None,
) -> Run:
    home.mkdir(parents=True, exist_ok=True)
    dagster_home = home / "dagster_home"
    dagster_home.mkdir(exist_ok=True)
    _dagster_yaml(dagster_home, bulk)
    # Each home's embedded server is started (initdb: tens of seconds) before the clock runs,
    # so a home's first run is not charged for it.
    ensure_server(home / "pgdata", databases=("meetup", "dagster"))
    env = {**os.environ, "MEETUP_HOME": str(home), "DAGSTER_HOME": str(dagster_home)}
    for name in ("MEETUP_WAREHOUSE_URL", "MEETUP_DAGSTER_STORAGE_URL", "DAGSTER_POSTGRES_HOST"):
        env.pop(name, None)
    env.pop("MEETUP_SANDBOX_SCALE", None)
    if scale is not None:
        env["MEETUP_SANDBOX_SCALE"] = str(scale)
    if batch_size is not None:
        env["DAGSTER_EVENT_BATCH_SIZE"] = str(batch_size)
    log = home / f"{label.replace(' ', '_').replace('/', '_')}.log"
    cmd = [DAGSTER, "asset", "materialize", *target, "--select", "*", *partitions]
    with open(log, "w") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
    text = log.read_text()
    if os.waitstatus_to_exitcode(status) != 0:
        tail = "\n".join(text.splitlines()[-30:])
        raise SystemExit(f"{label} failed; see {log}\n{tail}")
    found = REQUESTS.findall(text)
    requests = sum(int(m[3]) for m in found) if found else None
    lines = len(text.splitlines())
    run = Run(label, seconds, usage.ru_maxrss / 1024, requests, lines, log)
    print(
        f"{label:<40} {seconds:8.1f} s  peak {run.peak_mb:6.0f} MB  "
        f"requests {requests}  lines {lines}  load {_load()}",
        flush=True,
    )
    return run


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def planned_ab(root: Path, span: list[str], rounds: int) -> None:
    """The range with bulk planned events on and off, alternately; Dagster's batching on."""
    real = ["-m", "meetup_pipeline.definitions"]
    runs: dict[bool, list[float]] = {True: [], False: []}
    order = [True, False] * rounds + [True]
    for i, bulk in enumerate(order):
        home = root / f"ab{i}"
        label = f"({i + 1}) range, planned {'bulk' if bulk else '1 by 1'}"
        try:
            runs[bulk].append(materialize(home, label, real, span, bulk, batch_size=1000).seconds)
        finally:
            if (home / "pgdata").exists():
                stop_server(home / "pgdata")
            shutil.rmtree(home, ignore_errors=True)
    on, off = statistics.median(runs[True]), statistics.median(runs[False])
    print(f"\nDAGSTER_EVENT_BATCH_SIZE=1000 in every run; load average now {_load()}")
    print(f"  bulk (mixin on), median of {len(runs[True])}   {on:8.1f} s  {runs[True]}")
    print(f"  1 by 1 (mixin off), median of {len(runs[False])} {off:8.1f} s  {runs[False]}")
    print(f"  off / on                          {off / on:6.2f}  (keep the mixin if >= 2)")


def _engine(home: Path, database: str = "meetup") -> sa.Engine:
    return sa.create_engine(ensure_server(home / "pgdata").url(database))


def row_counts(home: Path) -> dict[str, int]:
    engine = _engine(home)
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


def latest_check_results(home: Path) -> dict[str, str]:
    """The latest row of each asset check, as the UI's `executionForLatestMaterialization`."""
    engine = _engine(home, "dagster")
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT DISTINCT ON (asset_key, check_name) asset_key, check_name, "
                    "execution_status FROM asset_check_executions "
                    "ORDER BY asset_key, check_name, id DESC"
                )
            ).all()
    finally:
        engine.dispose()
    return {f"{r.asset_key}:{r.check_name}": r.execution_status for r in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", default="2015-01-01")
    parser.add_argument("--end", default="2024-12-31")
    parser.add_argument("--day", default="2025-01-01")
    parser.add_argument("--year-start", default="2023-01-01")
    parser.add_argument("--year-end", default="2023-12-31")
    parser.add_argument("--skip-off", action="store_true", help="skip (4), the slowest run")
    parser.add_argument("--skip-10x", action="store_true", help="skip (6)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary homes")
    parser.add_argument(
        "--planned-ab", action="store_true", help="only the range, bulk planned events on/off"
    )
    parser.add_argument("--rounds", type=int, default=1, help="off runs in --planned-ab")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-backfill-"))
    root.chmod(0o711)  # the embedded server's user (as root) must enter it
    real = ["-m", "meetup_pipeline.definitions"]
    noop = ["-f", str(REPO / "bench" / "noop_definitions.py")]
    span = ["--partition-range", f"{args.start}...{args.end}"]
    year = ["--partition-range", f"{args.year_start}...{args.year_end}"]
    day = ["--partition", args.day]
    homes = {k: root / k for k in ("noop", "history", "off", "small", "x10")}
    if args.planned_ab:
        print(f"range {args.start}...{args.end}; homes under {root}", flush=True)
        try:
            planned_ab(root, span, args.rounds)
        finally:
            shutil.rmtree(root, ignore_errors=True)
        return
    try:
        print(f"range {args.start}...{args.end}; homes under {root}", flush=True)
        floor = materialize(homes["noop"], "(1) no-op graph, range (floor)", noop, span)
        full = materialize(homes["history"], "(2) range, bulk planned events", real, span)
        on_top = materialize(homes["history"], "(3) one day on top of the range", real, day)
        off = (
            None
            if args.skip_off
            else materialize(homes["off"], "(4) range, planned events 1 by 1", real, span, False)
        )
        alone = materialize(homes["small"], "(5) one day, empty warehouse", real, day)
        one_year = materialize(
            homes["small"], f"(5) {args.year_start}...{args.year_end}, same home", real, year
        )
        checks = latest_check_results(homes["small"])
        x10 = (
            None
            if args.skip_10x
            else materialize(homes["x10"], "(6) range, world x10", real, span, scale=10)
        )

        print("\nrows per table after the range and the extra day (default world):")
        for table, count in row_counts(homes["history"]).items():
            print(f"  {table:<32} {count:>9,}")
        if x10 is not None:
            print("\nrows per table, world x10:")
            for table, count in row_counts(homes["x10"]).items():
                print(f"  {table:<32} {count:>9,}")
        summary = one_year.log.read_text().splitlines()
        print(f"\nlatest result of each asset check after the one-year run ({len(checks)}):")
        for key, status in sorted(checks.items()):
            print(f"  {key:<60} {status}")
        print(f"\nlast lines of the one-year run's console ({len(summary)} lines):")
        for line in summary[-6:]:
            print(f"  | {line}")

        runs = [r for r in (floor, full, on_top, off, alone, one_year, x10) if r is not None]
        peak = max(r.peak_mb for r in runs)
        print("\nratios and targets (machine shared with other work: compare within this run):")
        print(f"  range / no-op floor              {full.seconds / floor.seconds:6.2f}")
        if off is not None:
            print(f"  range, planned 1 by 1 / bulk     {off.seconds / full.seconds:6.2f}")
        print(f"  day on history / day alone       {on_top.seconds / alone.seconds:6.2f}")
        print(
            f"  one year / one day               {one_year.seconds / alone.seconds:6.2f}"
            "  (target <= 2.5)"
        )
        if x10 is not None:
            print(f"  range, world x10 / default       {x10.seconds / full.seconds:6.2f}")
        print(f"  ten-year range                   {full.seconds:6.1f} s (target <= 150 s)")
        print(f"  one-year console lines           {one_year.lines:6d}  (target <= 400)")
        dashboard = any("dashboard: " in line for line in summary[-6:])
        print(f"  one-year summary names dashboard {dashboard!s:>6}")
        succeeded = bool(checks) and all(s == "SUCCEEDED" for s in checks.values())
        print(f"  every check's latest SUCCEEDED   {succeeded!s:>6}")
        print(f"  peak memory                      {peak:6.0f} MB (target < 1024 MB)")
    finally:
        for home in homes.values():
            if (home / "pgdata").exists():
                stop_server(home / "pgdata")
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
