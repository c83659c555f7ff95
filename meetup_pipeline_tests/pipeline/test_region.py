"""Another region by configuration alone: Lagos (east of UTC, no DST) and Berlin (European
DST, which changes on 2024-03-31, a week before the US one), each a real `dagster asset
materialize` run in a subprocess with only the region variables set.

The time zone is read when the code location loads, so these runs are subprocesses: the
test process itself stays on the Bay Area defaults.
"""

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from meetup_pipeline.sandbox.region import region_for
from meetup_pipeline.sandbox.world import build_world
from meetup_pipeline.warehouse.embedded import ensure_server
from meetup_pipeline_tests.conftest import scratch_home

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHROMIUM = Path("/usr/bin/chromium")
RANGE = ("2024-03-30", "2024-04-01")
SANDBOX_NOW = "2025-01-01T00:00:00Z"

LAGOS = {
    "MEETUP_TIMEZONE": "Africa/Lagos",
    "MEETUP_SEARCH_LAT": "6.5244",
    "MEETUP_SEARCH_LON": "3.3792",
    "MEETUP_REGION_NAME": "Lagos",
}
BERLIN = {
    "MEETUP_TIMEZONE": "Europe/Berlin",
    "MEETUP_SEARCH_LAT": "52.52",
    "MEETUP_SEARCH_LON": "13.405",
    "MEETUP_REGION_NAME": "Berlin",
}

pytestmark = pytest.mark.slow


@pytest.fixture
def home() -> Iterator[Path]:
    """Not under pytest's basetemp, whose 0700 parent a concurrent session may reset while
    the embedded server (an unprivileged user when run as root) needs to reach it."""
    with scratch_home("meetup-region-") as path:
        yield path


def run(home: Path, settings: dict[str, str], *cmd: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_HOME", "MEETUP_"))}
    env.update(settings, MEETUP_HOME=str(home), MEETUP_SANDBOX_NOW=SANDBOX_NOW)
    return subprocess.run(
        cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def materialize(home: Path, settings: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run(
        home,
        settings,
        str(BIN / "dagster"),
        "asset",
        "materialize",
        "-m",
        "meetup_pipeline.definitions",
        "--select",
        "*",
        "--partition-range",
        f"{RANGE[0]}...{RANGE[1]}",
    )


def query(home: Path, sql: str) -> list[tuple]:
    engine = sa.create_engine(ensure_server(home / "pgdata").url())
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql)).all()]
    finally:
        engine.dispose()


def oracle(settings: dict[str, str]) -> set[str]:
    """The sandbox world the run saw, asked directly for the window's events."""
    zone = ZoneInfo(settings["MEETUP_TIMEZONE"])
    region = region_for(
        float(settings["MEETUP_SEARCH_LAT"]), float(settings["MEETUP_SEARCH_LON"]), zone.key
    )
    world = build_world(42, 1.0, region)
    now = datetime.fromisoformat(SANDBOX_NOW)
    start = datetime.fromisoformat(RANGE[0]).replace(tzinfo=zone)
    end = (datetime.fromisoformat(RANGE[1]) + timedelta(days=1)).replace(tzinfo=zone)
    groups = [g.id for g in world.groups if world.searchable(g, now) and world.in_default_radius(g)]
    return {e.id for e in world.events_between(start, end, now, group_ids=groups)}


def check_days_and_wall_times(home: Path, settings: dict[str, str]) -> None:
    tz = settings["MEETUP_TIMEZONE"]
    assert query(home, "SELECT date_day::text FROM marts.dim_date ORDER BY 1") == [
        ("2024-03-30",),
        ("2024-03-31",),
        ("2024-04-01",),
    ]
    facts = query(
        home,
        "SELECT event_id, event_date, local_start, "
        f"(starts_at AT TIME ZONE '{tz}'), (starts_at AT TIME ZONE '{tz}')::date "
        "FROM marts.fact_events",
    )
    assert facts, "the run loaded no events"
    for event_id, event_date, local_start, wall, wall_day in facts:
        assert local_start == wall and event_date == wall_day, event_id
    assert {f[0] for f in facts} == oracle(settings)


def payload(page: str) -> dict:
    match = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', page)
    assert match
    return json.loads(match.group(1))


