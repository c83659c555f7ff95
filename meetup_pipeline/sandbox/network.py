"""The sandbox's Pro network: 46 chapters around the world, served through `proNetwork`.

Every sandbox has it, under the urlname `sandbox-network` (`NETWORK_URLNAME`), beside its
region's world, which it never changes: the chapters are far from every Bay Area search
and their indexes (9000 + n) and ids are disjoint from the world's. Deterministic from the
seed, like the world: chapter n draws from `"chapter:<seed>:<n>"`, its events from the same
generator as the world's groups, in the chapter's own zone (`dateTime` carries the offset of
that zone on that date), plus fixed edge events: local 00:00 and 23:59 on January 15 and
on every day the chapter's clock changes (DST, in both hemispheres).

Membership, decided and documented: a chapter that left (`chapters.LEFT_CHAPTER`, at
`chapters.LEFT_AT`) is no longer listed by `groupsSearch` (unless `activeGroups: false`,
which lists the delisted), but it stays a Meetup group (`groupByUrlname` answers) and the
events it held while it was a chapter (`dateTime` before it left) are still found by
`eventsSearch`: a network's past does not change when a chapter goes. Its later events are
not network events; name the group (`MEETUP_GROUP_URLNAMES`) to keep following it.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from heapq import merge
from itertools import pairwise
from zoneinfo import ZoneInfo

from meetup_pipeline.sandbox import chapters as defs
from meetup_pipeline.sandbox.catalog import City, TopicDef
from meetup_pipeline.sandbox.gen_events import generate_events
from meetup_pipeline.sandbox.gen_groups import slug
from meetup_pipeline.sandbox.region import (
    GENERIC_AREA_WORDS,
    GENERIC_STREETS,
    GENERIC_VENUE_WORDS,
    SandboxRegion,
)
from meetup_pipeline.sandbox.themes import ORGANIZER_NAMES, Theme
from meetup_pipeline.sandbox.world import HORIZON_TS, SimEvent, SimGroup, SimVenue

NETWORK_URLNAME = "sandbox-network"
NETWORK_ID = "390001"
NETWORK_NAME = "Code & Coffee Global"
INDEX_BASE = 9000
"""Chapter n has group index 9000 + n: event ids embed it, the world's stop below 7,500."""

TOPICS: tuple[TopicDef, ...] = (
    TopicDef("900101", "Software Development", "software-development"),
    TopicDef("900102", "Data Science", "data-science"),
    TopicDef("900103", "Python", "python"),
    TopicDef("900104", "Women in Technology", "women-in-technology"),
)

THEME = Theme(
    "network",
    ("Code & Coffee {c}",),
    (
        "Lightning Talks",
        "Hack Night",
        "Intro to Data Analysis",
        "Code Review Clinic",
        "Study Group: Statistics",
        "Open Source Sprint",
        "Workshop at {v}",
        "Career Panel",
    ),
    (),
    (),
    "31",
    (18, 18, 19, 19, 10, 12),
    False,
    120,
    0.05,
    (5, 15),
    None,
    1.0,
)

EDGE_TIMES = ((0, 0), (23, 59))
"""Local wall times of the edge events: the first and the last minute of a day."""


def _chapter_region(c: defs.ChapterDef) -> SandboxRegion:
    city = City(c.city, c.lat, c.lon, "", 1.0)
    return ChapterRegion(
        lat=c.lat,
        lon=c.lon,
        timezone=c.timezone,
        cities=(city,),
        streets=GENERIC_STREETS,
        venue_words=GENERIC_VENUE_WORDS,
        area_words=GENERIC_AREA_WORDS,
        state=c.state,
        country=c.country,
    )


