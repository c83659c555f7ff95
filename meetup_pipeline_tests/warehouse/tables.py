"""Small tables for exercising the warehouse layer."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from meetup_pipeline.warehouse.policy import Merge, WindowReplace, WritePolicy, declare

LA = ZoneInfo("America/Los_Angeles")
BY_START = WindowReplace("starts_at")


def events_table(
    metadata: sa.MetaData | None = None,
    name: str = "events",
    policy: WritePolicy = BY_START,
) -> sa.Table:
    table = sa.Table(
        name,
        metadata or sa.MetaData(),
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("rsvp_count", sa.Integer),
        sa.Column("payload", JSONB),
        sa.Index(f"ix_{name}_starts_at", "starts_at"),
        schema="raw",
    )
    return declare(table, policy)


def dim_table(metadata: sa.MetaData | None = None) -> sa.Table:
    table = sa.Table(
        "dim_thing",
        metadata or sa.MetaData(),
        sa.Column("thing_id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text),
        sa.Column("members", sa.Integer),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        schema="marts",
    )
    return declare(table, Merge(("thing_id",), version_column="observed_at"))


def event_rows(
    start: datetime, end: datetime, per_day: int = 3, tag: str = ""
) -> list[dict[str, Any]]:
    """Rows spread over [start, end), including one at local midnight and one at 23:59."""
    rows: list[dict[str, Any]] = []
    day = start
    while day < end:
        offsets = [timedelta(0), timedelta(hours=23, minutes=59)] + [
            timedelta(hours=9 + i) for i in range(max(per_day - 2, 0))
        ]
        for i, off in enumerate(offsets[:per_day]):
            local = datetime.combine(day.date(), datetime.min.time(), tzinfo=LA) + off
            rows.append(
                {
                    "event_id": f"{day.date().isoformat()}-{i}",
                    "starts_at": local,
                    "title": f"event {i}{tag}",
                    "rsvp_count": i,
                    "payload": {"id": i, "tag": tag},
                }
            )
        day = datetime.combine(day.date() + timedelta(days=1), datetime.min.time(), tzinfo=LA)
    return rows
