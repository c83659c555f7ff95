"""A small, hand-made marts content with every case the dashboard must handle.

Two years of events for five groups: repeated titles (distinct events, never merged),
hostile titles/names/links (XSS probes), a venue at (0, 0), online events without a
venue, cancelled events, events after `now` (not history), and upcoming events.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from meetup_pipeline.tables import marts
from meetup_pipeline.warehouse.relations import TableRows
from meetup_pipeline.warehouse.writes import write

LA = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 1, 15, 12, tzinfo=UTC)
XSS_TITLE = "<script>alert(1)</script>"
XSS_IMG = '<img src=x onerror="alert(2)">'
XSS_GROUP = "<b onmouseover=alert(3)>Bold Singles</b>"
JS_LINK = "javascript:alert(4)"
TITLES = ("Speed Dating Night", "Wine Tasting for Singles", "Sunset Hike & Picnic")

# (group_id, name, city, link)
GROUPS = (
    ("g1", "SF Singles Social", "San Francisco", "https://www.meetup.com/sf-singles/"),
    ("g2", "Oakland Speed Dating", "Oakland", "https://www.meetup.com/oak-speed/"),
    ("g3", XSS_GROUP, "San Jose", JS_LINK),
    ("g4", "Peninsula Hikers", "Palo Alto", "https://www.meetup.com/pen-hikers/"),
    ("g5", "Online Connections", "San Francisco", "https://www.meetup.com/online-conn/"),
)
# (venue_id, name, city, lat, lon)
VENUES = (
    ("v1", "Mission Wine Bar", "San Francisco", 37.76, -122.42),
    ("v2", "Lake Merritt Cafe", "Oakland", 37.80, -122.26),
    ("v3", "Downtown Lounge", "San Jose", 37.33, -121.89),
    ("v4", "Foothills Trailhead", "Palo Alto", 37.40, -122.15),
    ("v5", "Null Island Bar", "Nowhere", 0.0, 0.0),
)
HOME_VENUE = {"g1": "v1", "g2": "v2", "g3": "v3", "g4": "v4", "g5": None}


def key(natural: str) -> int:
    return int.from_bytes(hashlib.md5(natural.encode()).digest()[:8], "big", signed=True)


@dataclass(frozen=True)
class Fixture:
    """What was written, for the tests' expectations."""

    events: list[dict[str, Any]]
    history: list[dict[str, Any]]
    """Non-cancelled events before NOW: what the dashboard counts."""
    upcoming: list[dict[str, Any]]
    now: datetime

    def count(self, **where: Any) -> int:
        return sum(1 for e in self.history if all(e[k] == v for k, v in where.items()))


