"""The models parse every recorded real response completely, and stay tolerant of drift."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from meetup_pipeline.meetup.client import _parse
from meetup_pipeline.meetup.models import Event, Fetched, Group, Reject

SHARED = Path(__file__).resolve().parents[1] / "fixtures" / "meetup"  # vendored
RECORDED = SHARED / "recorded"

needs_recordings = pytest.mark.skipif(
    not RECORDED.is_dir(),
    reason=f"recorded real Meetup exchanges not found at {RECORDED} (only beside the project)",
)

# Keys of recorded payloads that the pipeline does not model, on purpose.
IGNORED_GROUP_KEYS = {"membershipMetadata", "organizer", "keyGroupPhoto", "events"}
IGNORED_EVENT_KEYS = {"featuredEventPhoto"}
GROUP_ALIASES = {f.alias or n for n, f in Group.model_fields.items()}
EVENT_ALIASES = {f.alias or n for n, f in Event.model_fields.items()}


def _exchanges(name: str) -> list[dict[str, Any]]:
    return json.loads((RECORDED / name).read_text())


def _recorded_groups() -> list[dict[str, Any]]:
    nodes = []
    for ex in _exchanges("find_groups.json"):
        nodes += [e["node"] for e in ex["response"]["body"]["data"]["groupSearch"]["edges"]]
    for ex in _exchanges("group_by_urlname.json"):
        nodes.append(ex["response"]["body"]["data"]["groupByUrlname"])
    return nodes


def _recorded_events() -> list[dict[str, Any]]:
    ex = _exchanges("group_events_past.json")[0]
    return [e["node"] for e in ex["response"]["body"]["data"]["groupByUrlname"]["events"]["edges"]]


@needs_recordings
def test_every_recorded_group_parses_with_every_modelled_field() -> None:
    nodes = _recorded_groups()
    assert len(nodes) > 200
    for node in nodes:
        parsed = _parse(Group, "group", node)
        assert isinstance(parsed, Fetched), parsed
        group = parsed.model
        assert parsed.raw == node  # a clean recorded group lands exactly as received
        unmodelled = set(node) - GROUP_ALIASES - IGNORED_GROUP_KEYS
        assert not unmodelled, f"recorded group keys the model drops: {unmodelled}"
        dumped = group.model_dump(by_alias=True)
        for key in set(node) & GROUP_ALIASES:
            if key in ("foundedDate",):
                continue
            if isinstance(node[key], dict | list):
                assert dumped[key] is not None
            else:
                assert dumped[key] == node[key], key
        if node.get("foundedDate"):
            assert group.founded_date is not None
            assert group.founded_date.isoformat()[:19] == node["foundedDate"][:19]
            assert group.founded_date.utcoffset() is not None
        if "memberships" in node:
            assert group.member_count == node["memberships"]["totalCount"]


@needs_recordings
def test_recorded_group_details() -> None:
    node = _exchanges("group_by_urlname.json")[0]["response"]["body"]["data"]["groupByUrlname"]
    group = Group.model_validate(node)
    assert group.member_count == node["stats"]["memberCounts"]["all"]
    assert group.topic_category is not None
    assert group.topic_category.name == node["topicCategory"]["name"]
    assert group.link == node["link"]


@needs_recordings
def test_every_recorded_event_parses_with_offsets_durations_and_venues() -> None:
    nodes = _recorded_events()
    assert len(nodes) == 13
    for node in nodes:
        parsed = _parse(Event, "event", node)
        assert isinstance(parsed, Fetched), parsed
        event = parsed.model
        unmodelled = set(node) - EVENT_ALIASES - IGNORED_EVENT_KEYS
        assert not unmodelled, f"recorded event keys the model drops: {unmodelled}"
        # dateTime keeps the group's local offset (+01:00 in Lagos), not converted to UTC
        assert event.date_time.isoformat() == node["dateTime"]
        assert event.created_time is not None
        assert event.created_time.isoformat() == node["createdTime"]
        assert event.duration is not None and event.duration > timedelta(0)
        assert len(event.venues) == len(node["venues"])
        assert event.rsvps is not None
        assert event.rsvps.total_count == node["rsvps"]["totalCount"]
        assert event.group is not None and event.group.urlname == "rladies-lagos"
        assert event.title == node["title"] and event.status == "PAST"
    by_id = {n["id"]: Event.model_validate(n) for n in nodes}
    assert by_id["295011502"].duration == timedelta(hours=30)  # "PT30H" is not folded
    both = by_id["300356000"]
    assert [v.is_online for v in both.venues] == [False, True]
    assert both.venue is not None and both.venue.name == "American Corner Ikeja"
    online = by_id["284322273"]
    assert online.venue is not None and online.venue.is_online
    assert online.venues[0].postal_code == ""


def test_unknown_fields_ignored_and_missing_optional_fields_tolerated() -> None:
    event = Event.model_validate(
        {
            "id": "1",
            "title": "t",
            "status": "ACTIVE",
            "dateTime": "2024-03-10T01:30:00-08:00",
            "group": {"id": "g"},
            "venue": {"id": "x"},  # the 2026 drift: singular venue, not in our schema
            "displayPhoto": {"baseUrl": "u"},
            "venues": None,
            "topics": None,
        }
    )
    assert event.venues == [] and event.topics == [] and event.venue is None
    assert event.rsvps is None and event.duration is None
    assert event.date_time.utcoffset() == timedelta(hours=-8)


def test_topics_connection_unwrapped_and_fees_parsed() -> None:
    event = Event.model_validate(
        {
            "id": "1",
            "title": "t",
            "status": "CANCELLED",
            "group": {"id": "g"},
            "dateTime": "2024-01-01T00:00:00Z",
            "duration": "PT1H30M",
            "feeSettings": {"required": True, "amount": 15.0, "currency": "USD", "accepts": "X"},
            "topics": {"edges": [{"node": {"id": "7", "name": "Dating", "urlkey": "dating"}}]},
            "rsvps": {"totalCount": 5, "yesCount": 4, "waitlistCount": 2, "attendedCount": 3},
        }
    )
    assert event.duration == timedelta(hours=1, minutes=30)
    assert event.fee_settings is not None and event.fee_settings.amount == 15.0
    assert [t.name for t in event.topics] == ["Dating"]
    assert event.rsvps is not None and event.rsvps.waitlist_count == 2


@pytest.mark.parametrize(
    ("patch", "reason_part"),
    [
        ({"title": None}, "title"),
        ({"dateTime": "2024-01-01T10:00:00"}, "dateTime"),  # no offset: not an instant
        ({"dateTime": None}, "dateTime"),
        ({"id": None}, "id"),
        ({"duration": "seven hours"}, "duration"),
    ],
)
def test_invalid_event_becomes_a_reject_with_payload_and_reason(
    patch: dict[str, Any], reason_part: str
) -> None:
    raw = {"id": "5", "title": "t", "status": "PAST", "dateTime": "2024-01-01T10:00:00+01:00"}
    raw.update(patch)
    parsed = _parse(Event, "event", raw)
    assert isinstance(parsed, Reject)
    assert parsed.entity == "event" and parsed.payload is raw
    assert reason_part in parsed.reason


def test_group_requires_urlname() -> None:
    assert isinstance(_parse(Group, "group", {"id": "1", "name": "n"}), Reject)
    assert isinstance(_parse(Group, "group", {"id": "1", "name": "n", "urlname": "u"}), Fetched)


def _check_marks(schema, type_name: str, selection: dict, path: str = "") -> list[str]:
    """Every "!" mark of a selection agrees with the real schema's nullability."""
    import graphql

    wrong = []
    gql_type = schema.get_type(type_name)
    for key, sub in selection.items():
        name = key.rstrip("!")
        field = gql_type.fields.get(name)
        if field is None:
            wrong.append(f"{path}{name}: not in the schema")
            continue
        if graphql.is_non_null_type(field.type) != key.endswith("!"):
            wrong.append(f"{path}{name}: nullability mark disagrees with the schema")
        if sub is not None:
            inner = graphql.get_named_type(field.type).name
            wrong += _check_marks(schema, inner, sub, f"{path}{name}.")
    return wrong


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"real schema not found at {SHARED}")
def test_selection_marks_match_the_real_schema() -> None:
    import graphql

    from meetup_pipeline.meetup import queries

    schema = graphql.build_schema((SHARED / "gql-ext.graphql").read_text())
    assert _check_marks(schema, "Group", queries.GROUP_SELECTION) == []
    assert _check_marks(schema, "Event", queries.EVENT_SELECTION) == []
    for document in (queries.GROUP_SEARCH, queries.GROUP_EVENTS):
        assert graphql.validate(schema, graphql.parse(document)) == []


