"""IO manager load speed against a plain COPY of the same rows, in one run.

    .venv/bin/python bench/io_load.py [--rows 1000000]

Starts a throwaway embedded PostgreSQL, builds N event-shaped rows once, then loads them
(1) through the IO manager's window write (DDL check, advisory lock, window delete, COPY
with key and window validation, row counts) and (2) through a bare psycopg COPY into an
identical empty table. Prints rows/s for both and the ratio (target: >= 0.5).
"""

import argparse
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import sqlalchemy as sa
from psycopg.types.json import Jsonb

from meetup_pipeline.tables.raw import raw_events
from meetup_pipeline.warehouse.ddl import ensure_table
from meetup_pipeline.warehouse.embedded import ensure_server, stop_server
from meetup_pipeline.warehouse.relations import TableRows, Window
from meetup_pipeline.warehouse.writes import write

LA = ZoneInfo("America/Los_Angeles")
START = datetime(2015, 1, 1, tzinfo=LA)
END = datetime(2025, 1, 1, tzinfo=LA)


def make_rows(n: int) -> list[dict[str, Any]]:
    """Event-shaped rows spread over ten years, with a realistic small JSON payload."""
    span = (END - START).total_seconds()
    fetched = datetime.now(UTC)
    rows = []
    for i in range(n):
        starts = (START + timedelta(seconds=span * i / n)).astimezone(LA)
        rows.append(
            {
                "event_id": f"{300000000 + i}",
                "group_id": f"{1000 + i % 150}",
                "starts_at": starts,
                "partition_date": starts.date(),
                "fetched_at": fetched,
                "source": "sandbox",
                "sources": None,
                "payload": {
                    "id": f"{300000000 + i}",
                    "title": f"Speed dating night {i % 97}",
                    "status": "PAST",
                    "rsvps": {"yesCount": i % 60, "waitlistCount": i % 7},
                },
            }
        )
    return rows


def plain_copy(conninfo: str, rows: list[dict[str, Any]]) -> float:
    names = [c.name for c in raw_events.columns]
    with psycopg.connect(conninfo) as conn:
        conn.execute("CREATE TABLE raw.plain_copy (LIKE raw.raw_events INCLUDING ALL)")
        conn.commit()
        t0 = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy(f"COPY raw.plain_copy ({', '.join(names)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row([Jsonb(row[n]) if n == "payload" else row[n] for n in names])
        conn.commit()
        return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-io-"))
    root.chmod(0o711)  # the embedded server's user (as root) must enter it
    server = ensure_server(root / "pgdata", databases=("bench",))
    try:
        t0 = time.perf_counter()
        rows = make_rows(args.rows)
        print(f"built {len(rows):,} rows in {time.perf_counter() - t0:.1f}s")
        engine = sa.create_engine(server.url("bench"))
        ensure_table(engine, raw_events)

        t0 = time.perf_counter()
        result = write(engine, TableRows(raw_events, rows), Window(START, END))
        io_s = time.perf_counter() - t0
        assert result.window_rows == len(rows), result

        copy_s = plain_copy(server.conninfo("bench"), rows)
        io_rate, copy_rate = len(rows) / io_s, len(rows) / copy_s
        print(f"IO manager : {io_s:7.2f}s  {io_rate:>10,.0f} rows/s")
        print(f"plain COPY : {copy_s:7.2f}s  {copy_rate:>10,.0f} rows/s")
        print(f"ratio (IO manager / plain COPY): {io_rate / copy_rate:.2f}  (target >= 0.5)")
        engine.dispose()
    finally:
        stop_server(root / "pgdata")
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