def _chapter(seed: int, n: int, c: defs.ChapterDef) -> SimGroup:
    rng = random.Random(f"chapter:{seed}:{n}")
    zone = ZoneInfo(c.timezone)
    year = rng.choice((2009, 2010, 2011, 2012, 2012, 2013, 2013, 2014, 2015, 2017))
    local = datetime(year, 1, 1, 19, 0) + timedelta(days=rng.randint(0, 360))
    founded_ts = int(local.replace(tzinfo=zone).timestamp())
    index = INDEX_BASE + n
    venues = tuple(
        SimVenue(
            str(30_000_000 + n * 10 + k),
            f"{rng.choice(GENERIC_VENUE_WORDS)} {kind}",
            f"{rng.randint(1, 400)} {rng.choice(GENERIC_STREETS)}",
            c.city,
            c.state,
            "",
            c.country,
            round(c.lat + rng.uniform(-0.03, 0.03), 6),
            round(c.lon + rng.uniform(-0.03, 0.03), 6),
            "",
            rng.randint(30, 200),
        )
        for k, kind in enumerate(("Library", "Co-working Space", "University Hall"))
    )
    name = f"Code & Coffee {c.city}"
    return SimGroup(
        index=index,
        id=str(38_000_000 + n * 97),
        urlname=f"code-coffee-{slug(c.city, False)}",
        name=name,
        description=(
            f"{name} is a chapter of {NETWORK_NAME}: talks, workshops and hack nights for "
            f"people who write software or analyse data in and around {c.city}."
        ),
        city=City(c.city, c.lat, c.lon, "", 1.0),
        lat=c.lat,
        lon=c.lon,
        founded_ts=founded_ts,
        closed_ts=None,
        closed_status="DEAD",
        join_mode="OPEN",
        is_private=False,
        category_id=THEME.category,
        topics=TOPICS,
        theme=THEME,
        final_members=int(min(6000, max(60, rng.lognormvariate(math.log(600), 0.8)))),
        growth_days=rng.randint(900, 3000),
        events_per_month=round(rng.uniform(1.0, 3.0), 2),
        venue_pool=venues,
        organizer_id=str(200_000_000 + n * 7919),
        organizer_name=f"{rng.choice(ORGANIZER_NAMES)} {chr(65 + rng.randint(0, 25))}.",
        has_photo=True,
        timezone=c.timezone,
        distance_miles=0.0,
        country=c.country,
        state=c.state,
    )


@lru_cache(maxsize=4096)
def clock_change_days(zone: ZoneInfo, year: int) -> tuple[date, ...]:
    """The local days on which `zone`'s UTC offset changes (DST starts or ends) in `year`:
    its midnight has the old offset, the next midnight the new one."""

    def offset(d: date) -> timedelta | None:
        return datetime(d.year, d.month, d.day, tzinfo=zone).utcoffset()

    firsts = [date(year, m, 1) for m in range(1, 13)] + [date(year + 1, 1, 1)]
    out = []
    for lo, hi in pairwise(firsts):
        if offset(lo) == offset(hi):
            continue  # (two changes cancelling within one month do not happen)
        day = lo
        while day < hi:
            nxt = day + timedelta(days=1)
            if offset(day) != offset(nxt):
                out.append(day)
            day = nxt
    return tuple(out)


@dataclass(frozen=True)
class ChapterRegion(SandboxRegion):
    """A chapter's place; its clock-change eves found month by month (fast)."""

    def dst_eves(self, year: int) -> list[date]:
        return [d - timedelta(days=1) for d in clock_change_days(self.zone, year)]


