"""The sandbox's Pro network: real zones and offsets, paging, membership, errors."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest

from meetup_pipeline.sandbox.chapters import CHAPTERS, LEFT_AT, LEFT_CHAPTER
from meetup_pipeline.sandbox.network import NETWORK_URLNAME

from .conftest import Api, config

EVENTS = """
query($u: ID, $first: Int, $after: String, $min: DateTime, $max: DateTime,
      $status: [String!], $urls: [String!], $desc: Boolean) {
  proNetwork(urlname: $u) {
    eventsSearch(input: {first: $first, after: $after, desc: $desc, filter: {
        eventDateMin: $min, eventDateMax: $max, status: $status, groupUrlnames: $urls}}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id dateTime status eventType group { urlname timezone }
                            venues { name venueType lat lon } } }
    }
  }
}
"""
GROUPS = """
query($u: ID, $first: Int, $after: String, $active: Boolean) {
  proNetwork(urlname: $u) {
    id urlname name status
    groupsSearch(input: {first: $first, after: $after, filter: {activeGroups: $active}}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id urlname city country timezone lat lon } }
    }
  }
}
"""
OFFSET = re.compile(r"(Z|[+-]\d\d:\d\d)$")


def _gql(api: Api, query: str, variables: dict) -> dict:
    response = api.post(query, variables)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def api() -> Api:
    return Api(config())


def _all(api: Api, query: str, conn: str, **variables: Any) -> tuple[list[dict], int, int]:
    """Every node of a paged network connection, the totalCount and the pages it took."""
    nodes: list[dict] = []
    after, pages, total = None, 0, 0
    while True:
        body = _gql(api, query, {"u": NETWORK_URLNAME, "after": after, **variables})
        assert "errors" not in body, body
        page = body["data"]["proNetwork"][conn]
        pages += 1
        total = page["totalCount"]
        nodes += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes, total, pages
        after = page["pageInfo"]["endCursor"]


@pytest.fixture(scope="module")
def decade(api: Api) -> list[dict]:
    nodes, total, pages = _all(
        api, EVENTS, "eventsSearch", first=1000, min="2015-01-01T00:00:00Z",
        max="2024-12-31T23:59:59Z",
    )  # fmt: skip
    assert len(nodes) == total and pages == -(-total // 1000)
    return nodes


def test_forty_chapters_on_twenty_offsets_with_the_hard_ones(decade: list[dict]) -> None:
    assert len(CHAPTERS) >= 40
    offsets = {OFFSET.search(e["dateTime"]).group(1) for e in decade}  # type: ignore[union-attr]
    assert len(offsets) >= 20, sorted(offsets)
    assert {"+05:45", "+13:00", "-10:00", "+03:30", "+14:00", "Z"} <= offsets
    by_zone: dict[str, set[str]] = {}
    for e in decade:
        by_zone.setdefault(e["group"]["timezone"], set()).add(e["dateTime"][-6:])
    # southern-hemisphere DST: two offsets each, summer in January
    assert by_zone["Australia/Sydney"] == {"+10:00", "+11:00"}
    assert by_zone["Australia/Melbourne"] == {"+10:00", "+11:00"}
    assert by_zone["Pacific/Auckland"] == {"+12:00", "+13:00"}
    assert by_zone["America/Santiago"] == {"-04:00", "-03:00"}
    assert by_zone["Asia/Kathmandu"] == {"+05:45"}


def test_events_at_the_first_and_last_minute_of_local_days(decade: list[dict]) -> None:
    def wall(e: dict) -> str:
        return e["dateTime"][11:16]

    for zone in ("Pacific/Tongatapu", "Asia/Kathmandu", "Pacific/Honolulu", "Pacific/Auckland"):
        times = {wall(e) for e in decade if e["group"]["timezone"] == zone}
        assert {"00:00", "23:59"} <= times, zone
    # on the days the clocks change, in both hemispheres: 2019-04-07 (Sydney ends DST,
    # +11 at 00:00, +10 at 23:59), 2019-10-06 (starts), 2019-03-31 (London starts BST)
    days = {(e["group"]["timezone"], e["dateTime"]) for e in decade}
    assert ("Australia/Sydney", "2019-04-07T00:00:00+11:00") in days
    assert ("Australia/Sydney", "2019-04-07T23:59:00+10:00") in days
    assert ("Australia/Sydney", "2019-10-06T00:00:00+10:00") in days
    assert ("Australia/Sydney", "2019-10-06T23:59:00+11:00") in days
    assert ("Europe/London", "2019-03-31T00:00:00Z") in days
    assert ("Europe/London", "2019-03-31T23:59:00+01:00") in days


def test_online_placeholders_and_cancelled_events(decade: list[dict]) -> None:
    online = [e for e in decade if e["eventType"] == "ONLINE"]
    assert online and all(
        e["venues"] == [{"name": "Online event", "venueType": "online", "lat": -8.521147,
                         "lon": 179.1962}]
        for e in online
    )  # fmt: skip
    assert {"PAST", "CANCELLED"} <= {e["status"] for e in decade}


def test_pages_join_without_gaps_or_repeats_both_ways(api: Api, decade: list[dict]) -> None:
    window = {"min": "2019-01-01T00:00:00+13:00", "max": "2019-03-01T00:00:00-10:00"}
    small, total, pages = _all(api, EVENTS, "eventsSearch", first=37, **window)
    assert pages > 3 and len(small) == total == len({e["id"] for e in small})
    lo, hi = (datetime.fromisoformat(window[k]) for k in ("min", "max"))
    expected = [e["id"] for e in decade if lo <= datetime.fromisoformat(e["dateTime"]) <= hi]
    assert [e["id"] for e in small] == expected
    backwards, _, _ = _all(api, EVENTS, "eventsSearch", first=50, desc=True, **window)
    assert [e["id"] for e in backwards] == expected[::-1]
    cancelled, _, _ = _all(api, EVENTS, "eventsSearch", first=200, status=["CANCELLED"], **window)
    assert cancelled and {e["status"] for e in cancelled} == {"CANCELLED"}


def test_a_chapter_that_left_keeps_its_network_past(api: Api) -> None:
    listed, total, pages = _all(api, GROUPS, "groupsSearch", first=10)
    assert pages == 5 and total == len(listed) == len(CHAPTERS) - 1
    cities = {g["city"] for g in listed}
    assert LEFT_CHAPTER not in cities
    left, _, _ = _all(api, GROUPS, "groupsSearch", first=10, active=False)
    assert [g["city"] for g in left] == [LEFT_CHAPTER]
    urlname = left[0]["urlname"]
    ours, _, _ = _all(api, EVENTS, "eventsSearch", first=500, urls=[urlname])
    assert ours and all(datetime.fromisoformat(e["dateTime"]) < LEFT_AT for e in ours)
    group = _gql(
        api,
        "query($u: String!) { groupByUrlname(urlname: $u) { events(first: 5, filter: "
        '{afterDateTime: "2022-01-01T00:00:00Z", status: [PAST]}) { totalCount } } }',
        {"u": urlname},
    )
    assert group["data"]["groupByUrlname"]["events"]["totalCount"] > 0  # it still meets


def test_an_unknown_network_is_null_like_a_missing_group(api: Api) -> None:
    body = _gql(api, GROUPS, {"u": "no-such-network", "first": 5})
    assert body == {"data": {"proNetwork": None}}
    bad = _gql(api, EVENTS, {"u": NETWORK_URLNAME, "first": 5, "min": "2019-01-01"})
    assert "data" not in bad and "ZonedDateTime" in bad["errors"][0]["message"]
