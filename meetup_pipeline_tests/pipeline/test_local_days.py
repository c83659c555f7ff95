"""Every event on its own local day (issue 22): groups in +13:00, +05:45, -10:00 and on both
hemispheres' DST days, events at local 00:00 and 23:59, served over real HTTP by a small
fake API, loaded by real Dagster runs in several orders. Each event must land once, on the
date printed in its own offset, with its own wall time, offset and group zone; and an
analyst finds the events on a public holiday of their country in one query."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from sqlalchemy.engine import URL
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from meetup_pipeline.meetup import MeetupResource
from meetup_pipeline_tests.conftest import create_database
from meetup_pipeline_tests.meetup.fakeapi import FakeMeetup, event_node, group_node
from meetup_pipeline_tests.net import free_port, wait_healthy
from meetup_pipeline_tests.pipeline.conftest import runner_for

pytestmark = pytest.mark.slow

ZONES = {  # urlname: (IANA zone, country as Meetup sends it)
    "nukualofa": ("Pacific/Tongatapu", "to"),  # +13:00
    "kathmandu": ("Asia/Kathmandu", "np"),  # +05:45
    "honolulu": ("Pacific/Honolulu", "us"),  # -10:00
    "berlin": ("Europe/Berlin", "de"),  # springs forward on 2024-03-31
    "sydney": ("Australia/Sydney", "au"),  # falls back on 2024-04-07
}
DAYS = ("2024-03-31", "2024-04-01", "2024-04-07")
WALL_TIMES = ("00:00", "23:59")
QUERY = "local days"


def crafted() -> tuple[FakeMeetup, dict[str, tuple[str, str, int, str]]]:
    """The fake API's data, and each event's expected (date, wall time, offset, zone)."""
    fake = FakeMeetup()
    expected: dict[str, tuple[str, str, int, str]] = {}
    groups = []
    for i, (urlname, (zone, country)) in enumerate(ZONES.items()):
        groups.append(
            group_node(i, id=f"g-{urlname}", urlname=urlname, timezone=zone, country=country)
        )
        events = []
        for day in DAYS:
            for wall in WALL_TIMES:
                local = datetime.fromisoformat(f"{day}T{wall}").replace(tzinfo=ZoneInfo(zone))
                offset = local.utcoffset() or timedelta(0)
                minutes = int(offset.total_seconds() // 60)
                event_id = f"{urlname}-{day}-{wall.replace(':', '')}"
                # Meetup prints the event's own offset
                node = event_node(event_id, local.isoformat(), group=urlname, venues=[])
                node["group"] = {"id": f"g-{urlname}", "urlname": urlname, "name": urlname}
                events.append(node)
                expected[event_id] = (day, f"{day} {wall}:00", minutes, zone)
        fake.events_by_group[urlname] = events
    fake.groups_by_query[QUERY] = groups
    return fake, expected


@pytest.fixture(scope="module")
def api() -> Iterator[tuple[str, dict[str, tuple[str, str, int, str]]]]:
    """The fake API on a real socket: the client's own HTTP path, not a mock transport."""
    fake, expected = crafted()

    async def gql(request: Request) -> Response:
        answer = fake.handle(httpx.Request("POST", str(request.url), content=await request.body()))
        return Response(answer.content, answer.status_code, media_type="application/json")

    async def healthz(request: Request) -> Response:
        return Response("ok")

    app = Starlette(routes=[Route("/gql-ext", gql, methods=["POST"]), Route("/healthz", healthz)])
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_healthy(f"http://127.0.0.1:{port}", timeout=30)
    try:
        yield f"http://127.0.0.1:{port}/gql-ext", expected
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def loaded(engine: sa.Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                sa.text(
                    "SELECT event_id, event_date::text, date_key, local_start::text, "
                    "utc_offset_minutes, timezone FROM marts.fact_events ORDER BY event_id"
                )
            )
        ]


