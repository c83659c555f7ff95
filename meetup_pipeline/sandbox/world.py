"""The simulated Bay Area: dating/singles groups, shared venues, and (lazily) their events.

Determinism: everything derives from `(seed, scale)` through per-item RNGs seeded with
strings such as `"group:42:17"`, so group 17 is the same at scale 1 and scale 10, and
nothing depends on the sandbox's "now". Events are generated up to a fixed horizon
(`HORIZON`, 2030-12-31); "now" only decides what is visible and each event's status:

- A group exists at `now` when it was founded at or before `now` (otherwise
  `groupByUrlname` gives null and search skips it).
- A group is *closed* from `closed_ts` on; closed groups are hidden from `groupSearch`
  (like the live API hides inactive groups) but `groupByUrlname`/`group(id)` still answer
  and their past events stay readable. Groups in cities beyond 35 miles of 94305 (Concord,
  San Rafael, Gilroy, Vallejo) are realistic out-of-radius groups: `World.in_default_radius`.
- An event is visible at `now` when it had been created (`createdTime <= now`); events are
  created 1-88 days ahead, so nothing later than now + 90 days is ever visible.
- Status at `now`: CANCELLED stays CANCELLED; otherwise PAST when `dateTime < now`,
  else ACTIVE (the API has no UPCOMING).

Search: each of `catalog.DEFAULT_QUERIES` ("dating", "singles") alone finds every open
group, since every group carries one of the 2018 dating topics and the Singles topic.

Window bounds, everywhere (`events_for_group`, `events_between`, and the API's
`afterDateTime`/`beforeDateTime`): start inclusive, end exclusive (`start <= dateTime < end`),
so consecutive windows split at local midnight count a midnight event exactly once.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from meetup_pipeline.sandbox import catalog
from meetup_pipeline.sandbox.catalog import City, TopicDef
from meetup_pipeline.sandbox.region import BAY_AREA, SandboxRegion
from meetup_pipeline.sandbox.themes import Theme
from meetup_pipeline.sandbox.timefmt import PACIFIC

HORIZON = datetime(2030, 12, 31, tzinfo=UTC)
HORIZON_TS = int(HORIZON.timestamp())
FOUNDING_START = datetime(2006, 1, 1, tzinfo=PACIFIC)
MAX_SCALE = 50.0
"""Group and event ids embed the group index in 4 digits, so at most 9,999 groups."""


@dataclass(frozen=True, slots=True)
class SimVenue:
    """A venue as the API shows it; `capacity` bounds RSVPs and is not exposed."""

    id: str
    name: str
    address: str
    city: str
    state: str
    postal_code: str
    country: str
    lat: float
    lon: float
    venue_type: str
    capacity: int


ONLINE_VENUE = SimVenue(
    "26906060", "Online event", "", "", "", "", "", -8.521147, 179.1962, "online", 100_000
)
"""The live API's placeholder venue for online events, meaningless coordinates included."""


