"""What the dashboard reads from the marts: plain SELECTs with bound parameters.

Memory stays bounded however long the history grows: the headline numbers are computed by
PostgreSQL, the dimensions are small, and the event rows the page cross-filters are
streamed through a server-side cursor and capped at `MEETUP_DASHBOARD_MAX_EVENTS` (the
newest whole months that fit). The cap also keeps the page itself a few MB, which is what
a browser can filter at interactive speed.

Tables may be missing (nothing materialized yet); that is a normal state, answered by
`None`, which the page renders as "no data" instead of failing the asset.
"""

import contextlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from meetup_pipeline.dashboard import network
from meetup_pipeline.dashboard.network import NetworkRows, fetch_network
from meetup_pipeline.settings.dashboard import DEFAULT_MAX_EVENTS
from meetup_pipeline.tables import marts

UPCOMING_LIMIT = 200
STREAM_BATCH = 5_000

TABLES_READ: tuple[sa.Table, ...] = tuple(
    dict.fromkeys(
        (
            marts.fact_events,
            marts.dim_group,
            marts.dim_venue,
            marts.upcoming_events,
            *network.TABLES_READ,
        )
    )
)
"""Every mart the page's queries read: the dashboard asset's deps are these, and
`pipeline/test_sql_deps.py` checks them against the SQL a build runs."""


@dataclass(frozen=True)
class Summary:
    """Headline numbers over the whole history, computed in SQL."""

    events: int
    groups: int
    venues: int
    rsvps: int
    first_day: date
    last_day: date
    top_group: str


@dataclass(frozen=True)
class Shown:
    """Which past events the page carries: all of them, or the newest that fit the cap."""

    since: datetime | None
    """Local start of the first event shown (a month's start, unless one month alone holds
    more than the cap); None means the whole history."""
    events: int
    total: int
    limit: int
    since_id: str = ""
    """With `since`, the first event shown: rows are ordered by (local start, event id)."""

    @property
    def capped(self) -> bool:
        return self.events < self.total


@dataclass(frozen=True)
class MartRows:
    """Everything the page needs. `events` is iterated once, in start order."""

    groups: list[dict[str, Any]]
    venues: list[dict[str, Any]]
    events: Iterable[Mapping[str, Any]]
    upcoming: list[dict[str, Any]]
    cancelled: int
    now: datetime
    summary: Summary | None = None
    shown: Shown | None = None
    network: NetworkRows | None = None
    """Set when the warehouse holds a network of chapters (see `network.is_network`)."""


def _present(conn: sa.Connection) -> set[str]:
    """The marts tables that exist, in one catalog query."""
    return set(sa.inspect(conn).get_table_names(schema=marts.fact_events.schema))


def _rows(
    conn: sa.Connection, stmt: sa.Executable, params: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(stmt, params).mappings()]


def _connected(bind: sa.Engine | sa.Connection, stack: contextlib.ExitStack) -> sa.Connection:
    """`bind` itself when it is a connection (its transaction), else a new one on `stack`."""
    return bind if isinstance(bind, sa.Connection) else stack.enter_context(bind.connect())


def _history() -> sa.ColumnElement[bool]:
    f = marts.fact_events
    return sa.and_(f.c.status != "CANCELLED", f.c.starts_at < sa.bindparam("now"))


class StreamedEvents:
    """The page's event rows, read through a server-side cursor when iterated.

    Only `STREAM_BATCH` rows are in Python at a time; the consumer keeps what it needs.
    Given a connection, the rows come from its transaction (the snapshot the counts saw).
    """

    def __init__(self, bind: sa.Engine | sa.Connection, now: datetime, shown: Shown):
        self._bind, self._now, self._limit = bind, now, shown.limit
        self._since, self._since_id = shown.since, shown.since_id

    def statement(self) -> sa.Select[Any]:
        f = marts.fact_events
        stmt = sa.select(
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
        ).where(_history())
        if self._since is not None:
            first = sa.tuple_(sa.bindparam("since"), sa.bindparam("since_id"))
            stmt = stmt.where(sa.tuple_(f.c.local_start, f.c.event_id) >= first)
        # A guard: `Shown` already counted what is at or after `since` in this snapshot.
        return stmt.order_by(f.c.local_start, f.c.event_id).limit(self._limit)

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        params = {"now": self._now, "since": self._since, "since_id": self._since_id}
        with contextlib.ExitStack() as stack:
            result = _connected(self._bind, stack).execute(
                self.statement(),
                params,
                execution_options={"stream_results": True, "yield_per": STREAM_BATCH},
            )
            stack.callback(result.close)
            yield from result.mappings()


