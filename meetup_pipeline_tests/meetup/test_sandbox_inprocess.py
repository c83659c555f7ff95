"""The client against the real sandbox app, in-process (no socket), on a fake clock.

The sandbox's world is the truth: every extraction is compared with
``World.events_between`` for the groups the sandbox's own search lists.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from meetup_pipeline.defs.resources import SandboxMeetupResource
from meetup_pipeline.meetup.errors import MeetupError, MeetupPaginationError
from meetup_pipeline.meetup.models import Extraction
from meetup_pipeline.meetup.sources import DEFAULT_SOURCES, SearchSettings, Sources
from meetup_pipeline.sandbox import app as sandbox_app
from meetup_pipeline.sandbox.app import sandbox_transport
from meetup_pipeline.sandbox.config import (
    FAULT_RATES,
    FaultConfig,
    RateLimitConfig,
    SandboxConfig,
)
from meetup_pipeline.sandbox.search import search_groups
from meetup_pipeline.sandbox.world import build_world
from meetup_pipeline_tests.clock import FakeClock

PT = ZoneInfo("America/Los_Angeles")
NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
NEAR: dict[str, Any] = {
    "page_size": 25,
    "sources": Sources(search=SearchSettings(("dating", "singles"), radius_miles=5.0)),
}
"""A small search (about ten groups) keeps the fault tests quick."""


def extract(
    start: datetime,
    end: datetime,
    config: SandboxConfig | None = None,
    clock: FakeClock | None = None,
    sources: Sources = DEFAULT_SOURCES,
    **settings: Any,
) -> Extraction:
    clock = clock or FakeClock(start=datetime.now(UTC))
    resource = SandboxMeetupResource(**settings)
    assert resource.source == "sandbox"
    transport = sandbox_transport(config or SandboxConfig(now=NOW), clock.monotonic)
    return asyncio.run(
        resource.aextract_window(start, end, transport=transport, clock=clock, sources=sources)
    )


def within(miles: float) -> Sources:
    """The default keyword search, at the default centre, within ``miles``."""
    return Sources(search=SearchSettings(radius_miles=miles))


def expected_ids(result: Extraction, start: datetime, end: datetime, now=NOW) -> list[str]:
    world = build_world(42, 1.0)
    events = world.events_between(start, end, now, group_ids=[g.model.id for g in result.groups])
    return [e.id for e in events]


def ids(result: Extraction) -> list[str]:
    return [e.model.id for e in result.events]


def test_discovery_is_the_sandbox_search_and_backfill_costs_groups_times_pages() -> None:
    start, end = datetime(2015, 1, 1, tzinfo=PT), datetime(2025, 1, 1, tzinfo=PT)
    result = extract(start, end, sources=within(10.0))
    world = build_world(42, 1.0)
    settings = SearchSettings(radius_miles=10.0)
    listed = {
        g.id
        for q in settings.queries
        for g in search_groups(
            world, {"query": q, "lat": settings.lat, "lon": settings.lon, "radius": 10.0}, NOW
        )
    }
    assert {g.model.id for g in result.groups} == listed and len(listed) > 20
    assert sorted(ids(result)) == sorted(expected_ids(result, start, end))
    assert len(set(ids(result))) == len(result.events) > 1000
    assert {e.model.status for e in result.events} == {"PAST", "CANCELLED"}
    assert result.source == "sandbox" and not result.rejects
    # groups x pages, not groups x days: one search page per query, then per group
    # ceil(events in the widened window / 200) pages (at least one)
    pages = len(settings.queries)
    for g in result.groups:
        n = len(
            world.events_for_group(
                g.model.id, start - timedelta(days=1), end + timedelta(days=1), NOW
            )
        )
        pages += max(1, -(-n // 200))
    assert result.stats.requests == result.stats.pages == pages
    assert result.stats.requests < 4 * len(result.groups)


def test_upcoming_events_come_back_as_active() -> None:
    start, end = datetime(2025, 5, 1, tzinfo=PT), datetime(2025, 8, 1, tzinfo=PT)
    result = extract(start, end, **NEAR)
    assert sorted(ids(result)) == sorted(expected_ids(result, start, end))
    statuses = {e.model.status for e in result.events}
    assert {"PAST", "ACTIVE"} <= statuses
    for e in result.events:
        assert (e.model.status == "ACTIVE") == (e.model.date_time > NOW) or (
            e.model.status == "CANCELLED"
        )


def _midnight_events() -> list[tuple[str, datetime]]:
    world = build_world(42, 1.0)
    lo, hi = datetime(2016, 1, 1, tzinfo=PT), datetime(2025, 1, 1, tzinfo=PT)
    return [
        (e.id, e.date_time)
        for g in world.groups
        for e in world.all_events(g)[0]
        if e.date_time.time() == time(0, 0)
        and lo <= e.date_time < hi
        and e.visible_at(NOW.timestamp())
    ]


def test_an_event_at_local_midnight_belongs_to_the_day_it_starts() -> None:
    candidates = _midnight_events()
    assert candidates, "the sandbox promises a few events exactly at local midnight"
    event_id, at = candidates[0]
    windows = [(at - timedelta(days=1), at), (at, at + timedelta(days=1))]
    day_before, day_of = (extract(a, b) for a, b in windows)
    assert event_id not in ids(day_before) and event_id in ids(day_of)
    for result, (a, b) in zip((day_before, day_of), windows, strict=True):
        assert sorted(ids(result)) == sorted(expected_ids(result, a, b))


DST_DAYS = [datetime(2019, 3, 10, tzinfo=PT), datetime(2019, 11, 3, tzinfo=PT)]


@pytest.mark.parametrize("dst", DST_DAYS, ids=["spring", "fall"])
def test_daily_windows_across_dst_lose_and_double_nothing(dst: datetime) -> None:
    # local midnights (wall-clock arithmetic on purpose): the DST day has 23 or 25 hours
    days = [dst - timedelta(days=1), dst, dst + timedelta(days=1), dst + timedelta(days=2)]
    assert days[2].astimezone(UTC) - days[1].astimezone(UTC) != timedelta(hours=24)
    seen: list[str] = []
    results = [extract(a, b, sources=within(12.0)) for a, b in pairwise(days)]
    for result in results:
        seen += ids(result)
    assert len(seen) == len(set(seen)) >= 3
    assert sorted(seen) == sorted(expected_ids(results[-1], days[0], days[-1]))


@pytest.fixture(scope="module")
def clean() -> Extraction:
    return extract(datetime(2023, 1, 1, tzinfo=PT), datetime(2025, 1, 1, tzinfo=PT), **NEAR)


def _faulty(**rates: Any) -> SandboxConfig:
    return SandboxConfig(now=NOW, faults=FaultConfig(seed=7, slow_seconds=0.001, **rates))


@pytest.mark.parametrize("fault", FAULT_RATES)
def test_each_sandbox_fault_gives_the_right_data_or_a_clear_error(clean, fault: str) -> None:
    config = _faulty(**{fault: 0.25})
    start, end = clean.window  # type: ignore[misc]
    try:
        result = extract(start, end, config, max_attempts=10, **NEAR)
    except MeetupError as exc:  # allowed only for paging faults that persist
        assert fault == "repeat_cursor" and isinstance(exc, MeetupPaginationError), exc
        assert "repeated cursor" in str(exc)
        return
    if fault == "field_drift":
        # a nullable field set to null is indistinguishable from data; everything else
        # (missing, unrequested, null non-null fields) is caught and the page fetched again
        assert [e.model.id for e in result.events] == [e.model.id for e in clean.events]
        for got, want in zip(
            result.events + result.groups, clean.events + clean.groups, strict=True
        ):
            assert _only_nullable_nulls(got.raw, want.raw), (got.raw, want.raw)
    else:
        assert [g.raw for g in result.groups] == [g.raw for g in clean.groups]
        assert [e.raw for e in result.events] == [e.raw for e in clean.events]
    assert not result.rejects
    stats = result.stats
    recovered = stats.retries + stats.rate_limit_waits + stats.refetches + stats.duplicate_edges
    if fault != "slow":
        assert recovered > 0, f"the {fault} fault never fired; the test proves nothing"


def _only_nullable_nulls(got: Any, want: Any) -> bool:
    """``got`` equals ``want`` except for values that became null."""
    if got is None or got == want:
        return True
    if isinstance(got, dict) and isinstance(want, dict):
        return got.keys() == want.keys() and all(_only_nullable_nulls(got[k], want[k]) for k in got)
    if isinstance(got, list) and isinstance(want, list) and len(got) == len(want):
        return all(_only_nullable_nulls(a, b) for a, b in zip(got, want, strict=True))
    return False


def test_all_faults_at_once(clean) -> None:
    config = _faulty(**{name: 0.06 for name in FAULT_RATES})
    start, end = clean.window  # type: ignore[misc]
    result = extract(start, end, config, max_attempts=10, **NEAR)
    assert [e.model.id for e in result.events] == [e.model.id for e in clean.events]
    for got, want in zip(result.events, clean.events, strict=True):
        assert _only_nullable_nulls(got.raw, want.raw)
    assert result.stats.retries > 0 and result.stats.refetches > 0


@pytest.fixture
def sandbox_wall_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The sandbox stamps `resetAt` from its wall clock; make it the fake clock too."""
    clock = FakeClock(start=datetime(2025, 6, 1, 12, tzinfo=UTC))
    monkeypatch.setattr(sandbox_app, "utc_now", clock.now)
    return clock


