"""A hand-made network in the marts: chapters on every continent, each on its own clock.

Ten chapters in seven countries and ten zones, among them Auckland (+13:00 in January) and
Honolulu (-10:00) on either side of the antimeridian, Kathmandu (+05:45), Sao Paulo and
Nairobi; a dormant chapter (Reykjavik, last event ten months before NOW), a new chapter
with no events (Wellington), an online-only chapter without coordinates whose country
code is hostile, a chapter with a hostile name and city, member snapshots over a year.
Every event starts at 18:30 on a Tuesday in its chapter's own zone.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from meetup_pipeline.tables import marts
from meetup_pipeline.warehouse.relations import TableRows
from meetup_pipeline.warehouse.writes import write
from meetup_pipeline_tests.dashboard.marts_data import key

NOW = datetime(2026, 1, 15, 12, tzinfo=UTC)
XSS_CHAPTER = '<img src=x onerror="alert(5)">R-Ladies Oslo'
XSS_CITY = "<b onmouseover=alert(6)>Oslo</b>"
XSS_COUNTRY = '"><svg onload=alert(7)>'
XSS_TITLE = "<script>alert(8)</script> meetup"

# (id, name, city, country, zone, lat, lon, events per month, members at the start)
CHAPTERS = (
    ("n1", "R-Ladies Auckland", "Auckland", "nz", "Pacific/Auckland", -36.85, 174.76, 2, 300),
    ("n2", "R-Ladies Honolulu", "Honolulu", "us", "Pacific/Honolulu", 21.31, -157.86, 1, 120),
    ("n3", "R-Ladies Kathmandu", "Kathmandu", "np", "Asia/Kathmandu", 27.72, 85.32, 1, 80),
    ("n4", "R-Ladies São Paulo", "São Paulo", "br", "America/Sao_Paulo", -23.55, -46.63, 2, 900),
    ("n5", "R-Ladies Nairobi", "Nairobi", "ke", "Africa/Nairobi", -1.29, 36.82, 1, 400),
    ("n6", "R-Ladies Chicago", "Chicago", "us", "America/Chicago", 41.88, -87.63, 1, 1500),
    ("n7", XSS_CHAPTER, XSS_CITY, "no", "Europe/Oslo", 59.91, 10.75, 1, 200),
    ("n8", "R-Ladies Reykjavik", "Reykjavik", "is", "Atlantic/Reykjavik", 64.14, -21.94, 1, 50),
    ("n9", "R-Ladies Online", None, XSS_COUNTRY, "UTC", None, None, 1, 700),
    ("n10", "R-Ladies Wellington", "Wellington", "nz", "Pacific/Auckland", -41.29, 174.78, 0, 10),
)
DORMANT = {"n8", "n10"}
LAST_REYKJAVIK = date(2025, 3, 4)
SNAPSHOT_DAYS = (date(2025, 1, 10), date(2025, 2, 4), date(2025, 8, 1), date(2026, 1, 14))
"""The first is more than a year before NOW: growth starts at the second."""


def members_on(index: int, start: int) -> int:
    return start + 10 * index


@dataclass(frozen=True)
class Network:
    events: list[dict[str, Any]]
    history: list[dict[str, Any]]
    now: datetime

    def count(self, **where: Any) -> int:
        return sum(1 for e in self.history if all(e[k] == v for k, v in where.items()))

    def chapter_events(self, gid: str, since: datetime | None = None) -> int:
        return sum(
            1
            for e in self.history
            if e["group_key"] == key(gid) and (since is None or e["starts_at"] >= since)
        )


def _tuesdays(year: int, month: int) -> list[date]:
    first = date(year, month, 1)
    first_tue = first + timedelta(days=(1 - first.weekday()) % 7)
    return [first_tue + timedelta(days=7 * k) for k in range(4)]


def _event(n: int, gid: str, zone: str, day: date, venue: str | None, online: bool) -> dict:
    local = datetime(day.year, day.month, day.day, 18, 30)
    start = local.replace(tzinfo=ZoneInfo(zone))
    return {
        "event_key": key(f"ne{n}"), "event_id": f"ne{n}", "date_key": int(day.strftime("%Y%m%d")),
        "group_key": key(gid), "venue_key": -1 if online or venue is None else key(venue),
        "event_date": day, "starts_at": start.astimezone(UTC),
        "ends_at": (start + timedelta(hours=2)).astimezone(UTC), "local_start": local,
        "title": XSS_TITLE if n == 7 else f"Meetup {n}", "event_url": None, "status": "PAST",
        "event_type": "ONLINE" if online else "PHYSICAL", "is_online": online,
        "rsvp_yes_count": 10 + n % 17, "rsvp_total_count": None, "waitlist_count": n % 3,
        "attended_count": None, "no_show_count": None, "fee_required": False,
        "fee_amount": None, "fee_currency": None, "duration_minutes": 120, "max_tickets": None,
        "created_at": None, "observed_at": NOW,
        "utc_offset_minutes": int((start.utcoffset() or timedelta(0)).total_seconds() // 60),
        "timezone": zone,
    }  # fmt: skip


def build_events() -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    n = 0
    for month in range(24):
        year, mon = 2024 + month // 12, month % 12 + 1
        for gid, _name, _city, _c, zone, lat, _lon, per_month, _m in CHAPTERS:
            for day in _tuesdays(year, mon)[:per_month]:
                if gid == "n8" and day > LAST_REYKJAVIK:
                    continue
                n += 1
                online = lat is None or (gid == "n5" and month % 4 == 0)
                events.append(_event(n, gid, zone, day, f"v{gid}", online))
    return events


def _filled() -> Network:
    events = build_events()
    return Network(events, [e for e in events if e["starts_at"] < NOW], NOW)


FILLED = _filled()
"""What `fill` writes (with the default `now`)."""


def fill(engine: sa.Engine, now: datetime = NOW) -> Network:
    groups, venues, snapshots = [], [], []
    for gid, name, city, country, zone, lat, lon, _per, members in CHAPTERS:
        groups.append({
            "group_key": key(gid), "group_id": gid, "urlname": f"rladies-{gid}", "name": name,
            "link": f"https://www.meetup.com/rladies-{gid}/", "city": city, "state": None,
            "country": country, "zip": None, "lat": lat, "lon": lon, "timezone": zone,
            "founded_date": None, "status": "ACTIVE", "join_mode": None, "is_private": False,
            "member_count": members_on(len(SNAPSHOT_DAYS) - 1, members),
            "topic_category_id": None, "topic_category_name": None, "observed_at": now,
        })  # fmt: skip
        if lat is not None:
            venues.append({
                "venue_key": key(f"v{gid}"), "venue_id": f"v{gid}", "name": f"{city} hub",
                "address": None, "city": city, "state": None, "postal_code": None,
                "country": country, "lat": lat, "lon": lon, "venue_type": None,
                "observed_at": now,
            })  # fmt: skip
        for i, day in enumerate(SNAPSHOT_DAYS):
            snapshots.append({
                "snapshot_date": day, "date_key": int(day.strftime("%Y%m%d")),
                "group_key": key(gid), "member_count": members_on(i, members),
                "status": "ACTIVE",
                "observed_at": datetime(day.year, day.month, day.day, tzinfo=UTC),
            })  # fmt: skip
    events = build_events()
    write(engine, TableRows(marts.dim_group, groups), None)
    write(engine, TableRows(marts.dim_venue, venues), None)
    write(engine, TableRows(marts.fact_group_snapshots, snapshots), None)
    write(engine, TableRows(marts.fact_events, events), None)
    up_start = datetime(2026, 1, 20, 18, 30, tzinfo=ZoneInfo("Pacific/Auckland"))
    upcoming = [{
        "event_id": "nu1", "title": XSS_TITLE, "event_url": "https://www.meetup.com/x/",
        "starts_at": up_start.astimezone(UTC), "local_start": up_start.replace(tzinfo=None),
        "status": "ACTIVE", "is_online": False, "group_id": "n1",
        "group_name": "R-Ladies Auckland", "group_urlname": "rladies-n1",
        "venue_name": "Auckland hub", "city": "Auckland", "lat": None, "lon": None,
        "rsvp_yes_count": 4, "waitlist_count": 0, "fee_amount": None, "fee_currency": None,
        "snapshot_at": now, "utc_offset_minutes": 780,
    }]  # fmt: skip
    write(engine, TableRows(marts.upcoming_events, upcoming), None)
    history = [e for e in events if e["starts_at"] < now]
    return Network(events, history, now)
