"""A network's chapters: when the page shows them, and what it says about each one.

The rule (`is_network`): the warehouse holds a network when its groups sit in more than
one country or on more than one clock (`marts.dim_group.country`, `.timezone`; zones that
keep the same time count once, see `clocks`), or when `MEETUP_PRO_NETWORK` names a Meetup
Pro network as a source. A region (the Bay Area
default, or any one search area) has one country and one zone, so its page is exactly
as before; a network's page swaps the venue map for a world map of chapters, the groups
table for a chapter table, and adds events per chapter over time and a country filter.

Every chapter figure here covers the whole history in SQL, one row per group, so it is
true even when the page carries only the newest events (`MEETUP_DASHBOARD_MAX_EVENTS`):
members now (the newest observation), growth over the last 12 months from
`marts.fact_group_snapshots` (newest reading minus the oldest one in that year), the last
event's local date, events in the last 12 months, and dormancy: no event in the last
`DORMANT_MONTHS` months.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by, array_agg

from meetup_pipeline.dashboard.worldmap import world_map
from meetup_pipeline.tables import marts

DORMANT_MONTHS = 6
"""A chapter with no event in this many months is dormant (R-Ladies' own rule of thumb
for an inactive chapter is about half a year)."""
GROWTH_DAYS = 365

TABLES_READ = (marts.dim_group, marts.fact_events, marts.fact_group_snapshots)
"""The marts `fetch_network` reads (the dashboard asset's deps; tested against the SQL run)."""


@dataclass(frozen=True)
class NetworkRows:
    """One row per chapter (group) with its whole-history figures; see the module doc."""

    chapters: list[dict[str, Any]]
    countries: int
    zones: int
    dormant_since: datetime
    year_ago: datetime


def months_before(when: datetime, months: int) -> datetime:
    """The same day of the month `months` earlier (the month's last day if shorter)."""
    index = when.year * 12 + when.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    day = min(when.day, (nxt - timedelta(days=1)).day)
    return when.replace(year=year, month=month, day=day)


def _code(col: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """A country or zone as compared: trimmed, lower case, empty as NULL."""
    return sa.func.nullif(sa.func.lower(sa.func.trim(col)), "")


def clocks(zones: Iterable[str]) -> int:
    """How many different clocks the IANA zones keep: zones with the same UTC offsets in
    January and July count once (US/Pacific is America/Los_Angeles; Detroit keeps New
    York's time); a name that is not a zone is ignored."""
    seen = set()
    for name in zones:
        try:
            zone = ZoneInfo(name.strip())
        except (ValueError, ZoneInfoNotFoundError):
            continue
        seen.add(tuple(datetime(2025, m, 15, 12, tzinfo=zone).utcoffset() for m in (1, 7)))
    return len(seen)


def spread(conn: sa.Connection) -> tuple[int, int]:
    """(countries, clocks) among the warehouse's groups."""
    g = marts.dim_group
    known = g.c.group_key != marts.UNKNOWN_KEY
    countries = conn.execute(
        sa.select(sa.func.count(sa.distinct(_code(g.c.country)))).where(known)
    ).scalar_one()
    zones = conn.execute(
        sa.select(g.c.timezone).distinct().where(known, g.c.timezone.is_not(None))
    ).scalars()
    return int(countries), clocks(zones)


def is_network(countries: int, zones: int, pro_network: str | None = None) -> bool:
    """The module's rule: more than one country or clock, or a Pro network source."""
    return countries > 1 or zones > 1 or bool((pro_network or "").strip())


def _history() -> sa.ColumnElement[bool]:
    f = marts.fact_events
    return sa.and_(f.c.status != "CANCELLED", f.c.starts_at < sa.bindparam("now"))


def fetch_network(
    conn: sa.Connection, now: datetime, present: set[str], pro_network: str | None = None
) -> NetworkRows | None:
    """The chapters' figures, or None when the warehouse holds a region, not a network."""
    g, f, s = marts.dim_group, marts.fact_events, marts.fact_group_snapshots
    if g.name not in present:
        return None
    countries, zones = spread(conn)
    if not is_network(countries, zones, pro_network):
        return None
    year_ago = now - timedelta(days=GROWTH_DAYS)
    dormant_since = months_before(now, DORMANT_MONTHS)
    activity = (
        sa.select(
            f.c.group_key,
            sa.func.count().label("events"),
            sa.func.count().filter(f.c.starts_at >= sa.bindparam("year_ago")).label("events_12m"),
            sa.func.max(f.c.starts_at).label("last_start"),
            sa.func.max(f.c.event_date).label("last_date"),
        )
        .where(_history())
        .group_by(f.c.group_key)
        .subquery("activity")
    )
    cols = [
        g.c.group_key,
        _code(g.c.country).label("country"),
        g.c.lat,
        g.c.lon,
        g.c.timezone,
        g.c.member_count,
        sa.func.coalesce(activity.c.events, 0).label("events"),
        sa.func.coalesce(activity.c.events_12m, 0).label("events_12m"),
        activity.c.last_start,
        activity.c.last_date,
    ]
    stmt = sa.select(*cols).outerjoin(activity, activity.c.group_key == g.c.group_key)
    if s.name in present:
        window = sa.and_(
            s.c.snapshot_date >= sa.bindparam("year_ago_day"),
            s.c.snapshot_date <= sa.bindparam("today"),
            s.c.member_count.is_not(None),
        )
        snaps = (
            sa.select(
                s.c.group_key,
                sa.func.min(s.c.snapshot_date).label("first_day"),
                sa.func.max(s.c.snapshot_date).label("last_day"),
                array_agg(aggregate_order_by(s.c.member_count, s.c.snapshot_date.asc()))[1].label(
                    "first_members"
                ),
                array_agg(aggregate_order_by(s.c.member_count, s.c.snapshot_date.desc()))[1].label(
                    "last_members"
                ),
            )
            .where(window)
            .group_by(s.c.group_key)
            .subquery("snaps")
        )
        stmt = sa.select(
            *cols,
            snaps.c.first_day,
            snaps.c.last_day,
            snaps.c.first_members,
            snaps.c.last_members,
        ).select_from(
            g.outerjoin(activity, activity.c.group_key == g.c.group_key).outerjoin(
                snaps, snaps.c.group_key == g.c.group_key
            )
        )
    params = {
        "now": now,
        "year_ago": year_ago,
        "year_ago_day": year_ago.date(),
        "today": now.date(),
    }
    rows = conn.execute(
        stmt.where(g.c.group_key != marts.UNKNOWN_KEY).order_by(g.c.group_key), params
    ).mappings()
    chapters = [dict(r) for r in rows]
    return NetworkRows(chapters, countries, zones, dormant_since, year_ago)


def _growth(c: Mapping[str, Any]) -> tuple[int | None, str]:
    """Members gained over the snapshots of the last year, and since which day."""
    first, last = c.get("first_members"), c.get("last_members")
    if first is None or last is None or c.get("first_day") == c.get("last_day"):
        return None, ""
    return int(last) - int(first), c["first_day"].isoformat()


def _point(c: Mapping[str, Any]) -> tuple[float, float] | None:
    lat, lon = c["lat"], c["lon"]
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return None if lat == 0 and lon == 0 else (float(lon), float(lat))


def network_name(region_name: str | None, pro_network: str | None) -> str:
    """`MEETUP_REGION_NAME` when set, else the Pro network's urlname, else a plain name."""
    for given in (region_name, pro_network):
        if name := " ".join((given or "").split()):
            return name
    return "Meetup network"


def apply_network(
    payload: dict[str, Any],
    net: NetworkRows,
    groups: list[dict[str, Any]],
    name: str = "Meetup network",
) -> None:
    """Turn a region's payload into a network's: chapters, world map, `name` (see
    `network_name`), no venue map."""
    network = shape_network(net, groups)
    payload["network"] = network
    payload["region"] = {**payload["region"], "name": name, "title": name}
    payload["outline"] = {"land": [], "lines": [], "credits": network["map"]["credits"]}


def shape_network(net: NetworkRows, groups: list[dict[str, Any]]) -> dict[str, Any]:
    """The payload's `network`: per-group arrays aligned with the payload's `groups`."""
    by_key = {c["group_key"]: c for c in net.chapters}
    countries: dict[str, int] = {}
    located: list[tuple[int, tuple[float, float]]] = []
    cols: dict[str, list[Any]] = {
        k: []
        for k in (
            "country", "city", "zone", "members", "growth", "growthSince", "lastEvent",
            "events12", "eventsAll", "dormant", "x", "y",
        )
    }  # fmt: skip
    for i, grp in enumerate(groups):
        c = by_key.get(grp.get("group_key"), {})
        code = c.get("country")
        cols["country"].append(countries.setdefault(code, len(countries)) if code else -1)
        cols["city"].append(grp.get("city") or "")
        cols["zone"].append(c.get("timezone") or "")
        members = c.get("member_count")
        cols["members"].append(c.get("last_members") if members is None else members)
        growth, since = _growth(c)
        cols["growth"].append(growth)
        cols["growthSince"].append(since)
        last = c.get("last_date")
        cols["lastEvent"].append(last.isoformat() if last else "")
        cols["events12"].append(c.get("events_12m", 0))
        cols["eventsAll"].append(c.get("events", 0))
        last_start = c.get("last_start")
        cols["dormant"].append(
            int(bool(c) and (last_start is None or last_start < net.dormant_since))
        )
        point = _point(c) if c else None
        if point is not None:
            located.append((i, point))
    world = world_map(p for _, p in located)
    cols["x"] = [None] * len(groups)
    cols["y"] = [None] * len(groups)
    for (i, _), (x, y) in zip(located, world.pop("points"), strict=True):
        cols["x"][i], cols["y"][i] = x, y
    unlocated = sum(1 for x, n in zip(cols["x"], cols["eventsAll"], strict=True) if x is None and n)
    return {
        "unlocated": unlocated,
        "dormantMonths": DORMANT_MONTHS,
        "dormantSince": net.dormant_since.date().isoformat(),
        "countries": list(countries),
        "chapters": cols,
        "zones": net.zones,
        "map": world,
    }
