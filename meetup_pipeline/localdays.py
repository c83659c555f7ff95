"""Local days: every event on the calendar date it starts in its own time zone.

Meetup prints an event's `dateTime` in its own offset (`2019-03-05T18:00:00+11:00`): the
date and wall time there are the event's local day and local start, whatever zone the
warehouse's clock is in. A partition key D holds exactly the events whose local date is D.

Day D begins first at UTC+14 (Kiribati) and ends last at UTC-12 (Baker Island), so a
window of days [first, end) is extracted over the instants from `first` 00:00 at +14:00 to
`end` 00:00 at -12:00, and only the events whose local date falls in the window are kept.
Neighbouring windows' extractions overlap; the local date, a pure function of the payload,
puts each event in exactly one of them.

When has day D ended? Once it has ended in every zone the warehouse has groups in
(`day_ended_at`): the schedule and the freshness checks ask this one function.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FIRST_OFFSET = timezone(timedelta(hours=14))
"""Where a calendar day begins first (UTC+14, Line Islands)."""
LAST_OFFSET = timezone(timedelta(hours=-12))
"""Where a calendar day ends last (UTC-12)."""


def local_date(instant: datetime) -> date:
    """The date of `instant` in its own offset (as printed by Meetup), not converted."""
    if instant.utcoffset() is None:
        raise ValueError("a local date needs an offset")
    return instant.date()


def utc_offset_minutes(instant: datetime) -> int:
    offset = instant.utcoffset()
    if offset is None:
        raise ValueError("no offset")
    return int(offset.total_seconds() // 60)


def instants_covering(first: date, end: date) -> tuple[datetime, datetime]:
    """The instants [start, end) in which every local day of [first, end) lies, anywhere."""
    if not first < end:
        raise ValueError(f"empty window of days: {first} .. {end}")
    return (
        datetime.combine(first, time(0), tzinfo=FIRST_OFFSET),
        datetime.combine(end, time(0), tzinfo=LAST_OFFSET),
    )


def in_window(day: date, first: date, end: date) -> bool:
    return first <= day < end


def zones_of(names: Iterable[str | None], fallback: str) -> list[ZoneInfo]:
    """The IANA zones among `names`; none known (or an empty warehouse) means `fallback`.

    A name that is not a zone (the API's or a typo) counts as the last place on Earth a day
    ends, so a day is never judged over early because of it.
    """
    zones: dict[str, ZoneInfo] = {}
    unknown = False
    for name in names:
        if not name:
            continue
        try:
            zones[name] = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            unknown = True
    if unknown:
        zones["Etc/GMT+12"] = ZoneInfo("Etc/GMT+12")
    return list(zones.values()) or [ZoneInfo(fallback)]


def day_ended_at(day: date, zones: Iterable[ZoneInfo], after: time = time(0)) -> datetime:
    """The instant `day` has ended in every one of `zones`: its latest local midnight, or
    the latest local `after` o'clock of the next day (a deadline such as 04:00)."""
    following = day + timedelta(days=1)
    ends = [datetime.combine(following, after, tzinfo=zone) for zone in zones]
    if not ends:
        raise ValueError("no zone")
    # a wall time skipped by a DST change counts at its UTC instant (the later reading)
    return max(ends, key=lambda e: e.timestamp())


def newest_ended_day(now: datetime, zones: Iterable[ZoneInfo], after: time = time(0)) -> date:
    """The newest day that has ended (by `after` the next day) at `now` in all `zones`."""
    if now.tzinfo is None:
        raise ValueError("now must be time-zone aware")
    zones = list(zones)
    day = now.astimezone(FIRST_OFFSET).date()  # no later day can have ended anywhere
    while day_ended_at(day, zones, after) > now:
        day -= timedelta(days=1)
    return day
