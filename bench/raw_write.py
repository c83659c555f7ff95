"""The raw window write, one transaction vs load-then-swap, alternating in one run (issue 14).

    .venv/bin/python bench/raw_write.py [--reps 3] [--scale 10] [--year 2024]
                                        [--chunk-rows 500]

Starts a throwaway embedded PostgreSQL. Every landing is a child process (this script with
``--child``) that extracts one year of the sandbox world at ``--scale`` LIVE, page by page
(the in-process sandbox, its rate limit off: about 35-40 s for 2024 at scale 10 on this
2-core machine), and streams the records into ``raw_events``/``raw_groups``/``raw_rejects``
with one of two strategies:

- ``single``: the previous library code, rebuilt here from the library's building blocks:
  ONE transaction takes the raw tables' advisory write locks, COPYs the stream into an
  ON COMMIT DROP temporary stage as it arrives, then swaps the window;
- ``swap``: the library's ``land_window``: the stream is staged in chunks of
  ``--chunk-rows`` on the session (each chunk its own short transaction, gathered before
  it opens), with no lock, then one short transaction locks, deletes and inserts.

A first landing (not reported) fills the window, so every measured one replaces it; then
the strategies alternate (single, swap, swap, single, ...). During each landing this
process samples ``pg_locks``/``pg_stat_activity`` every 50 ms for the child's sessions
(how long the raw write locks were held; the longest open transaction, i.e. how long
VACUUM's xmin horizon was held back), and a concurrent writer of ANOTHER window (the day
before the year) locks the three raw tables as every raw write does, rewrites its day and
commits, once a second; its waits for the locks are reported. Peak RSS is the child's
(os.wait4); it includes the in-process sandbox's world, the same for both strategies.
Prints each landing, the medians per strategy and swap / single ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import sqlalchemy as sa
from psycopg import sql as psql

from meetup_pipeline.defs.assets.raw import STAGE_CHUNK_ROWS, TARGETS, land_window, stage_rows
from meetup_pipeline.meetup.stream import Record
from meetup_pipeline.tables import raw
from meetup_pipeline.warehouse.copy import copy_rows
from meetup_pipeline.warehouse.ddl import ensure_table
from meetup_pipeline.warehouse.embedded import ensure_server, stop_server
from meetup_pipeline.warehouse.relations import TableSelect, Window, WriteResult
from meetup_pipeline.warehouse.resource import Warehouse
from meetup_pipeline.warehouse.writes import lock_table, write_window

LA = ZoneInfo("America/Los_Angeles")
NOW = "2025-01-01T00:00:00-08:00"
CHILD_APP = "bench-raw-write"
STRATEGIES = ("single", "swap")


def land_single(
    warehouse: Warehouse,
    records: Iterable[Record],
    window: Window,
    fetched_at: datetime,
    source: str,
) -> dict[str, WriteResult]:
    """The previous ``land_window``: locks, stage, COPY of the live stream and swap, all in
    one transaction."""
    engine = warehouse.get_engine()
    for table, _ in TARGETS:
        ensure_table(engine, table)
    params = {**window.params(), "fetched_at": fetched_at, "source": source}
    stage = raw.load_stage()
    with engine.begin() as conn:
        for table, _ in sorted(TARGETS, key=lambda t: t[0].fullname):
            lock_table(conn, table)
        stage.create(conn)
        rows = stage_rows(records, window)
        copy_rows(conn, stage, list(stage.columns), rows, None, psql.Identifier(stage.name))
        results = {
            table.name: write_window(conn, TableSelect(table, sql, params), window)
            for table, sql in TARGETS
        }
        conn.execute(sa.schema.DropTable(stage))
    return results


def child(url: str, strategy: str, year: int, chunk_rows: int) -> None:
    """One landing, extraction included; prints its figures as one JSON line."""
    from meetup_pipeline.defs.resources import SandboxMeetupResource  # after the env is set

    window = Window(datetime(year, 1, 1, tzinfo=LA), datetime(year + 1, 1, 1, tzinfo=LA))
    warehouse = Warehouse(url=url)
    t0 = time.perf_counter()
    stream = SandboxMeetupResource().stream_window(window.start, window.end)
    if strategy == "single":
        results = land_single(warehouse, stream, window, stream.fetched_at, stream.source)
    else:
        results = land_window(
            warehouse, stream, window, stream.fetched_at, stream.source, chunk_rows
        )
    wall = time.perf_counter() - t0
    figures = {"wall": wall, "counts": stream.counts, "events": results["raw_events"].written}
    print(json.dumps(figures), flush=True)


@dataclass
class Sampler:
    """Watches the child's sessions: write locks held, longest open transaction."""

    conninfo: str
    interval: float = 0.05
    locks_held: float = 0.0
    longest_txn: float = 0.0
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        # a bigint advisory key shows in pg_locks as classid (high half) and objid (low)
        query = """
            WITH keys AS (SELECT hashtextextended(k, 0) AS h FROM unnest(%s::text[]) AS k)
            SELECT coalesce(max(extract(epoch FROM clock_timestamp() - a.xact_start)), 0),
                   coalesce(bool_or(l.granted AND l.locktype = 'advisory' AND
                       ((l.classid::bigint << 32) | l.objid::bigint) IN (SELECT h FROM keys)),
                       false)
            FROM pg_stat_activity a LEFT JOIN pg_locks l ON l.pid = a.pid
            WHERE a.application_name = %s
        """
        keys = [f"meetup_pipeline.write:{t.schema}.{t.name}" for t, _ in TARGETS]
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            last, held = time.perf_counter(), False
            while not self.stop.is_set():
                row = conn.execute(query, (keys, CHILD_APP)).fetchone()
                now = time.perf_counter()
                if held:
                    self.locks_held += now - last
                last = now
                assert row is not None
                self.longest_txn = max(self.longest_txn, float(row[0]))
                held = bool(row[1])
                time.sleep(self.interval)