@pytest.mark.parametrize("mode", ["graphql", "http429"])
def test_server_rate_limit_waits_until_reset_without_sleeping(sandbox_wall_clock, mode) -> None:
    clock = sandbox_wall_clock
    config = SandboxConfig(rate_limit=RateLimitConfig(points=20, mode=mode))
    start, end = datetime(2024, 1, 1, tzinfo=PT), datetime(2025, 1, 1, tzinfo=PT)
    # the client believes it may spend far more than the server allows
    result = extract(start, end, config, clock, points_per_minute=5000, **NEAR)
    assert result.stats.rate_limit_waits > 0
    assert sorted(ids(result)) == sorted(expected_ids(result, start, end, now=clock.now()))
    waits = [s for s in clock.sleeps if s > 1]
    assert waits and max(waits) <= 60.1  # until resetAt, never beyond the 60 s window


def test_client_budget_keeps_the_server_from_throttling(sandbox_wall_clock) -> None:
    clock = sandbox_wall_clock
    config = SandboxConfig(rate_limit=RateLimitConfig(points=20))
    start, end = datetime(2024, 1, 1, tzinfo=PT), datetime(2025, 1, 1, tzinfo=PT)
    result = extract(start, end, config, clock, points_per_minute=20, **NEAR)
    assert result.stats.rate_limit_waits == 0
    assert result.stats.budget_waits > 0 and result.stats.budget_wait_s >= 60
    assert len(result.events) == len(expected_ids(result, start, end, now=clock.now()))
