"""The region settings: defaults that change nothing and one line per bad value. (The
Bay Area default's marts: test_golden.py.)"""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from meetup_pipeline.defs.resources import meetup_resource_from_env
from meetup_pipeline.meetup.sources import DEFAULT_SOURCES
from meetup_pipeline.preflight import PreflightError, check_region
from meetup_pipeline.sandbox.config import SandboxConfig
from meetup_pipeline.sandbox.region import BAY_AREA, region_for
from meetup_pipeline.sandbox.world import build_world
from meetup_pipeline.settings import SettingsError
from meetup_pipeline.settings.region import (
    DEFAULT_CENTRE,
    Region,
    RegionSettings,
    parse_region,
)

BASE_WORLD = "9ec571ff55412589a5094a6fb525237e299299a2085df1bd9b337f29ee123f64"
"""Digest of the default sandbox world (seed 42, scale 1) before the regions existed."""


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
    assert region.sources() == DEFAULT_SOURCES  # the client's own default search, too


def test_search_settings_reach_the_region_resource_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The region resource is what extraction asks for; the Meetup resource does not copy it."""
    monkeypatch.setenv("MEETUP_SEARCH_LAT", "6.5244")
    monkeypatch.setenv("MEETUP_SEARCH_LON", "3.3792")
    monkeypatch.setenv("MEETUP_SEARCH_RADIUS_MILES", "20")
    monkeypatch.setenv("MEETUP_SEARCH_QUERIES", " tech , python,tech ,, data science")
    monkeypatch.setenv("MEETUP_SEARCH_TOPIC_CATEGORY", "34")
    search = RegionSettings.from_environ().sources().search
    assert search is not None
    assert (search.lat, search.lon, search.radius_miles) == (6.5244, 3.3792, 20.0)
    assert search.queries == ("tech", "python", "data science")
    assert search.topic_category_id == "34"
    assert "lat" not in type(meetup_resource_from_env()).model_fields  # how, not what


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
        [sys.executable, "-c", "import meetup_pipeline.partitions"],
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


SCHEDULE_PROBE = """
from datetime import datetime
from zoneinfo import ZoneInfo
import dagster as dg
from meetup_pipeline.partitions import daily
from meetup_pipeline.defs.automation.schedules import daily_schedule, daily_window
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
