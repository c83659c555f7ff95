"""Past events (stg_events/stg_venues) and upcoming ones follow the same rules."""

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from meetup_pipeline.defs.assets.sql_asset import sql_params
from meetup_pipeline.sql import load_sql
from meetup_pipeline.tables import marts, raw, staging
from meetup_pipeline.warehouse.relations import TableRows, TableSelect, Window
from meetup_pipeline.warehouse.writes import write

LA = ZoneInfo("America/Los_Angeles")
DAY = Window(datetime(2024, 2, 14, tzinfo=LA), datetime(2024, 2, 15, tzinfo=LA))
FETCHED = datetime(2024, 3, 1, tzinfo=UTC)
ONLINE = {"id": "p1", "name": "Online event", "venueType": "online", "lat": -8.5, "lon": 179.2}


def place(venue_id: str, lat: float | None, lon: float | None, **extra: Any) -> dict[str, Any]:
    return {"id": venue_id, "name": f"{venue_id} Hall", "city": "Palo Alto", "lat": lat,
            "lon": lon, **extra}  # fmt: skip


CASES: dict[str, dict[str, Any]] = {
    "typed-online": {"eventType": "ONLINE", "venues": [ONLINE]},
    "typed-online-lower": {"eventType": " online ", "venues": []},
    "placeholder-only": {"venues": [ONLINE]},
    "no-venue-no-type": {"venues": []},
    "venues-null": {"venues": None},
    "venues-not-a-list": {"venues": {"id": "x"}},
    "hybrid": {"eventType": "HYBRID", "venues": [ONLINE, place("v1", 37.44, -122.16)]},
    "physical": {"eventType": "PHYSICAL", "venues": [place("v2", 37.7, -122.4)]},
    "zero-zero": {"venues": [place("v3", 0, 0)]},
    "equator": {"venues": [place("v4", 0, 32.5)]},
    "out-of-range": {"venues": [place("v5", 95.0, -122.0)]},
    "no-coordinates": {"venues": [place("v6", None, None)]},
    "placeholder-by-type": {"venues": [{"id": "p2", "name": "Zoom", "venueType": "ONLINE"}]},
    "no-id": {"venues": [{"name": "Somewhere", "lat": 37.0, "lon": -122.0}]},
}


def payload(event_id: str, hour: int, fields: dict[str, Any]) -> dict[str, Any]:
    starts = datetime(2024, 2, 14, hour, tzinfo=LA)
    body = {"id": event_id, "title": "Mixer", "status": "ACTIVE", "dateTime": starts.isoformat()}
    return body | {"group": {"id": "g1", "name": "Bay Singles"}} | fields


def rows(engine: sa.Engine, sql: str) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        return {r[0]: dict(r._mapping) for r in conn.execute(sa.text(sql))}


@pytest.fixture
def both(engine: sa.Engine) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    payloads = {name: payload(name, i, f) for i, (name, f) in enumerate(CASES.items())}
    raw_rows = [
        {"event_id": name, "group_id": "g1", "starts_at": datetime.fromisoformat(p["dateTime"]),
         "partition_date": DAY.start_date, "fetched_at": FETCHED, "source": "sandbox",
         "payload": p, "sources": None}
        for name, p in payloads.items()
    ]  # fmt: skip
    write(engine, TableRows(raw.raw_events, raw_rows), DAY)
    for table in (staging.stg_events, staging.stg_venues):
        write(engine, TableSelect(table, load_sql(table.name), sql_params()), DAY)
    events = [{"starts_at": p["dateTime"], "payload": p} for p in payloads.values()]
    params = {**sql_params(), "events": json.dumps(events), "groups": "[]",
              "snapshot_at": FETCHED}  # fmt: skip
    write(engine, TableSelect(marts.upcoming_events, load_sql("upcoming_events"), params), None)
    past = rows(engine, "SELECT * FROM staging.stg_events")
    venues = rows(engine, "SELECT * FROM staging.stg_venues")
    upcoming = rows(engine, "SELECT * FROM marts.upcoming_events")
    assert set(past) == set(upcoming) == set(CASES)
    return past, venues, upcoming


def test_past_and_upcoming_agree_on_online_venue_and_coordinates(both: Any) -> None:
    past, venues, upcoming = both
    for name in CASES:
        p, u = past[name], upcoming[name]
        assert p["is_online"] == u["is_online"], name
        venue = venues.get(p["venue_id"]) if p["venue_id"] else None
        assert (venue is None) == (u["venue_name"] is None), name
        if venue is not None:
            assert (venue["lat"], venue["lon"]) == (u["lat"], u["lon"]), name
            assert venue["name"] == u["venue_name"], name
        else:
            assert (u["lat"], u["lon"]) == (None, None), name


def test_the_rules_themselves(both: Any) -> None:
    past, venues, upcoming = both
    online = {name for name, row in upcoming.items() if row["is_online"]}
    assert online == {"typed-online", "typed-online-lower", "placeholder-only",
                      "placeholder-by-type"}  # fmt: skip
    assert past["hybrid"]["venue_id"] == "v1", "a hybrid event is in person"
    assert past["no-id"]["venue_id"] is None and not past["no-id"]["is_online"]
    points = {v: (row["lat"], row["lon"]) for v, row in venues.items()}
    assert points == {
        "v1": (37.44, -122.16),
        "v2": (37.7, -122.4),
        "v3": (None, None),  # (0, 0) is a form's default, not a place
        "v4": (0.0, 32.5),  # one zero alone is a real place
        "v5": (None, None),
        "v6": (None, None),
    }