@dataclass
class OtherWriter:
    """Rewrites another window (one day) of the raw tables once a second, as a raw write
    does: the three write locks in name order, delete, insert, commit."""

    engine: sa.Engine
    day: date
    waits: list[float] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        instant = datetime.combine(self.day, datetime.min.time(), LA) + timedelta(hours=19)
        row = {
            "event_id": "bench-other", "group_id": "g", "starts_at": instant,
            "partition_date": self.day, "fetched_at": datetime.now(UTC), "source": "bench",
            "payload": {"id": "bench-other"},
        }  # fmt: skip
        events = raw.raw_events
        while not self.stop.is_set():
            with self.engine.begin() as conn:
                t0 = time.perf_counter()
                for table, _ in sorted(TARGETS, key=lambda t: t[0].fullname):
                    lock_table(conn, table)
                self.waits.append(time.perf_counter() - t0)
                conn.execute(sa.delete(events).where(events.c.partition_date == self.day))
                conn.execute(sa.insert(events), [row])
            self.stop.wait(1.0)


def measure(
    script: Path, url: str, conninfo: str, strategy: str, args: argparse.Namespace
) -> dict[str, Any]:
    """One landing in a child process, watched from here."""
    engine = sa.create_engine(url)
    sampler = Sampler(conninfo)
    other = OtherWriter(engine, date(args.year - 1, 12, 31))
    threads = [threading.Thread(target=w.run, daemon=True) for w in (sampler, other)]
    env = {
        **os.environ,
        "MEETUP_SANDBOX_SCALE": str(args.scale),
        "MEETUP_SANDBOX_NOW": NOW,
        "MEETUP_SANDBOX_RATE_LIMIT": "off",
        "PYTHONWARNINGS": "ignore",  # Dagster's preview warnings, once per child
    }
    env.pop("MEETUP_SANDBOX_FAULTS", None)
    child_url = f"{url}&application_name={CHILD_APP}"
    cmd = [sys.executable, str(script), "--child", strategy, "--url", child_url]
    cmd += ["--year", str(args.year), "--chunk-rows", str(args.chunk_rows)]
    for t in threads:
        t.start()
    try:
        with tempfile.TemporaryFile("w+") as out:
            proc = subprocess.Popen(cmd, env=env, stdout=out)
            _, status, usage = os.wait4(proc.pid, 0)  # the child's own peak RSS
            out.seek(0)
            printed = out.read()
    finally:
        sampler.stop.set()
        other.stop.set()
        for t in threads:
            t.join()
        engine.dispose()
    if (code := os.waitstatus_to_exitcode(status)) != 0:
        raise SystemExit(f"the {strategy} landing failed ({code})")
    figures = json.loads(printed.strip().splitlines()[-1])
    figures["rss_mb"] = usage.ru_maxrss / 1024
    figures["locks_held"] = sampler.locks_held
    figures["longest_txn"] = sampler.longest_txn
    figures["wait_max"] = max(other.waits, default=0.0)
    figures["writes"] = len(other.waits)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--scale", type=float, default=10)
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--chunk-rows", type=int, default=STAGE_CHUNK_ROWS)
    parser.add_argument("--child", choices=STRATEGIES, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.url, args.child, args.year, args.chunk_rows)
        return
    root = Path(tempfile.mkdtemp(prefix="bench-raw-write-"))
    root.chmod(0o711)  # the embedded server's user (as root) must enter it
    server = ensure_server(root / "pgdata", databases=("bench",))
    url = server.url("bench").render_as_string(hide_password=False)
    script = Path(__file__).resolve()
    runs: dict[str, list[dict[str, Any]]] = {s: [] for s in STRATEGIES}
    try:
        engine = sa.create_engine(url)
        for table, _ in TARGETS:
            ensure_table(engine, table)  # the other window's writer needs them from the start
        engine.dispose()
        warm = measure(script, url, server.conninfo("bench"), "swap", args)
        print(f"first landing (fills the window, not reported): {warm['wall']:.1f} s, "
              f"{warm['counts']}")  # fmt: skip
        order = [
            s for rep in range(args.reps) for s in (STRATEGIES[::-1] if rep % 2 else STRATEGIES)
        ]
        for strategy in order:
            f = measure(script, url, server.conninfo("bench"), strategy, args)
            runs[strategy].append(f)
            print(
                f"{strategy:>6}: wall {f['wall']:5.1f} s  locks held {f['locks_held']:5.2f} s  "
                f"longest txn {f['longest_txn']:5.2f} s  other window's writer waited max "
                f"{f['wait_max']:5.2f} s ({f['writes']} writes)  peak RSS {f['rss_mb']:4.0f} MB  "
                f"({f['events']} events)",
                flush=True,
            )
        print(f"medians over {args.reps} landings each:")
        med = {s: {k: statistics.median(r[k] for r in runs[s]) for k in KEYS} for s in STRATEGIES}
        for s in STRATEGIES:
            m = med[s]
            print(
                f"{s:>6}: wall {m['wall']:5.1f} s  locks held {m['locks_held']:5.2f} s  "
                f"longest txn {m['longest_txn']:5.2f} s  writer waited max {m['wait_max']:5.2f} s  "
                f"peak RSS {m['rss_mb']:4.0f} MB"
            )
        ratio = {k: med["swap"][k] / med["single"][k] for k in ("wall", "rss_mb")}
        print(f"swap / single: wall {ratio['wall']:.2f}x, peak RSS {ratio['rss_mb']:.2f}x")
    finally:
        stop_server(root / "pgdata")
        shutil.rmtree(root, ignore_errors=True)


KEYS = ("wall", "locks_held", "longest_txn", "wait_max", "rss_mb")


if __name__ == "__main__":
    main()
