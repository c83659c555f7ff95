"""What the dashboard reads from the marts: four plain SELECTs with bound parameters.

Tables may be missing (nothing materialized yet); that is a normal state, answered by
`None`, which the page renders as "no data" instead of failing the asset.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from meetup_pipeline.tables import marts

UPCOMING_LIMIT = 200


@dataclass(frozen=True)
class MartRows:
    """Everything the page needs, as plain dicts."""

    groups: list[dict[str, Any]]
    venues: list[dict[str, Any]]
    events: list[dict[str, Any]]
    upcoming: list[dict[str, Any]]
    cancelled: int
    now: datetime


def _exists(engine: sa.Engine, table: sa.Table) -> bool:
    return sa.inspect(engine).has_table(table.name, schema=table.schema)


def _rows(conn: sa.Connection, stmt: sa.Executable) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(stmt).mappings()]


def fetch(engine: sa.Engine, now: datetime) -> MartRows | None:
    """The marts' rows for the page, or None when there are no past events to show."""
    if not _exists(engine, marts.fact_events):
        return None
    f, g, v, u = marts.fact_events, marts.dim_group, marts.dim_venue, marts.upcoming_events
    history = sa.and_(f.c.status != "CANCELLED", f.c.starts_at < sa.bindparam("now"))
    events_stmt = (
        sa.select(
            f.c.event_id,
            f.c.group_key,
            f.c.venue_key,
            f.c.local_start,
            f.c.title,
            f.c.event_url,
            f.c.event_type,
            f.c.is_online,
            f.c.rsvp_yes_count,
            f.c.waitlist_count,
        )
        .where(history)
        .order_by(f.c.starts_at, f.c.event_id)
    )
    cancelled_stmt = (
        sa.select(sa.func.count())
        .select_from(f)
        .where(f.c.status == "CANCELLED", f.c.starts_at < sa.bindparam("now"))
    )
    params = {"now": now}
    with engine.connect() as conn:
        events = [dict(r) for r in conn.execute(events_stmt, params).mappings()]
        if not events:
            return None
        cancelled = int(conn.execute(cancelled_stmt, params).scalar_one())
        groups: list[dict[str, Any]] = []
        if _exists(engine, g):
            groups = _rows(
                conn,
                sa.select(g.c.group_key, g.c.group_id, g.c.urlname, g.c.name, g.c.link, g.c.city)
                .where(g.c.group_key != marts.UNKNOWN_KEY)
                .order_by(g.c.group_key),
            )
        venues: list[dict[str, Any]] = []
        if _exists(engine, v):
            venues = _rows(
                conn,
                sa.select(v.c.venue_key, v.c.name, v.c.city, v.c.lat, v.c.lon)
                .where(v.c.venue_key != marts.UNKNOWN_KEY)
                .order_by(v.c.venue_key),
            )
        upcoming: list[dict[str, Any]] = []
        if _exists(engine, u):
            stmt = (
                sa.select(
                    u.c.event_id,
                    u.c.title,
                    u.c.event_url,
                    u.c.local_start,
                    u.c.is_online,
                    u.c.group_id,
                    u.c.group_name,
                    u.c.venue_name,
                    u.c.city,
                    u.c.rsvp_yes_count,
                    u.c.waitlist_count,
                )
                .where(u.c.status != "CANCELLED", u.c.starts_at >= sa.bindparam("now"))
                .order_by(u.c.starts_at, u.c.event_id)
                .limit(UPCOMING_LIMIT)
            )
            upcoming = [dict(r) for r in conn.execute(stmt, params).mappings()]
    return MartRows(groups, venues, events, upcoming, cancelled, now)
