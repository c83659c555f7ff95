"""Discovery, pagination guards, window edges (midnight, DST) and rejects, on the fake API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from meetup_pipeline.meetup import queries
from meetup_pipeline.meetup.errors import MeetupPaginationError
from meetup_pipeline.meetup.models import Extraction
from meetup_pipeline.meetup.sources import SearchSettings, Sources

from .conftest import DATING, with_client
from .fakeapi import FakeMeetup, event_node, group_node

PT = ZoneInfo("America/Los_Angeles")


def _extract(fake: FakeMeetup, clock, start: datetime, end: datetime, **settings) -> Extraction:
    settings.setdefault("sources", DATING)

    async def use(client):
        return await client.extract_window(start, end)

    return with_client(fake, clock, use, **settings)


def _day(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=PT)


def test_discovery_merges_every_query_and_page_by_group_id(fake, clock) -> None:
    fake.groups_by_query = {
        "dating": [group_node(i) for i in range(0, 7)],
        "singles": [group_node(i) for i in range(5, 12)],
        "speed dating": [group_node(3, name="renamed later")],
    }

    async def use(client):
        return await client.search_groups(), client.stats

    (groups, rejects), stats = with_client(
        fake,
        clock,
        use,
        sources=Sources(search=SearchSettings(("dating", "singles", "speed dating", "dating"))),
        page_size=3,
    )
    assert sorted(int(g.model.id) for g in groups) == list(range(1000, 1012))
    assert not rejects
    # 3 pages + 3 pages + 1 page; the repeated query is searched once
    assert stats.pages == 7 == len(fake.requests)
    sent = fake.requests[0]["body"]
    assert "events" not in sent["query"]
    assert sent["variables"]["radius"] == 35.0 and sent["variables"]["first"] == 3
    assert sent["variables"]["lat"] == pytest.approx(37.42, abs=0.02)
    assert sent["variables"]["lon"] == pytest.approx(-122.17, abs=0.02)
    for g in groups:  # raw payload kept beside the model
        assert g.raw == group_node(int(g.model.id) - 1000)


def test_one_paged_events_query_per_group_for_a_whole_decade(fake, clock) -> None:
    fake.groups_by_query = {"dating": [group_node(0), group_node(1)]}
    start = datetime(2015, 1, 1, tzinfo=UTC)
    fake.events_by_group = {
        "group-0": [event_node(i, (start + timedelta(days=7 * i)).isoformat()) for i in range(500)],
        "group-1": [event_node(10_000, "2019-05-05T19:00:00-07:00", group="group-1")],
    }
    result = _extract(fake, clock, start, datetime(2025, 1, 1, tzinfo=UTC))
    assert len(result.events) == 501 and not result.rejects
    # group search 1 page, group-0 ceil(500/200)=3 pages, group-1 1 page
    assert result.stats.requests == result.stats.pages == 5
    event_requests = [r["body"]["variables"] for r in fake.requests[1:]]
    assert {v["first"] for v in event_requests} == {queries.PAGE_CAP}
    assert {v["status"] == ["PAST", "ACTIVE", "CANCELLED"] for v in event_requests} == {True}
    assert result.source == "api" and result.fetched_at.tzinfo is not None
    assert [e.model.date_time for e in result.events] == sorted(
        e.model.date_time for e in result.events
    )


def test_window_is_start_inclusive_end_exclusive_at_local_midnight(fake, clock) -> None:
    fake.groups_by_query = {"dating": [group_node(0)]}
    fake.events_by_group = {
        "group-0": [
            event_node(1, "2024-06-01T23:59:59-07:00"),
            event_node(2, "2024-06-02T00:00:00-07:00"),  # exactly the start: in
            event_node(3, "2024-06-02T07:00:00Z"),  # same instant as local midnight +0h
            event_node(4, "2024-06-02T23:59:59-07:00"),
            event_node(5, "2024-06-03T00:00:00-07:00"),  # exactly the end: next day
            event_node(6, "2024-06-03T03:00:00-04:00"),  # the same instant, Eastern offset
        ]
    }
    day = _extract(fake, clock, _day(2024, 6, 2), _day(2024, 6, 3))
    assert [e.model.id for e in day.events] == ["2", "3", "4"]
    # the API was asked for a wider window, so an exclusive server bound loses nothing
    sent = fake.requests[-1]["body"]["variables"]
    assert datetime.fromisoformat(sent["afterDateTime"]) < _day(2024, 6, 2)
    assert datetime.fromisoformat(sent["beforeDateTime"]) > _day(2024, 6, 3)
    next_day = _extract(fake, clock, _day(2024, 6, 3), _day(2024, 6, 4))
    assert [e.model.id for e in next_day.events] == ["5", "6"]
    # offsets are kept as the API gave them
    assert next_day.events[1].model.date_time.utcoffset() == timedelta(hours=-4)


@pytest.mark.parametrize("dst_day", [(2024, 3, 10), (2024, 11, 3)])
def test_consecutive_days_across_dst_partition_every_event_once(fake, clock, dst_day) -> None:
    fake.groups_by_query = {"dating": [group_node(0)]}
    base = _day(*dst_day) - timedelta(days=2)
    # every 30 real minutes (arithmetic in UTC: ZoneInfo datetimes add wall-clock time)
    instants = [base.astimezone(UTC) + timedelta(minutes=30 * k) for k in range(4 * 48 + 4)]
    fake.events_by_group = {
        "group-0": [event_node(k, t.astimezone(PT).isoformat()) for k, t in enumerate(instants)]
    }
    seen: list[str] = []
    day = base.date()
    for _ in range(4):
        nxt = day + timedelta(days=1)
        start = datetime(day.year, day.month, day.day, tzinfo=PT)
        end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=PT)
        ids = [e.model.id for e in _extract(fake, clock, start, end).events]
        hours = (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() / 3600
        if day == _day(*dst_day).date():
            assert hours in (23, 25)  # the DST day is short or long, and so is its count
        assert len(ids) == 2 * hours
        seen += ids
        day = nxt
    total_hours = 4 * 24 + (-1 if dst_day[1] == 3 else 1)
    assert len(seen) == 2 * total_hours and len(set(seen)) == len(seen)
    assert sorted(seen, key=int) == [str(k) for k in range(2 * total_hours)]


def test_naive_bounds_are_refused(fake, clock) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        _extract(fake, clock, datetime(2024, 1, 1), datetime(2024, 1, 2, tzinfo=UTC))


def test_duplicate_edges_are_dropped(fake, clock) -> None:
    fake.duplicate_edges = True
    fake.groups_by_query = {"dating": [group_node(i) for i in range(5)]}
    fake.events_by_group = {
        f"group-{i}": [
            event_node(f"{i}{k:03}", f"2024-01-{k + 1:02}T19:00:00-08:00") for k in range(5)
        ]
        for i in range(5)
    }
    result = _extract(fake, clock, _day(2024, 1, 1), _day(2024, 2, 1), page_size=2)
    assert len(result.groups) == 5 and len(result.events) == 25
    assert result.stats.duplicate_edges > 0


def test_repeating_cursor_stops_with_an_error(fake, clock) -> None:
    fake.repeat_cursor = True
    fake.groups_by_query = {"dating": [group_node(i) for i in range(10)]}
    with pytest.raises(MeetupPaginationError, match=r"repeated cursor .* 3 times"):
        _extract(fake, clock, _day(2024, 1, 1), _day(2024, 1, 2), page_size=2)
    assert len(fake.requests) == 4  # page 1, then page 2 fetched three times


def test_too_many_pages_stops_with_an_error(fake, clock) -> None:
    fake.groups_by_query = {"dating": [group_node(i) for i in range(10)]}
    with pytest.raises(MeetupPaginationError, match="more than 3 pages"):
        _extract(fake, clock, _day(2024, 1, 1), _day(2024, 1, 2), page_size=2, max_pages=3)
    assert len(fake.requests) == 3


def test_next_page_without_cursor_is_an_error(fake, clock) -> None:
    from .fakeapi import respond

    page = {"pageInfo": {"hasNextPage": True, "endCursor": None}, "totalCount": 0, "edges": []}
    fake.faults = [respond(200, json={"data": {"groupSearch": page}})] * 3
    with pytest.raises(MeetupPaginationError, match="without an endCursor"):
        _extract(fake, clock, _day(2024, 1, 1), _day(2024, 1, 2))


def test_a_transient_paging_fault_is_cured_by_fetching_the_page_again(fake, clock) -> None:
    from .fakeapi import respond

    fake.groups_by_query = {"dating": [group_node(0)]}
    fake.events_by_group = {"group-0": _many_events(5)}
    page = {"pageInfo": {"hasNextPage": True, "endCursor": None}, "totalCount": 0, "edges": []}
    fake.faults = [respond(200, json={"data": {"groupSearch": page}})]
    result = _extract(fake, clock, _day(2024, 1, 1), _day(2024, 1, 2))
    assert len(result.groups) == 1 and len(result.events) == 5
    assert result.stats.refetches == 1


@pytest.mark.parametrize(
    ("field", "how"),
    [
        ("title", "null"),
        ("venues", "missing"),
        ("description", "null"),
        ("rsvps", "missing"),
        ("displayPhoto", "extra"),
    ],
)
def test_drifted_records_are_fetched_again_and_come_back_right(fake, clock, field, how) -> None:
    import copy

    fake.groups_by_query = {"dating": [group_node(0)]}
    events = _many_events(3)
    fake.events_by_group = {"group-0": events}
    damaged = copy.deepcopy(events)
    if how == "null":
        damaged[1][field] = None
    elif how == "extra":  # a server never adds fields the query did not ask for
        damaged[1][field] = {"baseUrl": "x"}
    else:
        del damaged[1][field]
    original = fake.handle

    calls = {"n": 0}

    def handle(request):
        response = original(request)
        body = response.json()
        conn = (body.get("data", {}).get("groupByUrlname") or {}).get("events")
        if conn and calls["n"] < 2:  # damaged twice, right the third time
            calls["n"] += 1
            conn["edges"][1]["node"] = damaged[1]
            return httpx.Response(200, json=body)
        return response

    fake.handle = handle  # type: ignore[method-assign]
    result = _extract(fake, clock, _day(2024, 1, 1), _day(2024, 1, 2))
    assert [e.raw for e in result.events] == events
    assert result.stats.refetches == 2 and not result.rejects


def test_persistent_drift_is_tolerated_or_rejected_not_fatal(fake, clock) -> None:
    fake.groups_by_query = {"dating": [group_node(0)]}
    events = _many_events(300)
    del events[5]["description"]  # a field gone for good: tolerated
    events[6]["title"] = None  # a required field null for good: a reject
    fake.events_by_group = {"group-0": events}
    result = _extract(fake, clock, _day(2024, 1, 1), _day(2024, 1, 2))
    assert len(result.events) == 299 and [r.payload["id"] for r in result.rejects] == ["6"]
    by_id = {e.model.id: e.model for e in result.events}
    assert by_id["5"].description is None and by_id["4"].description == "Meet people"
    assert result.stats.drifted_pages == 1 and result.stats.refetches == 2
    assert len(result.notes) == 1 and "5: description missing" in result.notes[0]


def test_fewer_events_than_announced_is_an_error_not_a_short_result(fake, clock) -> None:
    from .fakeapi import respond

    fake.groups_by_query = {"dating": [group_node(0)]}
    conn = {
        "pageInfo": {"hasNextPage": False, "endCursor": "x"},
        "totalCount": 3,
        "edges": [{"cursor": "x", "node": event_node(1, "2024-01-01T19:00:00-08:00")}],
    }
    body = {"data": {"groupByUrlname": {"events": conn}}}
    fake.faults = [lambda r: None, respond(200, json=body)]
    with pytest.raises(
        MeetupPaginationError, match="received 1 distinct events but the API counts 3"
    ):
        _extract(fake, clock, _day(2024, 1, 1), _day(2024, 1, 2))


def _many_events(n: int) -> list[dict]:
    return [event_node(k, f"2024-01-01T{k % 24:02}:{k % 60:02}:00-08:00") for k in range(n)]


def test_an_invalid_record_becomes_a_reject_below_the_rate(fake, clock) -> None:
    fake.groups_by_query = {"dating": [group_node(0), {"id": "9", "name": "no urlname"}]}
    events = _many_events(300)
    events[10]["title"] = None  # a non-null field returned null
    events[20]["dateTime"] = "2030-01-01T00:00:00"  # invalid, but clearly outside: not counted
    fake.events_by_group = {"group-0": events}
    result = _extract(fake, clock, _day(2024, 1, 1), _day(2024, 1, 2))
    assert len(result.events) == 298
    assert sorted((r.entity, r.payload.get("id")) for r in result.rejects) == [
        ("event", "10"),
        ("group", "9"),
    ]
    assert result.reject_rate < 0.01


def test_rejects_never_fail_the_extraction(fake, clock) -> None:
    """The policy is the reject-rate asset check's: the client returns every reject."""
    fake.groups_by_query = {"dating": [group_node(0)]}
    events = _many_events(50)
    for e in events[:20]:
        e["status"] = None
    fake.events_by_group = {"group-0": events}
    result = _extract(fake, clock, _day(2024, 1, 1), _day(2024, 1, 2))
    assert len(result.rejects) == 20 and len(result.events) == 30
    assert {(r.field, r.record_id) for r in result.rejects} == {
        ("status", str(k)) for k in range(20)
    }