def test_exact_values_are_coerced_into_the_landed_payload() -> None:
    """5.0 and "7.0" land as 7-like integers; anything else is refused with its field."""
    from meetup_pipeline.meetup.client import _parse
    from meetup_pipeline.meetup.models import Fetched, Reject

    base = {
        "id": "1",
        "title": "t",
        "status": "PAST",
        "dateTime": "2024-03-10T01:30:00-08:00",
        "group": {"id": "g"},
    }
    ok = _parse(Event, "event", {**base, "maxTickets": 5.0, "rsvps": {"yesCount": "7.0"}})
    assert isinstance(ok, Fetched)
    assert ok.raw["maxTickets"] == 5 and type(ok.raw["maxTickets"]) is int
    assert ok.raw["rsvps"] == {"yesCount": 7} and ok.raw["dateTime"] == base["dateTime"]
    for field, value in [
        ("maxTickets", 1e12),
        ("maxTickets", 5.5),
        ("endTime", 1710000000),
        ("title", "a\x00b"),
        ("title", "\udfff"),
        ("maxTickets", float("nan")),
    ]:
        bad = _parse(Event, "event", {**base, field: value})
        assert isinstance(bad, Reject) and bad.field == field and bad.record_id == "1", bad
        assert "\x00" not in str(bad.payload)
