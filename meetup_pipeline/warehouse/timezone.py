"""The time zone a warehouse was built with, recorded in the warehouse itself.

Every partition, `event_date`, `local_start` and `dim_date` row is a day or a wall time in
`MEETUP_TIMEZONE`. Writing Lagos days into a warehouse of Bay Area days would mix two
calendars in one table with nothing to tell them apart, so the first write records the
zone (`meta.warehouse_settings`) and every later run compares: a different zone is refused
before any step runs, with the two ways out (a new warehouse, or an explicit rebuild).

A warehouse that predates the record but already holds pipeline tables was built for
America/Los_Angeles, the only zone there was.

Rebuild for the configured zone (drops the raw, staging and marts schemas):

    python -m meetup_pipeline.warehouse.timezone --rebuild
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

SCHEMA = "meta"
PIPELINE_SCHEMAS = ("raw", "staging", "marts")
LEGACY_TIMEZONE = "America/Los_Angeles"
"""The zone of every warehouse built before the zone was configurable."""
KEY = "timezone"
_LOCK_KEY = "meetup_pipeline.warehouse_timezone"
_LEGACY_MARKERS = ("raw.raw_events", "staging.stg_events", "marts.fact_events", "marts.dim_date")

metadata = sa.MetaData(schema=SCHEMA)
warehouse_settings = sa.Table(
    "warehouse_settings",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    comment="Facts about how this warehouse was built (the time zone of its days).",
)

REBUILD_COMMAND = "python -m meetup_pipeline.warehouse.timezone --rebuild"


class TimezoneMismatch(RuntimeError):
    """The warehouse holds days of another time zone than the one configured."""


def _lock(conn: Connection) -> None:
    conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": _LOCK_KEY})


def _read(conn: Connection) -> str | None:
    exists = conn.execute(sa.text("SELECT to_regclass('meta.warehouse_settings')")).scalar()
    if exists is None:
        return None
    stmt = sa.select(warehouse_settings.c.value).where(warehouse_settings.c.key == KEY)
    return conn.execute(stmt).scalar()


def _has_pipeline_tables(conn: Connection) -> bool:
    return any(
        conn.execute(sa.text("SELECT to_regclass(:name)"), {"name": name}).scalar() is not None
        for name in _LEGACY_MARKERS
    )


def recorded_timezone(engine: Engine) -> str | None:
    """The zone this warehouse was built for; None for a warehouse with no pipeline data."""
    with engine.connect() as conn:
        recorded = _read(conn)
        if recorded is None and _has_pipeline_tables(conn):
            return LEGACY_TIMEZONE
        return recorded


def mismatch_message(recorded: str, configured: str, where: str) -> str:
    return (
        f"The warehouse ({where}) holds {recorded} days but MEETUP_TIMEZONE is {configured}: "
        f"use a new warehouse (another MEETUP_WAREHOUSE_URL or MEETUP_HOME), set "
        f"MEETUP_TIMEZONE={recorded}, or rebuild this one for {configured} with "
        f"`{REBUILD_COMMAND}` (drops its data)."
    )


def ensure_timezone(engine: Engine, configured: str, where: str = "") -> None:
    """Record `configured` in a new warehouse; refuse a warehouse built for another zone."""
    with engine.begin() as conn:
        _lock(conn)
        recorded = _read(conn)
        if recorded is None:
            recorded = LEGACY_TIMEZONE if _has_pipeline_tables(conn) else configured
            conn.execute(sa.schema.CreateSchema(SCHEMA, if_not_exists=True))
            warehouse_settings.create(conn, checkfirst=True)
            conn.execute(
                sa.text(
                    "INSERT INTO meta.warehouse_settings (key, value, recorded_at) "
                    "VALUES (:key, :value, now()) ON CONFLICT (key) DO NOTHING"
                ),
                {"key": KEY, "value": recorded},
            )
    if recorded != configured:
        where = where or engine.url.render_as_string(hide_password=True)
        raise TimezoneMismatch(mismatch_message(recorded, configured, where))


def rebuild_for(engine: Engine, configured: str) -> None:
    """Drop every pipeline schema and record `configured`: the next runs reload from the API."""
    with engine.begin() as conn:
        _lock(conn)
        for schema in (*PIPELINE_SCHEMAS, SCHEMA):
            conn.execute(sa.schema.DropSchema(schema, cascade=True, if_exists=True))
    from meetup_pipeline.warehouse import ddl

    ddl._READY.clear()  # this process's "table exists" memo is stale now
    ensure_timezone(engine, configured)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m meetup_pipeline.warehouse.timezone")
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="drop the raw, staging and marts schemas and record MEETUP_TIMEZONE",
    )
    args = parser.parse_args(argv)
    from meetup_pipeline.settings import LOCAL_TIMEZONE
    from meetup_pipeline.warehouse.resource import Warehouse

    warehouse = Warehouse(url=os.environ.get("MEETUP_WAREHOUSE_URL", "").strip() or None)
    engine = warehouse.get_engine()
    if args.rebuild:
        rebuild_for(engine, LOCAL_TIMEZONE)
        print(f"rebuilt {warehouse.describe()} for {LOCAL_TIMEZONE}: it is empty now")
        return 0
    recorded = recorded_timezone(engine)
    print(f"{warehouse.describe()}: {recorded or 'no data yet'}; configured {LOCAL_TIMEZONE}")
    return 0 if recorded in (None, LOCAL_TIMEZONE) else 1


if __name__ == "__main__":
    sys.exit(main())