def _summary(conn: sa.Connection, now: datetime, with_groups: bool) -> Summary | None:
    f, g = marts.fact_events, marts.dim_group
    totals = conn.execute(
        sa.select(
            sa.func.count(),
            sa.func.count(sa.distinct(f.c.group_key)),
            sa.func.count(sa.distinct(f.c.venue_key)).filter(f.c.venue_key != marts.UNKNOWN_KEY),
            sa.func.coalesce(sa.func.sum(f.c.rsvp_yes_count), 0),
            sa.func.min(f.c.local_start),
            sa.func.max(f.c.local_start),
        ).where(_history()),
        {"now": now},
    ).one()
    if totals[0] == 0:
        return None
    top = conn.execute(
        sa.select(f.c.group_key)
        .where(_history())
        .group_by(f.c.group_key)
        .order_by(sa.func.count().desc(), f.c.group_key)
        .limit(1),
        {"now": now},
    ).scalar_one()
    name = None
    if with_groups:
        name = conn.execute(sa.select(g.c.name).where(g.c.group_key == top)).scalar()
    return Summary(
        events=int(totals[0]),
        groups=int(totals[1]),
        venues=int(totals[2]),
        rsvps=int(totals[3]),
        first_day=totals[4].date(),
        last_day=totals[5].date(),
        top_group=name or "(unknown group)",
    )


def _shown(conn: sa.Connection, now: datetime, total: int, limit: int) -> Shown:
    """The newest whole months whose events fit under `limit`; if the newest month alone
    holds more, its newest `limit` events."""
    if total <= limit:
        return Shown(since=None, events=total, total=total, limit=limit)
    f = marts.fact_events
    month = sa.func.date_trunc("month", f.c.local_start).label("month")
    per_month = conn.execute(
        sa.select(month, sa.func.count()).where(_history()).group_by(month).order_by(month.desc()),
        {"now": now},
    ).all()
    if per_month[0][1] > limit:
        since, since_id = conn.execute(
            sa.select(f.c.local_start, f.c.event_id)
            .where(_history())
            .order_by(f.c.local_start.desc(), f.c.event_id.desc())
            .offset(limit - 1)
            .limit(1),
            {"now": now},
        ).one()
        return Shown(since=since, events=limit, total=total, limit=limit, since_id=since_id)
    since, shown = per_month[0][0], int(per_month[0][1])
    for start, count in per_month[1:]:
        if shown + count > limit:
            break
        since, shown = start, shown + int(count)
    return Shown(since=since, events=shown, total=total, limit=limit)


@contextlib.contextmanager
def snapshot(engine: sa.Engine) -> Iterator[sa.Connection]:
    """One read-only REPEATABLE READ transaction: counts, dimensions and the streamed rows
    all see the same marts, even while a run rewrites them."""
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            conn.execute(sa.text("SET TRANSACTION READ ONLY"))
            yield conn


def fetch(
    bind: sa.Engine | sa.Connection,
    now: datetime,
    max_events: int | None = None,
    pro_network: str | None = None,
) -> MartRows | None:
    """The marts' rows for the page, or None when there are no past events to show.

    `max_events` caps the event rows (default 75,000, `DashboardSettings`); a `pro_network`
    source makes the page a network's (`network.is_network`).

    With a connection (see `snapshot`), `events` streams from it, so iterate them before
    it closes; with an engine, every part reads on its own connection.
    """
    f, g, v, u = marts.fact_events, marts.dim_group, marts.dim_venue, marts.upcoming_events
    params = {"now": now}
    with contextlib.ExitStack() as stack:
        conn = _connected(bind, stack)
        present = _present(conn)
        if f.name not in present:
            return None
        limit = DEFAULT_MAX_EVENTS if max_events is None else max_events
        summary = _summary(conn, now, with_groups=g.name in present)
        if summary is None:
            return None
        shown = _shown(conn, now, summary.events, limit)
        cancelled = int(
            conn.execute(
                sa.select(sa.func.count())
                .select_from(f)
                .where(f.c.status == "CANCELLED", f.c.starts_at < sa.bindparam("now")),
                params,
            ).scalar_one()
        )
        groups: list[dict[str, Any]] = []
        if g.name in present:
            groups = _rows(
                conn,
                sa.select(g.c.group_key, g.c.group_id, g.c.urlname, g.c.name, g.c.link, g.c.city)
                .where(g.c.group_key != marts.UNKNOWN_KEY)
                .order_by(g.c.group_key),
            )
        venues: list[dict[str, Any]] = []
        if v.name in present:
            venues = _rows(
                conn,
                sa.select(v.c.venue_key, v.c.name, v.c.city, v.c.lat, v.c.lon)
                .where(v.c.venue_key != marts.UNKNOWN_KEY)
                .order_by(v.c.venue_key),
            )
        upcoming: list[dict[str, Any]] = []
        if u.name in present:
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
            upcoming = _rows(conn, stmt, params)
        network = fetch_network(conn, now, present, pro_network)
    events = StreamedEvents(bind, now, shown)
    return MartRows(groups, venues, events, upcoming, cancelled, now, summary, shown, network)