def test_lagos_by_configuration_alone_and_on_another_clock(home: Path) -> None:
    done = materialize(home, LAGOS)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    check_days_and_wall_times(home, LAGOS)
    # Lagos evenings: the sandbox's 19:00-ish starts are Lagos wall time, not Pacific.
    hours = query(home, "SELECT extract(hour FROM local_start)::int FROM marts.fact_events")
    assert sum(1 for (h,) in hours if 17 <= h <= 21) > len(hours) / 2

    page = (home / "dashboard" / "index.html").read_text()
    assert "<title>Lagos Dating &amp; Singles Meetups</title>" in page
    assert "Lagos local time (Africa/Lagos)" in page and "Bay Area" not in page
    data = payload(page)
    assert data["region"] == {
        "name": "Lagos",
        "title": "Lagos Dating & Singles Meetups",
        "timezone": "Africa/Lagos",
    }
    lats = [v for v in data["venues"]["lat"] if v is not None]
    lons = [v for v in data["venues"]["lon"] if v is not None]
    assert lats and all(5.5 < v < 7.5 for v in lats) and all(2.4 < v < 4.4 for v in lons)
    land = data["outline"]["land"]
    assert land and data["outline"]["lines"] == []  # Natural Earth land, no US counties
    xs = [x for ring in land for x in ring[::2]]
    ys = [y for ring in land for y in ring[1::2]]
    assert min(xs) > -3 and max(xs) < 10 and min(ys) > 0 and max(ys) < 13
    assert "Natural Earth" in page

    if CHROMIUM.exists():
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            try:
                tab = browser.new_page(viewport={"width": 1280, "height": 900})
                tab.goto((home / "dashboard" / "index.html").as_uri())
                tab.wait_for_selector("body[data-ready='1']")
                assert tab.inner_text("h1") == "Lagos Dating & Singles Meetups"
                assert tab.locator('[data-view="map"] path.land').count() == 1
                assert tab.locator('[data-view="map"] circle.venue').count() > 5
                assert tab.locator('[data-view="map"] text.city-label').count() >= 1
            finally:
                browser.close()

    # The same warehouse on another clock (the same Lagos world): MEETUP_TIMEZONE no longer
    # decides where events land, so nothing is refused and every event keeps its Lagos day.
    before = query(
        home,
        "SELECT count(*), md5(string_agg(event_id || event_date || local_start"
        " || utc_offset_minutes, ',' ORDER BY event_id)) FROM marts.fact_events",
    )
    berlin_clock = {**LAGOS, "MEETUP_TIMEZONE": "Europe/Berlin",
                    "MEETUP_SANDBOX_TIMEZONE": "Africa/Lagos"}  # fmt: skip
    again = materialize(home, berlin_clock)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    check_days_and_wall_times(home, LAGOS)
    assert query(home, "SELECT count(*), md5(string_agg(event_id || event_date || local_start"
                       " || utc_offset_minutes, ',' ORDER BY event_id)) FROM marts.fact_events"
                 ) == before  # fmt: skip
    assert query(home, "SELECT DISTINCT utc_offset_minutes FROM marts.fact_events") == [(60,)]


def test_berlin_days_follow_european_dst(home: Path) -> None:
    done = materialize(home, BERLIN)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    check_days_and_wall_times(home, BERLIN)
    # 2024-03-31 is a 23-hour day in Berlin (02:00 -> 03:00), but not in the US (03-10).
    assert query(
        home,
        "SELECT (timestamptz '2024-04-01 00:00 Europe/Berlin' "
        "- timestamptz '2024-03-31 00:00 Europe/Berlin')::text",
    ) == [("23:00:00",)]
    offsets = query(
        home,
        "SELECT DISTINCT event_date::text, "
        "extract(epoch FROM local_start - (starts_at AT TIME ZONE 'UTC'))::int / 3600 "
        "FROM marts.fact_events ORDER BY 1, 2",
    )
    by_day: dict[str, set[int]] = {}
    for day, offset in offsets:
        by_day.setdefault(day, set()).add(offset)
    assert by_day.get("2024-03-30") == {1} and by_day.get("2024-04-01") == {2}
    page = (home / "dashboard" / "index.html").read_text()
    assert "<h1>Berlin Dating &amp; Singles Meetups</h1>" in page
    assert "Berlin local time (Europe/Berlin)" in page
