"""The simulated world: determinism, speed, and realism within stated bounds."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from datetime import datetime

import pytest

from meetup_pipeline.sandbox import catalog
from meetup_pipeline.sandbox.gen_events import generate_events, group_index_of_event
from meetup_pipeline.sandbox.timefmt import PACIFIC
from meetup_pipeline.sandbox.world import ONLINE_VENUE, SimEvent, World, build_world, miles

from .conftest import NOW


@pytest.fixture(scope="module")
def visible(world: World) -> list[SimEvent]:
    now_ts = NOW.timestamp()
    return [e for g in world.groups for e in world.all_events(g)[0] if e.visible_at(now_ts)]


def test_same_seed_same_world_other_seed_other_world(world: World) -> None:
    again = generate_events(42, world.groups[5])
    assert again == world.all_events(world.groups[5])[0]
    fresh = build_world.__wrapped__(42, 1.0)  # bypass the cache
    assert [(g.id, g.urlname, g.founded_ts) for g in fresh.groups] == [
        (g.id, g.urlname, g.founded_ts) for g in world.groups
    ]
    other = build_world.__wrapped__(7, 1.0)
    assert [g.urlname for g in other.groups] != [g.urlname for g in world.groups]


def test_groups_are_independent_of_scale(world: World) -> None:
    bigger = build_world(42, 2.0)
    assert len(bigger.groups) == 300
    assert [g.id for g in bigger.groups[:150]] == [g.id for g in world.groups]


def test_build_is_lazy() -> None:
    """Groups are built eagerly, events only when a group's events are asked for: a large
    world costs its groups, not its events, until it is paged (speed lives in bench/)."""
    big = build_world.__wrapped__(1234, 10.0)
    assert len(big.groups) == 1500
    assert big._events == {}
    for group in big.groups[:3]:
        big.all_events(group)
    assert sorted(big._events) == sorted(g.index for g in big.groups[:3])


def test_events_for_group_is_a_bisected_window(world: World) -> None:
    group = world.groups[10]
    events, starts = world.all_events(group)
    assert starts == sorted(starts) and len(events) > 20
    start, end = events[5].date_time, events[15].date_time
    got = world.events_for_group(group.id, start, end)
    assert got == [e for e in events if start <= e.date_time < end]
    assert got[0] is events[5] and events[15] not in got
    assert bisect_left(starts, start.timestamp()) == 5


def test_naive_datetimes_and_unknown_groups(world: World) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        world.events_between(datetime(2024, 1, 1), datetime(2024, 2, 1), NOW)
    aware = datetime(2024, 1, 1, tzinfo=PACIFIC)
    assert world.events_for_group("no-such-id", aware, aware.replace(year=2025)) == []
    assert world.group_by_urlname("no-such-group") is None


def test_events_between_filters_visibility_and_groups(world: World) -> None:
    start, end = datetime(2026, 11, 1, tzinfo=PACIFIC), datetime(2027, 6, 1, tzinfo=PACIFIC)
    events = world.events_between(start, end, NOW)
    assert events and all(start <= e.date_time < end for e in events)
    assert all(e.created_ts <= NOW.timestamp() for e in events)
    assert {e.status_at(NOW.timestamp()) for e in events} >= {"PAST", "ACTIVE"}
    one = world.groups[0].id
    assert {e.group_id for e in world.events_between(start, end, NOW, group_ids=[one])} <= {one}
    keys = [(e.start_ts, e.id) for e in events]
    assert keys == sorted(keys)


def test_event_ids_are_unique_and_name_their_group(visible: list[SimEvent]) -> None:
    ids = [e.id for e in visible]
    assert len(ids) == len(set(ids))
    assert all(group_index_of_event(e.id) == e.group_index for e in visible)
    assert any(not e.id.isdigit() for e in visible)  # Meetup's letter ids for series


def test_groups_cities_and_topics(world: World) -> None:
    groups = world.groups
    assert 140 <= len(groups) <= 160
    cities = {g.city.name for g in groups}
    assert len(cities) >= 20
    assert all(miles(g.lat, g.lon, *catalog.SEARCH_CENTRE) <= 60 for g in groups)
    years = Counter(datetime.fromtimestamp(g.founded_ts, PACIFIC).year for g in groups)
    assert min(years) >= 2006 and max(years) <= 2025 and len(years) >= 15
    closed = sum(1 for g in groups if g.closed_ts is not None)
    assert 0.05 * len(groups) <= closed <= 0.3 * len(groups)
    known = {t.id for t in catalog.DATING_TOPICS}
    assert all(known & {t.id for t in g.topics} for g in groups)
    assert all(catalog.SINGLES_TOPIC in g.topics for g in groups)
    out_of_radius = [g for g in groups if not world.in_default_radius(g)]
    assert 0 < len(out_of_radius) <= 0.15 * len(groups)
    assert len({g.urlname.lower() for g in groups}) == len(groups)


def test_volume_and_venues(visible: list[SimEvent]) -> None:
    assert 20_000 <= len(visible) <= 80_000
    venues = Counter(v.id for e in visible for v in e.venues if v is not ONLINE_VENUE)
    assert len(venues) >= 300
    groups_per_venue: dict[str, set[int]] = {}
    for e in visible:
        for v in e.venues:
            groups_per_venue.setdefault(v.id, set()).add(e.group_index)
    shared = sum(1 for gs in groups_per_venue.values() if len(gs) >= 2)
    assert shared >= 100  # venues are reused across groups


def test_statuses_types_and_fees(visible: list[SimEvent]) -> None:
    n = len(visible)
    cancelled = sum(e.cancelled for e in visible) / n
    assert 0.03 <= cancelled <= 0.08
    online = sum(e.event_type != "PHYSICAL" for e in visible) / n
    assert 0.05 <= online <= 0.2
    hybrid = [e for e in visible if e.event_type == "HYBRID"]
    assert hybrid and all(e.venues[-1] is ONLINE_VENUE and len(e.venues) == 2 for e in hybrid)
    fees = sum(e.fee is not None for e in visible) / n
    assert 0.1 <= fees <= 0.5
    assert all(e.fee[1] == "USD" and e.fee[0] > 0 for e in visible if e.fee)


def test_seasonality(visible: list[SimEvent]) -> None:
    years = len({e.date_time.year for e in visible if e.date_time.year <= 2026})
    overall_rate = sum(1 for e in visible if e.date_time.year <= 2026) / (365.25 * years)
    valentine = sum(1 for e in visible if e.date_time.month == 2 and 7 <= e.date_time.day <= 17)
    assert valentine / (11 * years) > 1.5 * overall_rate
    feb14 = sum(1 for e in visible if (e.date_time.month, e.date_time.day) == (2, 14))
    feb21 = sum(1 for e in visible if (e.date_time.month, e.date_time.day) == (2, 21))
    assert feb14 > 3 * feb21
    by_month = Counter(e.date_time.month for e in visible)
    average = len(visible) / 12
    assert by_month[12] < 0.8 * average and by_month[2] > 1.2 * average


def test_evening_and_weekend_peaks(visible: list[SimEvent]) -> None:
    evening_or_weekend = sum(
        1 for e in visible if 17 <= e.date_time.hour <= 21 or e.date_time.weekday() >= 5
    )
    assert evening_or_weekend / len(visible) >= 0.75
    weekdays = Counter(e.date_time.weekday() for e in visible)
    assert weekdays[4] > 2 * weekdays[0] and weekdays[5] > 2 * weekdays[0]


def test_midnight_and_dst_edge_cases(visible: list[SimEvent]) -> None:
    midnight = [e for e in visible if (e.date_time.hour, e.date_time.minute) == (0, 0)]
    assert 3 <= len(midnight) <= 0.01 * len(visible)
    crossing = [
        e
        for e in visible
        if e.date_time.utcoffset()
        != datetime.fromtimestamp(e.start_ts + e.duration_min * 60, PACIFIC).utcoffset()
    ]
    assert len(crossing) >= 3


def test_rsvps_follow_capacity_and_group_size(world: World, visible: list[SimEvent]) -> None:
    capped = [e for e in visible if e.max_tickets]
    assert capped and all(e.yes <= e.max_tickets for e in capped)
    assert any(e.waitlist > 0 for e in capped)
    for e in visible[:5000]:
        if e.venues:
            assert e.yes <= e.venues[0].capacity
    big = [e.yes for e in visible if world.groups[e.group_index].final_members > 3000]
    small = [e.yes for e in visible if world.groups[e.group_index].final_members < 300]
    assert sum(big) / len(big) > 2 * sum(small) / len(small)
