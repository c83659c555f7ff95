"""Retries, backoff, rate-limit waits, deadline and the never-retry cases, on a fake clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from meetup_pipeline.meetup.errors import (
    MeetupAuthError,
    MeetupHTTPError,
    MeetupQueryError,
    MeetupRetryError,
)
from meetup_pipeline.meetup.resource import MeetupResource
from meetup_pipeline_tests.clock import FakeClock

from .conftest import DATING, with_client
from .fakeapi import API, FakeMeetup, group_node, raise_exc, rate_limited, respond


def _search(fake: FakeMeetup, clock: FakeClock, **settings):
    fake.groups_by_query = {"dating": [group_node(0), group_node(1)]}
    settings.setdefault("sources", DATING)

    async def use(client):
        groups, rejects = await client.search_groups()
        return groups, rejects, client.stats

    return with_client(fake, clock, use, **settings)


@pytest.mark.parametrize(
    "fault",
    [
        respond(500, text="oops"),
        respond(502),
        respond(503, text="busy"),
        raise_exc(httpx.ReadTimeout),
        raise_exc(httpx.ConnectError),
        raise_exc(httpx.RemoteProtocolError),
        respond(200, content=b'{"data": {"groupSearch": {"pageInfo": {"hasNe'),
        respond(200, content=b"<html>gateway</html>"),
        respond(200, json={"errors": [{"message": "x", "extensions": {"code": "TIMEOUT"}}]}),
    ],
    ids=["500", "502", "503", "timeout", "connect", "dropped", "truncated", "html", "gql-timeout"],
)
def test_transient_failures_are_retried_with_backoff(fake, clock, fault) -> None:
    fake.faults = [fault, fault]
    groups, rejects, stats = _search(fake, clock)
    assert [g.model.id for g in groups] == ["1000", "1001"] and not rejects
    assert stats.requests == 3 and stats.retries == 2
    # exponential backoff with jitter: second wait in [0.5, 1.0] x twice the first ceiling
    assert len(clock.sleeps) == 2
    assert 0.25 <= clock.sleeps[0] <= 0.5 and 0.5 <= clock.sleeps[1] <= 1.0


def test_attempt_cap_gives_a_clear_error(fake, clock) -> None:
    fake.faults = [respond(503)] * 10
    with pytest.raises(
        MeetupRetryError, match=r"gave up after 3 attempts \(last problem: HTTP 503"
    ):
        _search(fake, clock, max_attempts=3)
    assert len(fake.requests) == 3


def test_a_request_rides_out_a_long_run_of_failures_with_bounded_backoff(fake, clock) -> None:
    """At 30% failure (5xx in bursts of three) a page meets long runs of failures; the
    default budget retries it where it failed, backing off no longer than 8 s a time."""
    fake.faults = [respond(503), raise_exc(httpx.ReadTimeout), raise_exc(httpx.ReadError)] * 4
    groups, _, stats = _search(fake, clock)
    assert len(groups) == 2 and stats.retries == 12 and stats.requests == 13
    assert max(clock.sleeps) <= 8.0


def test_an_api_that_is_down_is_given_up_on_in_about_two_minutes(fake, clock) -> None:
    fake.faults = [respond(502)] * 100
    gave_up = r"gave up after 20 attempts \(last problem: HTTP 502"
    with pytest.raises(MeetupRetryError, match=gave_up):
        _search(fake, clock)
    assert len(fake.requests) == 20 and 60 <= sum(clock.sleeps) <= 160


def test_overall_deadline_stops_retrying(fake, clock) -> None:
    fake.faults = [respond(500)] * 50
    with pytest.raises(MeetupRetryError, match="overall deadline of 5 s"):
        _search(fake, clock, max_attempts=50, deadline_s=5)
    assert clock.monotonic() - 1000.0 <= 5.0


def test_validation_error_is_never_retried(fake, clock) -> None:
    message = 'Validation error: enum "EventStatus" has no value "UPCOMING"'
    fake.faults = [respond(200, json={"errors": [{"message": message}]})]
    with pytest.raises(MeetupQueryError, match="UPCOMING"):
        _search(fake, clock)
    assert len(fake.requests) == 1 and clock.sleeps == []


def test_other_client_errors_are_not_retried(fake, clock) -> None:
    fake.faults = [respond(403, text="forbidden")]
    with pytest.raises(MeetupHTTPError, match="HTTP 403"):
        _search(fake, clock)
    assert len(fake.requests) == 1


def test_rate_limited_waits_until_reset_at(fake, clock) -> None:
    reset = (clock.now() + timedelta(seconds=42)).isoformat()
    fake.faults = [rate_limited(reset)]
    groups, _, stats = _search(fake, clock)
    assert len(groups) == 2
    assert stats.rate_limit_waits == 1 and stats.retries == 0
    assert clock.sleeps == [pytest.approx(42.05)]


def test_rate_limited_in_epoch_millis_and_429_retry_after(fake, clock) -> None:
    reset_ms = int((clock.now() + timedelta(seconds=10)).timestamp() * 1000)
    fake.faults = [rate_limited(reset_ms), respond(429, headers={"Retry-After": "7"})]  # type: ignore[arg-type]
    groups, _, stats = _search(fake, clock)
    assert len(groups) == 2 and stats.rate_limit_waits == 2
    assert clock.sleeps == [pytest.approx(10.05), pytest.approx(7.05)]


def test_429_without_hints_backs_off_and_gives_up_at_the_deadline(fake, clock) -> None:
    fake.faults = [respond(429)] * 100
    with pytest.raises(MeetupRetryError, match="deadline"):
        _search(fake, clock, deadline_s=120)
    assert clock.sleeps[:3] == [pytest.approx(5.05), pytest.approx(10.05), pytest.approx(20.05)]


def test_static_token_401_is_a_clear_auth_error(fake, clock) -> None:
    fake.valid_tokens = {"the-right-token"}
    with pytest.raises(MeetupAuthError, match="cannot be refreshed"):
        _search(fake, clock, access_token="a-wrong-token-123")
    assert len(fake.requests) == 1
    assert fake.requests[0]["auth"] == "Bearer a-wrong-token-123"


def test_budget_paces_requests_without_real_sleeps(fake, clock) -> None:
    # 30 groups, 1 per page: 30 requests of 2 estimated points, 10 points a minute
    fake.groups_by_query = {"dating": [group_node(i) for i in range(30)]}

    async def use(client):
        await client.search_groups()
        return client.stats

    stats = with_client(fake, clock, use, sources=DATING, page_size=1, points_per_minute=10)
    assert stats.requests == 30
    assert stats.budget_waits > 0
    assert clock.monotonic() - 1000.0 == pytest.approx(300.0)  # 6 windows of 5 requests


def test_a_far_off_reset_at_is_capped_at_one_window(fake, clock) -> None:
    fake.faults = [rate_limited((clock.now() + timedelta(hours=3)).isoformat())]
    groups, _, stats = _search(fake, clock)
    assert len(groups) == 2 and stats.rate_limit_waits == 1
    assert clock.sleeps == [pytest.approx(65.05)]


def test_concurrent_requests_share_one_budget_and_bounded_slots(fake, clock) -> None:
    """20 groups' event queries at once: never more than 4 in flight, and no 60 s window
    with more than the budget's points (3 points a request, 10 points a minute)."""
    fake.groups_by_query = {"dating": [group_node(i) for i in range(20)]}
    fake.events_by_group = {f"group-{i}": [] for i in range(20)}
    sent: list[float] = []
    state = {"in_flight": 0, "peak": 0}

    async def handler(request: httpx.Request) -> httpx.Response:
        sent.append(clock.monotonic())
        state["in_flight"] += 1
        state["peak"] = max(state["peak"], state["in_flight"])
        for _ in range(5):  # let other tasks run while this request is "on the wire"
            await asyncio.sleep(0)
        state["in_flight"] -= 1
        return fake.handle(request)

    resource = MeetupResource(api_url=API, points_per_minute=10, max_concurrency=4)

    async def main():
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            client = resource.build_client(http, clock=clock, sources=DATING)
            start = datetime(2024, 1, 1, tzinfo=UTC)
            return await client.extract_window(start, start + timedelta(days=1))

    result = asyncio.run(main())
    assert len(result.groups) == 20 and result.stats.requests == 21
    assert 1 < state["peak"] <= 4
    for t in sent:  # 3 points each: at most 3 requests in any 60 s window
        assert sum(1 for u in sent if t - 60 < u <= t) <= 3
    assert sent[-1] - sent[0] >= 60 * (21 // 3 - 1)


def test_the_process_wide_budget_is_shared_by_every_client_of_an_api() -> None:
    a = MeetupResource(api_url="https://example.test/gql-ext", points_per_minute=7)
    b = MeetupResource(api_url="https://example.test/gql-ext", points_per_minute=7)

    async def budgets():
        async with httpx.AsyncClient() as http:
            return a.build_client(http).transport.budget, b.build_client(http).transport.budget

    first, second = asyncio.run(budgets())
    assert first is second and first.limit == 7