def assert_lands(engine: sa.Engine, expected: dict[str, tuple[str, str, int, str]],
                 days: set[str]) -> None:  # fmt: skip
    """Exactly the events of `days`, each once, on its local date with its own wall time."""
    rows = loaded(engine)
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids)), "an event landed twice"
    want = {k: v for k, v in expected.items() if v[0] in days}
    assert set(ids) == set(want)
    for event_id, event_date, date_key, local_start, offset, zone in rows:
        day, wall, minutes, group_zone = want[event_id]
        assert (event_date, local_start, offset, zone) == (day, wall, minutes, group_zone)
        assert date_key == int(day.replace("-", ""))
    with engine.connect() as conn:  # the raw and staging windows agree with the fact
        for table in ("raw.raw_events", "staging.stg_events"):
            raw = conn.execute(sa.text(f"SELECT event_id, partition_date::text FROM {table}"))
            assert sorted(raw) == sorted((r[0], r[1]) for r in rows), table


def runner(url: URL, api_url: str) -> Any:
    """Runs that search the fake API for `QUERY`: the region resource says what to ask for."""
    meetup = MeetupResource(api_url=api_url, points_per_minute=10**9)
    run = runner_for(url, meetup)
    region = {"resources": {"region": {"config": {"queries": QUERY}}}}
    return lambda start, end=None: run(start, end, run_config=region)


def test_local_days_whatever_the_order(
    api: tuple[str, dict[str, tuple[str, str, int, str]]], engine: sa.Engine, pg_server: Any
) -> None:
    api_url, expected = api
    offsets = {v[2] for v in expected.values()}
    assert {780, 345, -600, 60, 120, 660, 600} <= offsets  # the zones and both DST sides

    # D+1 then D
    run = runner(engine.url, api_url)
    assert run("2024-04-01").success
    assert_lands(engine, expected, {"2024-04-01"})
    assert run("2024-03-31").success
    assert_lands(engine, expected, {"2024-03-31", "2024-04-01"})
    # then a month, then a day inside it: nothing doubles, nothing moves
    assert run("2024-03-15", "2024-04-14").success
    assert_lands(engine, expected, set(DAYS))
    assert run("2024-04-07").success
    assert_lands(engine, expected, set(DAYS))

    # D then D+1, on another warehouse
    other = sa.create_engine(pg_server.url(create_database(pg_server)))
    try:
        run2 = runner(other.url, api_url)
        assert run2("2024-03-31").success
        assert_lands(other, expected, {"2024-03-31"})
        assert run2("2024-04-01").success
        assert_lands(other, expected, {"2024-03-31", "2024-04-01"})
    finally:
        other.dispose()

    # Member counts are dated by the day observed in each group's own zone (+13 and -10
    # are always a day apart, bar an hour).
    with engine.connect() as conn:
        snapshots = conn.execute(
            sa.text(
                "SELECT g.urlname, s.snapshot_date, (s.observed_at AT TIME ZONE g.timezone)::date"
                " FROM marts.fact_group_snapshots AS s JOIN marts.dim_group AS g USING (group_key)"
            )
        ).all()
    assert {r[0] for r in snapshots} == set(ZONES)
    assert all(day == local_day for _, day, local_day in snapshots), snapshots

    # "Events on a public holiday, per country": one query over the star schema.
    with engine.connect() as conn:
        per_country = dict(
            conn.execute(
                sa.text(
                    """
                    SELECT g.country, count(*)
                    FROM marts.fact_events AS f
                    JOIN marts.dim_group AS g ON g.group_key = f.group_key
                    JOIN marts.dim_holiday AS h
                      ON h.date_key = f.date_key AND h.country = g.country
                    GROUP BY g.country
                    """
                )
            ).all()
        )
        names = set(
            conn.execute(
                sa.text("SELECT DISTINCT holiday_name FROM marts.dim_holiday WHERE date_key = :d"),
                {"d": 20240401},
            ).scalars()
        )
        countries = set(conn.execute(sa.text("SELECT DISTINCT country FROM marts.dim_holiday")))
    # Easter Monday 2024 (April 1) is a public holiday in Australia, Germany and Tonga, not
    # in Nepal or the US; both of that day's events (00:00 and 23:59) count, nothing else.
    assert per_country == {"AU": 2, "DE": 2, "TO": 2}
    assert names == {"Easter Monday"}
    assert {c for (c,) in countries} == {"AU", "DE", "NP", "TO", "US"}