def test_a_group_that_vanished_is_a_reject(fake, clock) -> None:
    fake.groups_by_query = {"dating": [group_node(i) for i in range(200)]}
    fake.events_by_group = {f"group-{i}": [] for i in range(1, 200)}
    result = _extract(fake, clock, _day(2024, 1, 1), _day(2024, 1, 2))
    assert [(r.entity, r.payload) for r in result.rejects] == [
        ("group_events", {"urlname": "group-0"})
    ]


def test_a_broken_group_stub_is_repaired_only_where_the_group_is_certain(fake, clock) -> None:
    """Paged under its group's connection, an event's group is known; without that context
    (no group id) or when the stub names another group, the record stays as sent."""
    fake.groups_by_query = {"dating": [group_node(0)]}
    events = _many_events(4)
    events[0]["group"]["id"] = None
    events[1]["group"].pop("id")
    events[2]["group"] = {"id": None, "urlname": "someone-else"}
    fake.events_by_group = {"group-0": events}
    window = (_day(2024, 1, 1), _day(2024, 1, 2))

    async def use(client):
        with_context = await client.group_events("group-0", *window, group_id="1000")
        without = await client.group_events("group-0", *window)
        return with_context, without

    (events_in, rejects_in), (events_out, rejects_out) = with_client(fake, clock, use)
    assert {(e.model.id, e.model.group.id) for e in events_in} == {
        ("0", "1000"),
        ("1", "1000"),
        ("3", "1000"),
    }
    assert [(r.record_id, r.field) for r in rejects_in] == [("2", "group.id")]
    assert sorted(r.record_id for r in rejects_out) == ["0", "1", "2"]
    assert [e.model.id for e in events_out] == ["3"]
