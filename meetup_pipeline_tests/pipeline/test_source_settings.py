"""`MEETUP_PRO_NETWORK`, `MEETUP_GROUP_URLNAMES`, `MEETUP_SEARCH_PLACES`: read, validated in
one line each, and wired; the Bay Area search applies only when no source is configured."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from meetup_pipeline.defs.resources import SandboxMeetupResource, meetup_resource_from_env
from meetup_pipeline.meetup.sources import Sources
from meetup_pipeline.preflight import PreflightError, check_region
from meetup_pipeline.settings import SettingsError
from meetup_pipeline.settings.region import DEFAULT_QUERIES, RegionSettings, parse_region


def test_the_default_search_only_without_any_source() -> None:
    assert parse_region({}).search and parse_region({}).queries == DEFAULT_QUERIES
    network = parse_region({"MEETUP_PRO_NETWORK": "rladies"})
    assert network.pro_network == "rladies" and not network.search
    named = parse_region({"MEETUP_GROUP_URLNAMES": " a-b , c_d,a-b "})
    assert named.group_urlnames == ("a-b", "c_d") and not named.search
    both = parse_region({"MEETUP_PRO_NETWORK": "rladies", "MEETUP_SEARCH_QUERIES": "python"})
    assert both.search and both.queries == ("python",)
    places = parse_region({"MEETUP_SEARCH_PLACES": "37.42,-122.17,35; 51.5,-0.12,20;"})
    assert places.search and places.places == ((37.42, -122.17, 35.0), (51.5, -0.12, 20.0))
    search = places.sources().search
    assert search is not None and [p.label for p in search.all_places()] == [
        "37.42,-122.17,35",
        "51.5,-0.12,20",
    ]
    assert network.sources() == Sources("rladies", (), None)  # the client asks for it alone


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MEETUP_PRO_NETWORK": "r ladies"}, "MEETUP_PRO_NETWORK='r ladies' is not a network"),
        ({"MEETUP_GROUP_URLNAMES": "ok,../x"}, "MEETUP_GROUP_URLNAMES: '../x' is not a group"),
        ({"MEETUP_GROUP_URLNAMES": " , "}, "MEETUP_GROUP_URLNAMES: no urlname"),
        ({"MEETUP_SEARCH_PLACES": "37.4,-122.1"}, "MEETUP_SEARCH_PLACES: '37.4,-122.1' is not"),
        ({"MEETUP_SEARCH_PLACES": "95,0,10"}, "MEETUP_SEARCH_PLACES: '95,0,10' is out of range"),
        (
            {"MEETUP_SEARCH_PLACES": "1,2,3", "MEETUP_SEARCH_LAT": "1"},
            "MEETUP_SEARCH_PLACES replaces MEETUP_SEARCH_LAT",
        ),
    ],
)
def test_a_bad_source_is_one_line_naming_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as err:
        parse_region(env)
    assert message in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(PreflightError) as pre:
        check_region(env)
    assert str(err.value) == pre.value.message


def test_a_network_and_no_credentials_extract_the_sandbox_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for var in ("MEETUP_API_URL", "MEETUP_ACCESS_TOKEN", "MEETUP_CLIENT_ID"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MEETUP_PRO_NETWORK", "rladies")
    meetup = meetup_resource_from_env()
    assert "Pro network rladies" in check_region() and "keyword" not in check_region()
    assert isinstance(meetup, SandboxMeetupResource)
    sources = RegionSettings.from_environ().sources()  # as the extracting assets do
    window = (datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 3, 8, tzinfo=UTC))
    x = meetup.extract_window(*window, sources=sources)
    assert len(x.groups) >= 40 and x.events
    assert {f.sources for f in x.events} == {("network:rladies",)}