def _edge_events(group: SimGroup, events: list[SimEvent]) -> list[SimEvent]:
    """Events at local 00:00 and 23:59 on January 15 and on the zone's clock-change days."""
    if not events:
        return []
    zone = ZoneInfo(group.timezone)
    template = events[0]
    ids = {e.id for e in events}
    first_year = datetime.fromtimestamp(group.founded_ts, zone).year + 1
    out: list[SimEvent] = []
    for year in range(first_year, 2031):
        days = [date(year, 1, 15), *clock_change_days(zone, year)]
        for day in days:
            for hour, minute in EDGE_TIMES:
                local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
                start_ts = int(local.timestamp())
                if start_ts >= HORIZON_TS:
                    continue
                created_ts = start_ts - 21 * 86400
                n = (created_ts // 60) * 10_000 + group.index
                while str(n) in ids:
                    n += 10_000
                ids.add(str(n))
                label = "Midnight Hack" if hour == 0 else "Last-Minute Lightning Talks"
                out.append(
                    SimEvent(
                        id=str(n),
                        group_index=group.index,
                        group_id=group.id,
                        group_urlname=group.urlname,
                        start_ts=start_ts,
                        duration_min=60,
                        created_ts=created_ts,
                        title=f"{label} ({day.isoformat()})",
                        event_type="PHYSICAL",
                        venues=(group.venue_pool[0],),
                        cancelled=False,
                        fee=None,
                        max_tickets=0,
                        yes=template.yes,
                        waitlist=0,
                        no=template.no,
                        attend_rate=0.8,
                        topic_ids=(TOPICS[0].id,),
                        has_photo=False,
                        group_name=group.name,
                        city=group.city.name,
                        zone=zone,
                    )
                )
    return out


@dataclass
class Network:
    """The network's chapters and all their events, merged in (start, id) order."""

    seed: int
    groups: list[SimGroup]
    left_ts: dict[str, int]
    urlname: str = NETWORK_URLNAME
    id: str = NETWORK_ID
    name: str = NETWORK_NAME
    _by_urlname: dict[str, SimGroup] = field(default_factory=dict)
    _by_id: dict[str, SimGroup] = field(default_factory=dict)
    _events: list[SimEvent] | None = None
    _starts: list[int] = field(default_factory=list)
    _per_group: dict[int, list[SimEvent]] = field(default_factory=dict)

    @property
    def link(self) -> str:
        return f"https://www.meetup.com/pro/{self.urlname}/"

    def group_by_urlname(self, urlname: str) -> SimGroup | None:
        return self._by_urlname.get(urlname.lower())

    def group_by_id(self, group_id: str) -> SimGroup | None:
        return self._by_id.get(str(group_id))

    def group_of(self, index: int) -> SimGroup:
        return self.groups[index - INDEX_BASE]

    def member_at(self, group: SimGroup, ts: float) -> bool:
        """A chapter at `ts`: founded, and not yet left."""
        return group.exists_at(ts) and ts < self.left_ts.get(group.id, HORIZON_TS + 1)

    def all_events(self, group: SimGroup) -> tuple[list[SimEvent], list[int]]:
        """One chapter's events (the world's interface, for `Group.events`)."""
        events = self._per_group.get(group.index)
        if events is None:
            region = _chapter_region(defs.CHAPTERS[group.index - INDEX_BASE])
            events = generate_events(self.seed, group, region)
            events = [*events, *_edge_events(group, events)]
            events.sort(key=lambda e: (e.start_ts, e.id))
            self._per_group[group.index] = events
        return events, [e.start_ts for e in events]

    def events(self) -> tuple[list[SimEvent], list[int]]:
        """Every chapter's events in (start, id) order, built once."""
        if self._events is None:
            lists = [self.all_events(g)[0] for g in self.groups]
            self._events = list(merge(*lists, key=lambda e: (e.start_ts, e.id)))
            self._starts = [e.start_ts for e in self._events]
        return self._events, self._starts

    def events_between(self, start: datetime, end_inclusive: datetime) -> list[SimEvent]:
        """Events with start <= dateTime <= end (the network filter's bounds are inclusive)."""
        events, starts = self.events()
        lo = bisect_left(starts, start.timestamp())
        hi = bisect_right(starts, end_inclusive.timestamp())
        return events[lo:hi]

    def event_by_id(self, event_id: str) -> SimEvent | None:
        from meetup_pipeline.sandbox.gen_events import group_index_of_event

        gi = group_index_of_event(event_id)
        if gi is None or not INDEX_BASE <= gi < INDEX_BASE + len(self.groups):
            return None
        return next((e for e in self.all_events(self.group_of(gi))[0] if e.id == event_id), None)


@lru_cache(maxsize=4)
def build_network(seed: int = 42, urlname: str = NETWORK_URLNAME) -> Network:
    """The network for `seed`, answering to `urlname` (cached; events made on first use)."""
    groups = [_chapter(seed, n, c) for n, c in enumerate(defs.CHAPTERS)]
    left = {g.id: int(defs.LEFT_AT.timestamp()) for g in groups if g.city.name == defs.LEFT_CHAPTER}
    net = Network(seed, groups, left, urlname=urlname.lower())
    net._by_urlname = {g.urlname.lower(): g for g in groups}
    net._by_id = {g.id: g for g in groups}
    return net
