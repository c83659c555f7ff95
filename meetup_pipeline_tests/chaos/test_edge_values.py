"""Staging SQL can no longer fail on a value the models accepted: every field the staging
SQL casts gets every awkward value; whatever the models accept is landed in raw and the five
staging transformations run over it in a real PostgreSQL."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from meetup_pipeline.defs.assets.raw import land_window
from meetup_pipeline.defs.assets.sql_asset import sql_params
from meetup_pipeline.meetup.client import _parse
from meetup_pipeline.meetup.models import Event, Fetched, Group, Reject
from meetup_pipeline.sql import load_sql
from meetup_pipeline.tables import staging
from meetup_pipeline.warehouse.relations import TableSelect, Window
from meetup_pipeline.warehouse.resource import Warehouse
from meetup_pipeline.warehouse.writes import write

LA = ZoneInfo("America/Los_Angeles")
WINDOW = Window(datetime(2024, 3, 6, tzinfo=LA), datetime(2024, 3, 7, tzinfo=LA))

EVENT: dict[str, Any] = {
    "id": "e",
    "token": "t",
    "title": "Speed dating",
    "description": "d",
    "eventUrl": "https://www.meetup.com/x/events/1/",
    "status": "PAST",
    "eventType": "PHYSICAL",
    "dateTime": "2024-03-06T19:00:00-08:00",
    "endTime": "2024-03-06T21:00:00-08:00",
    "duration": "PT2H",
    "createdTime": "2024-02-01T10:00:00-05:00",
    "maxTickets": 40,
    "group": {"id": "g", "urlname": "g-url", "name": "G"},
    "venues": [
        {"id": "v", "name": "Cafe", "city": "Palo Alto", "lat": 37.4, "lon": -122.1,
         "venueType": "physical"}
    ],
    "rsvps": {"totalCount": 10, "yesCount": 9, "waitlistCount": 1, "attendedCount": 5,
              "noShowCount": 1},
    "feeSettings": {"required": True, "amount": 10.0, "currency": "USD"},
    "topics": {"edges": [{"node": {"id": "t1", "name": "Dating", "urlkey": "dating"}}]},
}  # fmt: skip
GROUP: dict[str, Any] = {
    "id": "g",
    "urlname": "g-url",
    "name": "G",
    "city": "Palo Alto",
    "state": "CA",
    "country": "us",
    "lat": 37.4,
    "lon": -122.1,
    "foundedDate": "2015-05-01T10:00:00-07:00",
    "status": "ACTIVE",
    "joinMode": "OPEN",
    "isPrivate": False,
    "memberships": {"totalCount": 100},
    "stats": {"memberCounts": {"all": 100}},
    "topicCategory": {"id": "c", "name": "Dating", "urlkey": "dating"},
    "activeTopics": [{"id": "t1", "name": "Dating", "urlkey": "dating"}],
}

AWKWARD: list[Any] = [
    None, 0, -1, 5.0, 5.5, 2**31 - 1, 2**31, 1e12, 1e20, -0.0, 1e-300, 1e308,
    float("nan"), float("inf"), True, False, "", " ", "7", "7.0", " 7 ", "7e0", "1e3", "abc",
    "0x10", "\u0661\u0662", "true", "TRUE", "yes", "maybe", "PT2H", "PT90M", "P1D", "PT",
    "PT1.5S", "-PT1H", "P99999999999D", 5400, 1710000000, 1710000000000,
    "2024-03-06", "2024-03-06T19:00:00", "2024-03-06T19:00:00Z", "2024-03-06T19:00:00+05:45",
    "2024-03-06T19:00:00+14:00", "2024-03-06T19:00:00+16:00", "2024-03-06T19:00:00.123456-08:00",
    "2024-03-06 19:00:00-08:00", "20240306T190000-0800", "2024-W10-3T19:00:00-08:00",
    "0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59-15:59", "2024-03-10T02:30:00-08:00",
    "a\x00b", "\ud800", "<b>x</b>", "x" * 10_000, [], [1, "a"], {}, {"a": None},
]  # fmt: skip

EVENT_FIELDS = [
    ("title",), ("status",), ("eventType",), ("eventUrl",), ("dateTime",), ("endTime",),
    ("createdTime",), ("duration",), ("maxTickets",), ("rsvps", "totalCount"),
    ("rsvps", "yesCount"), ("rsvps", "waitlistCount"), ("rsvps", "attendedCount"),
    ("rsvps", "noShowCount"), ("feeSettings", "required"), ("feeSettings", "amount"),
    ("feeSettings", "currency"), ("venues", 0, "lat"), ("venues", 0, "lon"),
    ("venues", 0, "name"), ("venues", 0, "id"), ("venues", 0, "venueType"), ("group", "id"),
    ("venues",), ("rsvps",), ("feeSettings",), ("topics",), ("group",),
]  # fmt: skip
GROUP_FIELDS = [
    ("name",), ("urlname",), ("lat",), ("lon",), ("foundedDate",), ("isPrivate",),
    ("status",), ("joinMode",), ("state",), ("country",), ("memberships", "totalCount"),
    ("stats", "memberCounts", "all"), ("topicCategory", "id"), ("topicCategory", "name"),
    ("activeTopics",), ("memberships",), ("stats",),
]  # fmt: skip


def _with(template: dict[str, Any], path: tuple[Any, ...], value: Any, rid: str) -> Any:
    node = copy.deepcopy(template)
    target = node
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    node["id"] = rid
    return node


def _records() -> tuple[list[Fetched[Any] | Reject], int]:
    records: list[Fetched[Any] | Reject] = [_parse(Group, "group", copy.deepcopy(GROUP))]
    accepted = 0
    for fields, template, model, entity in (
        (EVENT_FIELDS, EVENT, Event, "event"),
        (GROUP_FIELDS, GROUP, Group, "group"),
    ):
        for path in fields:
            for i, value in enumerate(AWKWARD):
                rid = f"{entity}:{'.'.join(map(str, path))}:{i}"
                parsed = _parse(model, entity, _with(template, path, value, rid))
                if isinstance(parsed, Fetched):
                    accepted += 1
                    if entity == "event" and not (
                        WINDOW.start <= parsed.model.date_time < WINDOW.end
                    ):
                        continue  # the client keeps only the window's events
                records.append(parsed)
    return records, accepted


@pytest.fixture
def warehouse(warehouse_url: URL) -> Warehouse:
    return Warehouse(url=warehouse_url.render_as_string(hide_password=False))


def test_staging_runs_over_every_value_the_models_accept(warehouse: Warehouse) -> None:
    records, accepted = _records()
    rejects = [r for r in records if isinstance(r, Reject)]
    assert accepted > 500 and len(rejects) > 300  # both sides are exercised
    assert all(r.field and r.reason for r in rejects)
    landed = land_window(warehouse, records, WINDOW, datetime.now(UTC), "api")
    assert landed["raw_events"].written > 500
    assert landed["raw_rejects"].written == len(rejects)
    engine = warehouse.get_engine()
    for table in staging.metadata.sorted_tables:
        write(engine, TableSelect(table, load_sql(table.name), sql_params()), WINDOW)  # no raise
    with engine.connect() as conn:
        n = conn.execute(sa.text("SELECT count(*) FROM staging.stg_events")).scalar_one()
    assert n == landed["raw_events"].written