def _event(n: int, group: str, venue: str | None, local: datetime, title: str) -> dict[str, Any]:
    start = local.replace(tzinfo=LA)
    online = venue is None
    return {
        "event_key": key(f"e{n}"), "event_id": f"e{n}", "date_key": int(local.strftime("%Y%m%d")),
        "group_key": key(group), "venue_key": key(venue) if venue else -1,
        "event_date": local.date(), "starts_at": start.astimezone(UTC),
        "ends_at": (start + timedelta(hours=2)).astimezone(UTC), "local_start": local,
        "title": title, "event_url": f"https://www.meetup.com/x/events/e{n}/",
        "status": "PAST", "event_type": "ONLINE" if online else "PHYSICAL",
        "is_online": online, "rsvp_yes_count": 5 + (n * 7) % 40,
        "rsvp_total_count": None, "waitlist_count": n % 4, "attended_count": None,
        "no_show_count": None, "fee_required": False, "fee_amount": None,
        "fee_currency": None, "duration_minutes": 120, "max_tickets": None,
        "created_at": None, "observed_at": NOW,
        "utc_offset_minutes": int((start.utcoffset() or timedelta(0)).total_seconds() // 60),
        "timezone": "America/Los_Angeles",
    }  # fmt: skip


def build_events(now: datetime = NOW) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    n = 0
    for month in range(24):
        year, mon = 2024 + month // 12, month % 12 + 1
        for gi, (gid, *_rest) in enumerate(GROUPS):
            for k in range(1 + (month + gi) % 3):
                n += 1
                local = datetime(year, mon, 3 + 7 * k + gi, 18 + (n % 4), 0)
                title = TITLES[(n + gi) % len(TITLES)]
                events.append(_event(n, gid, HOME_VENUE[gid], local, title))
    specials = [
        ("g2", "v5", datetime(2025, 6, 6, 19), "Null Island Mixer"),
        ("g3", "v3", datetime(2025, 3, 7, 20), XSS_TITLE),
        ("g3", "v3", datetime(2025, 3, 8, 20), XSS_IMG),
        ("g1", "v1", datetime(2025, 2, 14, 19), "Valentine's Gala"),
        ("g1", "v1", datetime(2025, 2, 15, 19), "Valentine's Gala"),
    ]
    for gid, vid, local, title in specials:
        n += 1
        events.append(_event(n, gid, vid, local, title))
    events[-1]["rsvp_yes_count"] = 900  # the two galas: the top two events, same title
    events[-2]["rsvp_yes_count"] = 800
    events[-3]["rsvp_yes_count"] = 300  # the XSS probes: on the top-events list
    events[-4]["rsvp_yes_count"] = 290
    events[-4]["event_url"] = JS_LINK
    for e in events[5:40:7]:
        e["status"] = "CANCELLED"
    n += 1
    later = _event(n, "g1", "v1", (now + timedelta(days=3)).replace(tzinfo=None), "Later")
    later["status"] = "ACTIVE"
    events.append(later)
    return events


def upcoming_rows(now: datetime) -> list[dict[str, Any]]:
    rows = []
    titles = ("Speed Dating Night", XSS_TITLE, "Online Mixer", "Hike & Brunch")
    for i, title in enumerate(titles):
        gid = GROUPS[i][0]
        start = (now + timedelta(days=1 + i)).astimezone(LA).replace(hour=19, minute=0)
        venue = next((v for v in VENUES if v[0] == HOME_VENUE[gid]), None)
        rows.append(
            {
                "event_id": f"u{i}", "title": title,
                "event_url": JS_LINK if title == XSS_TITLE else f"https://www.meetup.com/u/{i}/",
                "starts_at": start.astimezone(UTC), "local_start": start.replace(tzinfo=None),
                "status": "ACTIVE", "is_online": venue is None, "group_id": gid,
                "group_name": GROUPS[i][1], "group_urlname": gid,
                "venue_name": venue[1] if venue else None, "city": GROUPS[i][2],
                "lat": None, "lon": None, "rsvp_yes_count": 3 + i, "waitlist_count": 0,
                "fee_amount": None, "fee_currency": None, "snapshot_at": now,
                "utc_offset_minutes": int((start.utcoffset() or timedelta(0)).total_seconds()
                                          // 60),
            }
        )  # fmt: skip
    return rows


def fill(engine: sa.Engine, now: datetime = NOW) -> Fixture:
    """Write the fixture into the marts of `engine`'s database."""
    groups = [
        {
            "group_key": key(gid), "group_id": gid, "urlname": gid, "name": name, "link": link,
            "city": city, "state": "CA", "country": "us", "zip": None, "lat": None,
            "lon": None, "timezone": None, "founded_date": None, "status": "PAID",
            "join_mode": None, "is_private": False, "member_count": 100,
            "topic_category_id": None, "topic_category_name": None, "observed_at": now,
        }
        for gid, name, city, link in GROUPS
    ]  # fmt: skip
    venues = [
        {
            "venue_key": key(vid), "venue_id": vid, "name": name, "address": None,
            "city": city, "state": "CA", "postal_code": None, "country": "us",
            "lat": lat, "lon": lon, "venue_type": None, "observed_at": now,
        }
        for vid, name, city, lat, lon in VENUES
    ]  # fmt: skip
    events = build_events(now)
    write(engine, TableRows(marts.dim_group, groups), None)
    write(engine, TableRows(marts.dim_venue, venues), None)
    write(engine, TableRows(marts.fact_events, events), None)
    upcoming = upcoming_rows(now)
    write(engine, TableRows(marts.upcoming_events, upcoming), None)
    history = [e for e in events if e["status"] != "CANCELLED" and e["starts_at"] < now]
    return Fixture(events, history, upcoming, now)
