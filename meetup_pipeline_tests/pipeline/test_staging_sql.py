"""The SQL transformations' cleaning rules, on crafted raw payloads in a real PostgreSQL."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from meetup_pipeline.calendar import date_rows
from meetup_pipeline.sql import load_sql
from meetup_pipeline.tables import marts, raw, staging
from meetup_pipeline.warehouse.relations import TableRows, TableSelect, Window
from meetup_pipeline.warehouse.writes import write

LA = ZoneInfo("America/Los_Angeles")
DAY = Window(datetime(2024, 2, 14, tzinfo=LA), datetime(2024, 2, 15, tzinfo=LA))
FETCHED = datetime(2024, 3, 1, tzinfo=UTC)
ONLINE = {
    "id": "26906060",
    "name": "Online event",
    "venueType": "online",
    "lat": -8.52,
    "lon": 179.19,
}


def event(event_id: str, group_id: str, hour: int, **payload: Any) -> dict[str, Any]:
    starts = datetime(2024, 2, 14, hour, tzinfo=LA)
    body = {"id": event_id, "title": "Mixer", "status": "PAST", "dateTime": starts.isoformat()}
    body |= {"group": {"id": group_id}, **payload}
    return {
        "event_id": event_id,
        "group_id": group_id,
        "starts_at": starts,
        "partition_date": starts.date(),
        "fetched_at": FETCHED,
        "source": "sandbox",
        "payload": body,
        "sources": None,
    }


def venue(venue_id: str, lat: float, lon: float) -> dict[str, Any]:
    return {"id": venue_id, "name": f" {venue_id} Cafe ", "lat": lat, "lon": lon, "country": "us"}


def rows(engine: sa.Engine, sql: str) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        return {r[0]: dict(r._mapping) for r in conn.execute(sa.text(sql))}


def test_cleaning_rules_and_unknown_members(engine: sa.Engine) -> None:
    events = [
        event(
            "e1", "g1", 19, title="  Speed Dating  ", eventType="online", venues=[ONLINE],
            duration="PT1H30M", feeSettings={"required": True, "amount": 15.5, "currency": "usd"},
            rsvps={"yesCount": 10, "waitlistCount": 2},
        ),
        event("e2", "g1", 20, venues=[venue("v0", 0, 0)], eventType="PHYSICAL"),
        event("e3", "g1", 21, venues=[venue("v2", 95.0, -122.0)]),
        event("e4", "g1", 0, venues=[ONLINE, venue("v1", 37.44, -122.16)], eventType="HYBRID"),
        event("e5", "g-missing", 23, venues=[]),
    ]  # fmt: skip
    group = {
        "id": "g1", "urlname": "bay-singles", "name": " Bay Singles ", "lat": 0, "lon": 0,
        "foundedDate": "2012-05-01T20:00:00-07:00", "stats": {"memberCounts": {"all": 120}},
        "country": "us", "activeTopics": [{"id": "t1", "name": "Dating", "urlkey": "dating"}],
    }  # fmt: skip
    groups = [
        {"group_id": "g1", "urlname": "bay-singles", "partition_date": DAY.start_date,
         "fetched_at": FETCHED, "source": "sandbox", "payload": group, "sources": None},
    ]  # fmt: skip
    write(engine, TableRows(raw.raw_events, events), DAY)
    write(engine, TableRows(raw.raw_groups, groups), DAY)
    for table in (*staging.metadata.tables.values(), marts.dim_group, marts.dim_venue):
        sql = load_sql(table.name)
        write(engine, TableSelect(table, sql, {"local_timezone": "America/Los_Angeles"}), DAY)
    write(engine, TableRows(marts.dim_date, date_rows(DAY.start_date, DAY.end_date)), DAY)
    write(engine, TableSelect(marts.fact_events, load_sql("fact_events")), DAY)

    stg = rows(engine, "SELECT * FROM staging.stg_events")
    e1 = stg["e1"]
    assert (e1["title"], e1["is_online"], e1["venue_id"]) == ("Speed Dating", True, None)
    assert (e1["duration_minutes"], e1["event_type"]) == (90, "ONLINE")
    assert (e1["fee_amount"], e1["fee_currency"], e1["fee_required"]) == (
        Decimal("15.50"),
        "USD",
        True,
    )
    assert (e1["rsvp_yes_count"], e1["waitlist_count"]) == (10, 2)
    assert (stg["e4"]["venue_id"], stg["e4"]["is_online"]) == ("v1", False)  # hybrid: in person
    assert stg["e4"]["local_start"] == datetime(2024, 2, 14, 0, 0)  # midnight is its own day

    venues = rows(engine, "SELECT * FROM staging.stg_venues")
    assert set(venues) == {"v0", "v1", "v2"}, "the online placeholder is not a venue"
    assert (venues["v0"]["lat"], venues["v0"]["lon"]) == (None, None)  # (0, 0)
    assert (venues["v2"]["lat"], venues["v2"]["lon"]) == (None, None)  # out of range
    assert (venues["v1"]["lat"], venues["v1"]["name"], venues["v1"]["country"]) == (
        37.44,
        "v1 Cafe",
        "US",
    )

    g1 = rows(engine, "SELECT * FROM staging.stg_groups")["g1"]
    assert (g1["name"], g1["lat"], g1["member_count"]) == ("Bay Singles", None, 120)
    assert g1["founded_date"].isoformat() == "2012-05-01"

    facts = rows(
        engine,
        "SELECT f.event_id, f.group_key, f.venue_key, f.date_key, g.name AS group_name "
        "FROM marts.fact_events f JOIN marts.dim_group g USING (group_key)",
    )
    assert set(facts) == {"e1", "e2", "e3", "e4", "e5"}, "no fact dropped by a join"
    assert facts["e5"]["group_key"] == -1 and facts["e5"]["group_name"] == "Unknown group"
    assert facts["e1"]["venue_key"] == -1
    assert facts["e4"]["venue_key"] not in (-1, None)
    assert {f["date_key"] for f in facts.values()} == {20240214}
