"""Sources in any combination, over real HTTP against `meetup-sandbox serve`.

A Pro network alone, named groups alone, several search places alone, and all of them
together; records found by two sources are stored once with both; a network's window is
paged (requests grow with its events, not its chapters); an unknown network is one clear
error. The truth is the sandbox's own network, built in this process from the same seed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from meetup_pipeline.defs.assets.raw import land_window
from meetup_pipeline.meetup.errors import MeetupConfigError
from meetup_pipeline.meetup.resource import MeetupResource
from meetup_pipeline.meetup.sources import SearchSettings, Sources, parse_places
from meetup_pipeline.sandbox.chapters import LEFT_AT
from meetup_pipeline.sandbox.network import NETWORK_URLNAME, build_network
from meetup_pipeline.warehouse.relations import Window
from meetup_pipeline.warehouse.resource import Warehouse
from meetup_pipeline_tests.meetup.test_sandbox_http import NOW, serve  # noqa: F401

START, END = datetime(2020, 7, 1, tzinfo=UTC), datetime(2021, 12, 1, tzinfo=UTC)
NETWORK = f"network:{NETWORK_URLNAME}"
MELBOURNE = "-37.81,144.96,30"
LONDON = "51.51,-0.13,20"
COMMON = {"page_size": 40}
"""Small pages (the network's are 5x, 200) so that a window takes several."""


def coffee_at(*places: str) -> SearchSettings:
    """The keyword search for "coffee" around each 'lat,lon,radius' place."""
    return SearchSettings(("coffee",), places=parse_places(";".join(places)))


@pytest.fixture(scope="module")
def url(serve) -> str:  # noqa: F811
    return serve("--first-cap", "40")


def _truth(urlnames: set[str] | None = None, network_only: bool = False) -> list[str]:
    """Ids of the chapters' events in the window, as the sandbox serves them at NOW."""
    net = build_network(42)
    now = datetime.fromisoformat(NOW).timestamp()
    ids = []
    for e in net.events()[0]:
        group = net.group_of(e.group_index)
        if not START.timestamp() <= e.start_ts < END.timestamp() or not e.visible_at(now):
            continue
        if urlnames is not None and group.urlname not in urlnames:
            continue
        if network_only and not net.member_at(group, e.start_ts):
            continue
        ids.append(e.id)
    return sorted(ids)


def _extract(url: str, sources: Sources):
    return MeetupResource(api_url=url, **COMMON).extract_window(START, END, sources=sources)


def test_a_network_alone_pages_its_window_not_its_chapters(url: str) -> None:
    x = _extract(url, Sources(NETWORK_URLNAME))
    assert sorted(f.model.id for f in x.events) == _truth(network_only=True)
    assert {f.sources for f in x.events} == {(NETWORK,)}
    # 45 listed chapters, and the one that left (its events before leaving are network ones)
    assert len(x.groups) == 46 and not x.rejects
    left = [g for g in x.groups if g.model.city == "Lima"]
    assert left and left[0].sources == (NETWORK,)
    # requests: groups in pages of 200 (1), events in pages of 200, one for the chapter that
    # left; none per chapter
    pages = -(-len(x.events) // 200)
    assert pages > 2 and x.stats.requests <= 1 + (pages + 1) + 1 < 45
    zones = {g.model.id: ZoneInfo(g.model.timezone or "UTC") for g in x.groups}
    for f in x.events:  # the offset printed is the chapter's own on that date, kept as is
        printed = datetime.fromisoformat(f.raw["dateTime"])
        assert printed.utcoffset() == printed.astimezone(zones[f.model.group.id]).utcoffset()


def test_named_groups_alone(url: str) -> None:
    names = {"code-coffee-kathmandu", "code-coffee-honolulu"}
    x = _extract(url, Sources(group_urlnames=(*sorted(names), "no-such-group")))
    assert {g.model.urlname for g in x.groups} == names
    assert [r.payload for r in x.rejects] == [{"urlname": "no-such-group"}]
    assert sorted(f.model.id for f in x.events) == _truth(names)
    assert {f.sources for f in x.events} == {(f"group:{n}",) for n in names}
    offsets = {f.raw["dateTime"][-6:] for f in x.events}
    assert offsets == {"+05:45", "-10:00"}


def test_several_places_alone(url: str) -> None:
    x = _extract(url, Sources(search=coffee_at(MELBOURNE, LONDON)))
    assert {g.model.city for g in x.groups} == {"Melbourne", "London"}
    assert {g.sources for g in x.groups} == {
        (f"search:coffee@{MELBOURNE}",),
        (f"search:coffee@{LONDON}",),
    }
    names = {g.model.urlname for g in x.groups}
    assert sorted(f.model.id for f in x.events) == _truth(names)


def test_all_combined_each_record_once_with_every_source(url: str) -> None:
    named = ("code-coffee-melbourne", "code-coffee-lima")
    x = _extract(url, Sources(NETWORK_URLNAME, named, coffee_at(MELBOURNE)))
    ids = [f.model.id for f in x.events]
    assert len(ids) == len(set(ids))
    everything = set(_truth(network_only=True)) | set(_truth({"code-coffee-lima"}))
    assert set(ids) == everything
    melbourne = {f.sources for f in x.events if f.model.group.urlname == "code-coffee-melbourne"}
    assert melbourne == {("group:code-coffee-melbourne", NETWORK, f"search:coffee@{MELBOURNE}")}
    lima = {
        (f.model.date_time < LEFT_AT, f.sources)
        for f in x.events
        if f.model.group.urlname == "code-coffee-lima"
    }
    assert lima == {
        (True, ("group:code-coffee-lima", NETWORK)),
        (False, ("group:code-coffee-lima",)),
    }


@pytest.fixture
def engine(warehouse_url: URL) -> Iterator[sa.Engine]:
    eng = sa.create_engine(warehouse_url)
    yield eng
    eng.dispose()


def test_the_raw_layer_stores_a_record_once_listing_both_sources(
    url: str, warehouse_url: URL, engine: sa.Engine
) -> None:
    meetup = MeetupResource(api_url=url, **COMMON)
    sources = Sources(NETWORK_URLNAME, (), coffee_at(MELBOURNE))
    warehouse = Warehouse(url=warehouse_url.render_as_string(hide_password=False))
    la = ZoneInfo("America/Los_Angeles")
    window = Window(datetime(2021, 1, 1, tzinfo=la), datetime(2021, 3, 1, tzinfo=la))
    stream = meetup.stream_window(window.start, window.end, sources=sources)
    land_window(warehouse, stream, window, stream.fetched_at, stream.source)
    with engine.connect() as conn:
        events = conn.execute(
            sa.text("SELECT event_id, payload #>> '{group,urlname}', sources FROM raw.raw_events")
        ).all()
        groups = dict(conn.execute(sa.text("SELECT urlname, sources FROM raw.raw_groups")).all())
    assert events and len(events) == len({e[0] for e in events})
    both = [NETWORK, f"search:coffee@{MELBOURNE}"]
    assert {tuple(s) for _, g, s in events if g == "code-coffee-melbourne"} == {tuple(both)}
    assert {tuple(s) for _, g, s in events if g != "code-coffee-melbourne"} == {(NETWORK,)}
    assert groups["code-coffee-melbourne"] == both


def test_an_unknown_network_is_one_clear_error(url: str) -> None:
    with pytest.raises(MeetupConfigError) as err:
        _extract(url, Sources("no-such-network"))
    assert "MEETUP_PRO_NETWORK='no-such-network'" in str(err.value)
    assert "\n" not in str(err.value)
