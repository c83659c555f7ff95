"""The region settings: defaults that change nothing, one line per bad value, and the
warehouse's recorded time zone (a different one is refused, days are never mixed)."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from meetup_pipeline.meetup import MeetupResource
from meetup_pipeline.preflight import PreflightError, check_region, check_timezone
from meetup_pipeline.resources import meetup_resource_from_env
from meetup_pipeline.sandbox.config import SandboxConfig
from meetup_pipeline.sandbox.region import BAY_AREA, region_for
from meetup_pipeline.sandbox.world import build_world
from meetup_pipeline.settings import (
    DEFAULT_CENTRE,
    DEFAULT_QUERIES,
    Region,
    SettingsError,
    parse_region,
)
from meetup_pipeline.warehouse.ddl import ensure_table
from meetup_pipeline.warehouse.timezone import (
    TimezoneMismatch,
    ensure_timezone,
    rebuild_for,
    recorded_timezone,
)
from meetup_pipeline_tests.pipeline.conftest import checksums, runner_for

BASE_MARTS = json.loads(
    '{"marts.bridge_group_topic": ["394272ca9c20e8cb0c6b1238fc20d3fd", 228], '
    '"marts.dim_date": ["c8a048bc9b51809d1240a0cd278fe643", 5], '
    '"marts.dim_group": ["b807cb48dc9b0897772e4d97592ee006", 43], '
    '"marts.dim_topic": ["1663d85422f16047c03c01f16d55d75f", 26], '
    '"marts.dim_venue": ["623f492cd05343a3739151c4adf9210a", 45], '
    '"marts.fact_events": ["94adbd25a496f608d445115c5ea0b7dc", 53], '
    '"staging.stg_events": ["ccc4fb171abac73f6e8077e187d42642", 53], '
    '"staging.stg_group_topics": ["db60206c54ee7afd164a510151628d17", 286], '
    '"staging.stg_groups": ["292b23dc6732a6260961500d2b47b15f", 52], '
    '"staging.stg_topics": ["adb414155aff2de2250947ac8a55694f", 87], '
    '"staging.stg_venues": ["f4d78a45460d56824647a17aafbcb0aa", 52]}'
)
"""Staging and marts of 2024-03-08..12 as the commit before the region settings (be4a039)
built them with every default: the Bay Area defaults must give exactly these.
`marts.fact_group_snapshots` is left out: since it holds the day each count was observed
(today), its rows change with the date the test runs (test_snapshots.py covers it)."""

BASE_WORLD = "9ec571ff55412589a5094a6fb525237e299299a2085df1bd9b337f29ee123f64"
"""Digest of the default sandbox world (seed 42, scale 1) before the regions existed."""


def test_bay_area_defaults_give_the_same_marts_as_before(warehouse_url: URL) -> None:
    assert runner_for(warehouse_url)("2024-03-08", "2024-03-12").success
    engine = sa.create_engine(warehouse_url)
    try:
        got = checksums(engine, ("staging", "marts"))
    finally:
        engine.dispose()
    got.pop("marts.fact_group_snapshots")
    assert {k: list(v) for k, v in got.items()} == BASE_MARTS


def world_digest() -> str:
    world = build_world(42, 1.0)
    h = hashlib.sha256()
    for g in world.groups:
        h.update(
            repr(
                (g.id, g.urlname, g.name, g.description, g.city, g.lat, g.lon, g.founded_ts,
                 g.closed_ts, g.timezone, g.distance_miles, g.venue_pool)
            ).encode()
        )  # fmt: skip
        for e in world.all_events(g)[0]:
            h.update(
                repr(
                    (e.id, e.start_ts, e.title, e.venues, e.yes, e.date_time.isoformat(),
                     e.description)
                ).encode()
            )  # fmt: skip
    for v in world.venues:
        h.update(repr(v).encode())
    return h.hexdigest()


def test_the_default_sandbox_world_is_unchanged() -> None:
    assert SandboxConfig.from_env({}).region() is BAY_AREA
    assert world_digest() == BASE_WORLD


def test_defaults_are_the_bay_area_dating_search() -> None:
    region = parse_region({})
    assert region == Region()
    assert (region.lat, region.lon) == DEFAULT_CENTRE
    assert (region.timezone, region.region_name) == ("America/Los_Angeles", "Bay Area")
    resource = MeetupResource()
    assert (resource.lat, resource.lon, resource.radius_miles) == (*DEFAULT_CENTRE, 35.0)
    assert tuple(resource.queries) == DEFAULT_QUERIES and resource.topic_category_id is None


def test_search_settings_reach_the_resource(monkeypatch: pytest.MonkeyPatch) -> None:
    from meetup_pipeline import settings

    monkeypatch.setenv("MEETUP_SEARCH_LAT", "6.5244")
    monkeypatch.setenv("MEETUP_SEARCH_LON", "3.3792")
    monkeypatch.setenv("MEETUP_SEARCH_RADIUS_MILES", "20")
    monkeypatch.setenv("MEETUP_SEARCH_QUERIES", " tech , python,tech ,, data science")
    monkeypatch.setenv("MEETUP_SEARCH_TOPIC_CATEGORY", "34")
    settings.region.cache_clear()
    try:
        resource = meetup_resource_from_env()
    finally:
        settings.region.cache_clear()
    assert (resource.lat, resource.lon, resource.radius_miles) == (6.5244, 3.3792, 20.0)
    assert resource.queries == ["tech", "python", "data science"]
    assert resource.topic_category_id == "34"


def test_an_unnamed_region_is_named_by_its_centre() -> None:
    env = {"MEETUP_SEARCH_LAT": "52.52", "MEETUP_SEARCH_LON": "13.4"}
    assert parse_region(env).region_name == "the area around 52.52, 13.40"
    assert parse_region({**env, "MEETUP_REGION_NAME": "  Berlin  "}).region_name == "Berlin"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MEETUP_SEARCH_LAT": "north"}, "MEETUP_SEARCH_LAT='north' is not a number from -90"),
        ({"MEETUP_SEARCH_LON": "200"}, "MEETUP_SEARCH_LON='200' is not a number from -180"),
        ({"MEETUP_SEARCH_RADIUS_MILES": "0"}, "MEETUP_SEARCH_RADIUS_MILES='0' is not a number"),
        ({"MEETUP_SEARCH_QUERIES": " , ,"}, "MEETUP_SEARCH_QUERIES=', ,' has no keyword"),
        ({"MEETUP_SEARCH_TOPIC_CATEGORY": "tech"}, "MEETUP_SEARCH_TOPIC_CATEGORY='tech' is not"),
        ({"MEETUP_TIMEZONE": "Lagos"}, "MEETUP_TIMEZONE='Lagos' is not an IANA time zone name"),
        ({"MEETUP_TIMEZONE": "../etc/passwd"}, "MEETUP_TIMEZONE='../etc/passwd' is not an IANA"),
        ({"MEETUP_REGION_NAME": "x" * 61}, "MEETUP_REGION_NAME is 61 characters long"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as err:
        parse_region(env)
    assert message in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(PreflightError) as pre:
        check_region(env)
    assert str(err.value) == pre.value.message


def test_a_bad_time_zone_stops_the_code_location_in_one_line() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import meetup_pipeline.assets.partitions"],
        env={"MEETUP_TIMEZONE": "Mars/Olympus_Mons", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "meetup_pipeline.settings.SettingsError: MEETUP_TIMEZONE='Mars/Olympus_Mons' is not an "
        "IANA time zone name: use one such as Africa/Lagos or Europe/Berlin, or unset it for "
        "America/Los_Angeles."
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [("MEETUP_TIMEZONE", "Mars/Olympus_Mons"), ("MEETUP_SEARCH_LAT", "north")],
)
def test_materialize_reports_a_bad_region_setting_in_one_line(
    tmp_path: Path, variable: str, value: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_HOME", "MEETUP_"))}
    env.update({"MEETUP_HOME": str(tmp_path), variable: value})
    done = subprocess.run(
        [str(Path(sys.executable).parent / "meetup-pipeline"), "materialize", "--dry-run",
         "--partition-range", "2024-01-01...2024-01-03"],
        env=env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert done.returncode == 2 and len(errors) == 1, done.stderr
    assert errors[0].startswith(f"Error: {variable}={value!r} is not")
    assert "Traceback" not in done.stdout + done.stderr


def test_the_sandbox_follows_the_search_settings_or_its_own() -> None:
    lagos = SandboxConfig.from_env(
        {
            "MEETUP_SEARCH_LAT": "6.5244",
            "MEETUP_SEARCH_LON": "3.3792",
            "MEETUP_TIMEZONE": "Africa/Lagos",
        }
    ).region()
    assert lagos == region_for(6.5244, 3.3792, "Africa/Lagos") and lagos.country == ""
    own = SandboxConfig.from_env(
        {"MEETUP_SANDBOX_TIMEZONE": "Australia/Sydney", "MEETUP_TIMEZONE": "Africa/Lagos"}
    )
    assert own.region().timezone == "Australia/Sydney"
    with pytest.raises(ValueError, match="MEETUP_SANDBOX_LAT must be a number"):
        SandboxConfig.from_env({"MEETUP_SANDBOX_LAT": "91"})


@pytest.mark.parametrize(
    ("zone", "centre", "eves"),
    [
        ("Africa/Lagos", (6.5244, 3.3792), []),
        ("Europe/Berlin", (52.52, 13.405), ["2024-03-30", "2024-10-26"]),
        ("Australia/Sydney", (-33.87, 151.21), ["2024-04-06", "2024-10-05"]),
    ],
)
def test_a_generic_world_lives_in_its_zone(
    zone: str, centre: tuple[float, float], eves: list[str]
) -> None:
    region = region_for(*centre, zone)
    assert [d.isoformat() for d in region.dst_eves(2024)] == eves
    world = build_world(42, 0.2, region)
    assert world is build_world(42, 0.2, region_for(*centre, zone))  # deterministic, cached
    assert not {c.name for c in region.cities} & {"San Francisco", "Oakland", "San Jose"}
    near = [g for g in world.groups if world.in_default_radius(g)]
    assert len(near) >= len(world.groups) * 0.8
    events = [e for g in world.groups[:10] for e in world.all_events(g)[0]]
    assert events and all(e.date_time.tzinfo.key == zone for e in events)  # type: ignore[union-attr]
    evening = sum(1 for e in events if 17 <= e.date_time.hour <= 21)
    assert evening > len(events) / 2  # local evenings, not Pacific ones


# --- the warehouse's recorded time zone ----------------------------------------------------


def test_the_first_run_records_the_zone_and_another_is_refused(engine: sa.Engine) -> None:
    assert recorded_timezone(engine) is None
    ensure_timezone(engine, "Africa/Lagos", "test warehouse")
    ensure_timezone(engine, "Africa/Lagos", "test warehouse")  # the same zone: fine
    assert recorded_timezone(engine) == "Africa/Lagos"
    with pytest.raises(TimezoneMismatch) as err:
        ensure_timezone(engine, "Europe/Berlin", "test warehouse")
    assert str(err.value) == (
        "The warehouse (test warehouse) holds Africa/Lagos days but MEETUP_TIMEZONE is "
        "Europe/Berlin: use a new warehouse (another MEETUP_WAREHOUSE_URL or MEETUP_HOME), set "
        "MEETUP_TIMEZONE=Africa/Lagos, or rebuild this one for Europe/Berlin with "
        "`python -m meetup_pipeline.warehouse.timezone --rebuild` (drops its data)."
    )
    rebuild_for(engine, "Europe/Berlin")
    assert recorded_timezone(engine) == "Europe/Berlin"


def test_a_warehouse_from_before_the_setting_holds_bay_area_days(engine: sa.Engine) -> None:
    from meetup_pipeline.tables import marts

    ensure_table(engine, marts.dim_date)
    assert recorded_timezone(engine) == "America/Los_Angeles"
    with pytest.raises(TimezoneMismatch, match="holds America/Los_Angeles days"):
        ensure_timezone(engine, "Africa/Lagos")


def test_preflight_names_the_fix(engine: sa.Engine, warehouse_url: URL) -> None:
    env = {
        "MEETUP_WAREHOUSE_URL": warehouse_url.render_as_string(hide_password=False),
        "MEETUP_TIMEZONE": "Europe/Berlin",
    }
    assert check_timezone(env) == "Europe/Berlin (the warehouse's first run)"
    ensure_timezone(engine, "Africa/Lagos")
    with pytest.raises(PreflightError) as err:
        check_timezone(env)
    assert "holds Africa/Lagos days but MEETUP_TIMEZONE is Europe/Berlin" in err.value.message
    assert check_timezone({**env, "MEETUP_TIMEZONE": "Africa/Lagos"}) == (
        "Africa/Lagos (the warehouse's zone)"
    )


SCHEDULE_PROBE = """
from datetime import datetime
from zoneinfo import ZoneInfo
import dagster as dg
from meetup_pipeline.assets.partitions import daily
from meetup_pipeline.schedules import daily_schedule, daily_window
instant = datetime(2024, 3, 31, 0, 30, tzinfo=ZoneInfo("Africa/Lagos"))
with dg.partition_loading_context(effective_dt=instant):
    last = daily.get_last_partition_key()
window = daily.time_window_for_partition_key("2024-03-30")
print(daily.timezone, daily_schedule.execution_timezone, last, daily_window(instant)[1],
      window.start.isoformat(), window.end.isoformat())
"""


def test_partitions_and_schedule_are_lagos_days() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_HOME", "MEETUP_"))}
    env["MEETUP_TIMEZONE"] = "Africa/Lagos"
    done = subprocess.run(
        [sys.executable, "-c", SCHEDULE_PROBE],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    # 00:30 in Lagos is still 2024-03-30 in UTC and in the Bay Area; Lagos's yesterday is 03-30.
    assert done.stdout.split() == [
        "Africa/Lagos",
        "Africa/Lagos",
        "2024-03-30",
        "2024-03-30",
        "2024-03-30T00:00:00+01:00",
        "2024-03-31T00:00:00+01:00",
    ]