@dataclass(slots=True)
class SimGroup:
    """One Meetup group; member counts grow with time (`members_at`)."""

    index: int
    id: str
    urlname: str
    name: str
    description: str
    city: City
    lat: float
    lon: float
    founded_ts: int
    closed_ts: int | None
    closed_status: str
    join_mode: str
    is_private: bool
    category_id: str
    topics: tuple[TopicDef, ...]
    theme: Theme
    final_members: int
    growth_days: int
    events_per_month: float
    venue_pool: tuple[SimVenue, ...]
    organizer_id: str
    organizer_name: str
    has_photo: bool
    timezone: str = "America/Los_Angeles"
    distance_miles: float = 0.0
    country: str | None = None
    """None: the region's (a network chapter carries its own, with `state`)."""
    state: str | None = None

    def exists_at(self, now_ts: float) -> bool:
        """Founded at or before `now`."""
        return self.founded_ts <= now_ts

    def closed_at(self, now_ts: float) -> bool:
        """Closed at `now` (hidden from search, still readable by urlname/id)."""
        return self.closed_ts is not None and self.closed_ts <= now_ts

    def status_at(self, now_ts: float) -> str:
        """GroupStatus: PAID while an organizer pays, a closed status afterwards."""
        return self.closed_status if self.closed_at(now_ts) else "PAID"

    def members_at(self, now_ts: float) -> int:
        """Member count at `now`, day granularity; frozen once the group closes."""
        end = min(now_ts, self.closed_ts) if self.closed_ts is not None else now_ts
        age_days = int((end - self.founded_ts) // 86400)
        if age_days < 0:
            return 0
        frac = min(1.0, ((age_days + 1) / self.growth_days) ** 0.7)
        return max(1, round(self.final_members * frac))


@dataclass(frozen=True, slots=True)
class SimEvent:
    """One event; `start_ts`/`created_ts` are epoch seconds, shown in Pacific/Eastern time."""

    id: str
    group_index: int
    group_id: str
    group_urlname: str
    start_ts: int
    duration_min: int
    created_ts: int
    title: str
    event_type: str
    venues: tuple[SimVenue, ...]
    cancelled: bool
    fee: tuple[float, str, str] | None
    max_tickets: int
    yes: int
    waitlist: int
    no: int
    attend_rate: float
    topic_ids: tuple[str, ...]
    has_photo: bool

    group_name: str
    city: str

    @property
    def description(self) -> str:
        """Built on demand: descriptions are long and rarely all read."""
        return (
            f"Join {self.group_name} for {self.title.lower()}. "
            f"Meet other singles in {self.city}; come alone or bring a friend."
        )

    zone: ZoneInfo = PACIFIC

    @property
    def date_time(self) -> datetime:
        """Start, tz-aware in the group's zone (the region's; America/Los_Angeles)."""
        return datetime.fromtimestamp(self.start_ts, self.zone)

    def visible_at(self, now_ts: float) -> bool:
        """Announced (created) at or before `now`."""
        return self.created_ts <= now_ts

    def status_at(self, now_ts: float) -> str:
        """EventStatus at `now`: CANCELLED, PAST (started before now) or ACTIVE."""
        if self.cancelled:
            return "CANCELLED"
        return "PAST" if self.start_ts < now_ts else "ACTIVE"


def miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in miles (search radius unit of the live API)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 3958.8 * 2 * math.asin(math.sqrt(min(1.0, h)))


def _ts(dt: datetime) -> int:
    return int(dt.timestamp())


def _aware(*values: datetime | None) -> None:
    for value in values:
        if value is not None and value.tzinfo is None:
            raise ValueError(f"timezone-aware datetime required, got naive {value.isoformat()}")


@dataclass
class World:
    """All groups and venues of one (seed, scale); events are generated per group on demand."""

    seed: int
    scale: float
    groups: list[SimGroup]
    venues: list[SimVenue]
    region: SandboxRegion = BAY_AREA
    _by_urlname: dict[str, SimGroup] = field(default_factory=dict)
    _by_id: dict[str, SimGroup] = field(default_factory=dict)
    _events: dict[int, tuple[list[SimEvent], list[int]]] = field(default_factory=dict)

    def group_by_urlname(self, urlname: str) -> SimGroup | None:
        """Case-insensitive, like meetup.com URLs."""
        return self._by_urlname.get(urlname.lower())

    def group_by_id(self, group_id: str) -> SimGroup | None:
        """Lookup by the API's group id."""
        return self._by_id.get(str(group_id))

    def in_default_radius(self, group: SimGroup) -> bool:
        """Within 35 miles of the centre (zip 94305 for the Bay Area, the 2018 search)."""
        return group.distance_miles <= catalog.DEFAULT_RADIUS_MILES

    def searchable(self, group: SimGroup, now: datetime) -> bool:
        """Would `groupSearch` list this group at `now` (founded, not closed)?"""
        now_ts = now.timestamp()
        return group.exists_at(now_ts) and not group.closed_at(now_ts)

    def all_events(self, group: SimGroup) -> tuple[list[SimEvent], list[int]]:
        """The group's events to the horizon, sorted by (start, id), with their start list."""
        cached = self._events.get(group.index)
        if cached is None:
            from meetup_pipeline.sandbox.gen_events import generate_events

            events = generate_events(self.seed, group, self.region)
            cached = (events, [e.start_ts for e in events])
            self._events[group.index] = cached
        return cached

    def events_for_group(
        self, group_id: str, start: datetime, end: datetime, now: datetime | None = None
    ) -> list[SimEvent]:
        """Events with start <= dateTime < end (bisect: cost ~ the answer); `now` filters
        visibility when given. Naive datetimes are refused: they would mean server time."""
        _aware(start, end, now)
        group = self.group_by_id(group_id)
        if group is None:
            return []
        events, starts = self.all_events(group)
        lo = bisect_left(starts, start.timestamp())
        hi = bisect_left(starts, end.timestamp())
        out = events[lo:hi]
        if now is not None:
            now_ts = now.timestamp()
            out = [e for e in out if e.visible_at(now_ts)]
        return out

    def events_between(
        self,
        start: datetime,
        end: datetime,
        now: datetime,
        *,
        group_ids: Iterable[str] | None = None,
    ) -> list[SimEvent]:
        """Every event of every group (or of `group_ids`) with start <= dateTime < end
        visible at `now`, whatever its status; ordered by (dateTime, id)."""
        ids = list(group_ids) if group_ids is not None else [g.id for g in self.groups]
        out: list[SimEvent] = []
        for gid in ids:
            out.extend(self.events_for_group(gid, start, end, now))
        out.sort(key=lambda e: (e.start_ts, e.id))
        return out

    def event_by_id(self, event_id: str) -> SimEvent | None:
        """Event ids embed their group's index, so only that group is generated."""
        from meetup_pipeline.sandbox.gen_events import group_index_of_event

        gi = group_index_of_event(event_id)
        if gi is None or gi >= len(self.groups):
            return None
        for event in self.all_events(self.groups[gi])[0]:
            if event.id == event_id:
                return event
        return None


@lru_cache(maxsize=8)
def build_world(seed: int = 42, scale: float = 1.0, region: SandboxRegion = BAY_AREA) -> World:
    """The world for (seed, scale), cached: ~150 x scale groups, 360 x sqrt(scale) venues."""
    if not 0 < scale <= MAX_SCALE:
        raise ValueError(f"scale must be in (0, {MAX_SCALE}], got {scale}")
    from meetup_pipeline.sandbox.gen_groups import NAME_VARIANTS, build_group, build_venues, slug

    venues = build_venues(seed, round(360 * max(1.0, math.sqrt(scale))), region)
    by_city: dict[str, list[SimVenue]] = {}
    for v in venues:
        by_city.setdefault(v.city, []).append(v)
    groups: list[SimGroup] = []
    seen: set[str] = set()
    for gi in range(max(1, round(150 * scale))):
        group = build_group(seed, gi, by_city, venues, region)
        base_name, base_url, n = group.name, group.urlname, 0
        while group.urlname.lower() in seen:  # like Meetup, a taken name gets a variant
            n += 1
            suffix = NAME_VARIANTS[(n - 1) % len(NAME_VARIANTS)]
            group.name = f"{base_name} {suffix}"
            if n > len(NAME_VARIANTS):
                group.name += f" {n // len(NAME_VARIANTS) + 1}"
            title_case = base_url != base_url.lower()
            group.urlname = f"{base_url}-{slug(group.name[len(base_name) :], title_case)}"
        seen.add(group.urlname.lower())
        groups.append(group)
    world = World(seed, scale, groups, venues, region)
    world._by_urlname = {g.urlname.lower(): g for g in groups}
    world._by_id = {g.id: g for g in groups}
    return world
