"""A network's figures from real PostgreSQL, the rule that tells a network from a region,
and the world map's projection around the antimeridian."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
import sqlalchemy as sa

from meetup_pipeline.dashboard.model import shape
from meetup_pipeline.dashboard.network import clocks, is_network, months_before
from meetup_pipeline.dashboard.queries import fetch
from meetup_pipeline.dashboard.worldmap import (
    WORLD,
    central_meridian,
    project,
    projected_land,
    world_map,
)
from meetup_pipeline.settings.region import Region
from meetup_pipeline.warehouse.embedded import EmbeddedServer
from meetup_pipeline_tests.conftest import create_database
from meetup_pipeline_tests.dashboard import marts_data, network_data
from meetup_pipeline_tests.dashboard.network_data import CHAPTERS, SNAPSHOT_DAYS

AUCKLAND, HONOLULU = (174.76, -36.85), (-157.86, 21.31)
WORLDWIDE = [AUCKLAND, HONOLULU, (85.32, 27.72), (-46.63, -23.55), (36.82, -1.29)]


@pytest.fixture(scope="module")
def engines(pg_server: EmbeddedServer) -> Any:
    made = {}
    for name in ("netfig", "regionfig"):
        made[name] = sa.create_engine(pg_server.url(create_database(pg_server, name)))
    network_data.fill(made["netfig"])
    marts_data.fill(made["regionfig"])
    yield made
    for engine in made.values():
        engine.dispose()


def _payload(engine: sa.Engine, max_events: int | None = None) -> dict[str, Any]:
    rows = fetch(engine, network_data.NOW, max_events)
    assert rows is not None
    return shape(rows, Region())


def test_the_rule_tells_a_network_from_a_region() -> None:
    assert not is_network(1, 1)
    assert not is_network(0, 0)
    assert is_network(2, 1) and is_network(1, 2)
    assert is_network(1, 1, "rladies")  # MEETUP_PRO_NETWORK, through the region
    assert not is_network(1, 1, " ")


def test_zones_that_keep_the_same_time_are_one_clock() -> None:
    assert clocks(["America/Los_Angeles", "US/Pacific", "America/Los_Angeles "]) == 1
    assert clocks(["America/New_York", "America/Detroit", "not/a zone", ""]) == 1
    assert clocks(["America/Denver", "America/Phoenix"]) == 2  # Arizona keeps no DST
    assert clocks(["Pacific/Auckland", "Pacific/Honolulu", "Asia/Kathmandu"]) == 3


def test_a_region_gets_todays_payload(engines: dict[str, sa.Engine]) -> None:
    payload = _payload(engines["regionfig"])
    assert "network" not in payload
    assert payload["region"]["name"] == "Bay Area" and payload["outline"]["land"]


@pytest.mark.parametrize("cap", [None, 100])
def test_chapter_figures_cover_the_whole_history(
    engines: dict[str, sa.Engine], cap: int | None
) -> None:
    """Members, growth, last event, events in 12 months and dormancy come from SQL over
    every event and snapshot, so a capped page tells the same about each chapter."""
    fx = network_data.FILLED
    payload = _payload(engines["netfig"], cap)
    net = payload["network"]
    if cap is not None:
        assert payload["notes"]["shown"] <= cap < payload["notes"]["total"]
    ids = payload["groups"]["id"]
    ch = net["chapters"]
    year_ago = fx.now - timedelta(days=365)
    for gid, name, city, country, zone, lat, _lon, _per, members in CHAPTERS:
        i = ids.index(gid)
        assert payload["groups"]["name"][i] == name
        assert net["countries"][ch["country"][i]] == country
        assert ch["zone"][i] == zone and ch["city"][i] == (city or "")
        assert ch["members"][i] == network_data.members_on(len(SNAPSHOT_DAYS) - 1, members)
        # the first snapshot is older than a year: growth counts from the second one
        assert ch["growth"][i] == 20 and ch["growthSince"][i] == SNAPSHOT_DAYS[1].isoformat()
        assert ch["eventsAll"][i] == fx.chapter_events(gid)
        assert ch["events12"][i] == fx.chapter_events(gid, year_ago)
        mine = [e for e in fx.history if e["group_key"] == marts_data.key(gid)]
        last = max((e["event_date"] for e in mine), default=None)
        assert ch["lastEvent"][i] == (last.isoformat() if last else "")
        assert ch["dormant"][i] == int(gid in network_data.DORMANT), gid
        assert (ch["x"][i] is None) == (lat is None)
    assert ch["lastEvent"][ids.index("n8")] == network_data.LAST_REYKJAVIK.isoformat()
    assert net["dormantMonths"] == 6 and net["dormantSince"] == "2025-07-15"
    assert net["unlocated"] == 1  # the online-only chapter
    assert payload["region"]["title"] == "Meetup network" and "Bay Area" not in str(payload)


def test_months_before_keeps_the_day_or_the_months_last() -> None:
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 6) == datetime(2025, 7, 15, tzinfo=UTC)
    assert months_before(datetime(2025, 8, 31), 6) == datetime(2025, 2, 28)
    assert months_before(datetime(2024, 12, 31), 12) == datetime(2023, 12, 31)


def test_auckland_and_honolulu_sit_together_across_the_antimeridian() -> None:
    centre = central_meridian([AUCKLAND[0], HONOLULU[0]])
    a, b = project(*AUCKLAND, centre), project(*HONOLULU, centre)
    width = WORLD[2] - WORLD[0]
    assert abs(a[0] - b[0]) < 0.1 * width  # neighbours, not at opposite edges
    m = world_map([AUCKLAND, HONOLULU])
    x0, y0, x1, y1 = m["view"]
    assert x1 - x0 < width / 2  # fitted to the Pacific, not the whole world
    for x, y in m["points"]:
        assert x0 < x < x1 and y0 < y < y1


def test_a_worldwide_network_fits_every_chapter_away_from_the_edge() -> None:
    lons = [lon for lon, _ in WORLDWIDE]
    centre = central_meridian(lons)
    assert centre == 150.0  # Auckland is within 10 degrees of Greenwich's antimeridian
    assert central_meridian([0.0, 90.0, -90.0, 170.0]) == 0.0  # the familiar frame when free
    m = world_map(WORLDWIDE)
    assert m["view"] == [round(v, 4) for v in WORLD]
    xs = [x for x, _ in m["points"]]
    margin = project(centre + 170.0, 0, centre)[0]
    assert all(abs(x) < margin for x in xs)  # every chapter 10 degrees or more from the cut


def test_a_network_in_one_metro_is_mapped_close_up() -> None:
    metro = [(-122.42, 37.77), (-122.27, 37.80), (-121.89, 37.34)]  # SF, Oakland, San Jose
    m = world_map(metro)
    x0, y0, x1, y1 = m["view"]
    assert x1 - x0 < 0.3 and y1 - y0 < 0.3  # about a dozen degrees at most
    assert all(x0 < x < x1 and y0 < y < y1 for x, y in m["points"])
    assert m["land"]  # California's coast


def _inside(x: float, y: float, ring: list[float]) -> bool:
    inside = False
    pts = list(zip(ring[::2], ring[1::2], strict=True))
    for (ax, ay), (bx, by) in zip(pts, pts[1:] + pts[:1], strict=True):
        if (ay > y) != (by > y) and x < ax + (y - ay) * (bx - ax) / (by - ay):
            inside = not inside
    return inside


@pytest.mark.parametrize("centre_lon", [150.0, -171.5, 64.0])
def test_land_is_cut_at_the_edge_without_streaks(centre_lon: float) -> None:
    """Rotated land never draws a line across the map (a ring crossing the new edge is
    cut there), and Antarctica, which wraps the pole, still covers the bottom."""
    land = projected_land(centre_lon)
    width = WORLD[2] - WORLD[0]
    assert land
    for ring in land:
        xs = ring[::2]
        assert all(abs(b - a) < 0.25 * width for a, b in pairwise(xs))
    south = project(centre_lon + 10, -85, centre_lon)
    assert any(_inside(*south, ring) for ring in land)
    for lon, lat in ((-140.0, -45.0), (-30.0, 0.0)):  # open sea: South Pacific, Atlantic
        assert not any(_inside(*project(lon, lat, centre_lon), ring) for ring in land)
    for lon, lat in ((20.0, 5.0), (135.0, -25.0), (-100.0, 40.0)):  # Africa, Australia, US
        assert any(_inside(*project(lon, lat, centre_lon), ring) for ring in land)
