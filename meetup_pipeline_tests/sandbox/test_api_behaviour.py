"""The live API's behaviours, point by point, on the in-process sandbox."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

import pytest

from meetup_pipeline.sandbox.catalog import DEFAULT_QUERIES, SEARCH_CENTRE
from meetup_pipeline.sandbox.timefmt import PACIFIC
from meetup_pipeline.sandbox.world import ONLINE_VENUE, SimGroup, World

from .conftest import EVENTS_QUERY, NOW, SEARCH_QUERY, Api, config

ALL = ["PAST", "ACTIVE", "CANCELLED"]
LAT, LON = SEARCH_CENTRE


def _busiest(world: World) -> SimGroup:
    now_ts = NOW.timestamp()
    return max(
        (g for g in world.groups if g.exists_at(now_ts) and not g.closed_at(now_ts)),
        key=lambda g: len(world.all_events(g)[0]),
    )


def _events(api: Api, urlname: str, **variables: object) -> dict:
    data = api.data(EVENTS_QUERY, {"urlname": urlname, **variables})
    return data["groupByUrlname"]["events"]


# --- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        '{ groupByUrlname(urlname: "x") { events(filter: {status: [UPCOMING]}) { totalCount } } }',
        '{ groupByUrlname(urlname: "x") { id displayPhoto } }',
        '{ event(id: "1") { venue { id } } }',
        '{ groupByUrlname(urlname: "x") { events(filter: {afterDateTime: "2023-01-01"}) '
        "{ totalCount } } }",
        "{ groupByUrlname(urlname: ",
    ],
)
def test_invalid_queries_are_200_with_errors_and_no_data(api: Api, query: str) -> None:
    response = api.post(query)
    assert response.status_code == 200
    body = response.json()
    assert "data" not in body
    assert body["errors"] and all(isinstance(e["message"], str) for e in body["errors"])


@pytest.mark.parametrize("value", ["2023-01-01", "2023-01-01T00:00:00", "yesterday", "12"])
def test_datetime_without_offset_is_rejected(api: Api, world: World, value: str) -> None:
    response = api.post(EVENTS_QUERY, {"urlname": world.groups[0].urlname, "from": value})
    body = response.json()
    assert response.status_code == 200 and "data" not in body
    assert f"Failed to parse input value {value} as ZonedDateTime" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    "value", ["2023-01-01T00:00:00-08:00", "2023-01-01T08:00:00Z", "2023-01-01T08:00:00.000+00:00"]
)
def test_datetime_with_offset_is_accepted(api: Api, world: World, value: str) -> None:
    events = _events(api, world.groups[0].urlname, **{"from": value, "status": ALL})
    assert events["totalCount"] >= 0


def test_upcoming_variable_is_rejected(api: Api, world: World) -> None:
    body = api.post(
        EVENTS_QUERY, {"urlname": world.groups[0].urlname, "status": ["UPCOMING"]}
    ).json()
    assert "data" not in body and "UPCOMING" in body["errors"][0]["message"]


def test_resolver_errors_come_beside_data(api: Api, world: World) -> None:
    bad_cursor = _raw_events(api, world.groups[0].urlname, after="not-a-cursor!")
    assert bad_cursor["data"] == {"groupByUrlname": None}
    assert "Invalid cursor" in bad_cursor["errors"][0]["message"]
    assert bad_cursor["errors"][0]["path"] == ["groupByUrlname", "events"]
    search = api.post(SEARCH_QUERY, {"q": "x", "lat": 0.0, "lon": 0.0, "after": "bm9wZQ=="})
    assert search.json()["data"] is None and search.json()["errors"]


def _raw_events(api: Api, urlname: str, **variables: object) -> dict:
    return api.post(EVENTS_QUERY, {"urlname": urlname, **variables}).json()


def test_missing_group_is_null(api: Api) -> None:
    assert api.data(EVENTS_QUERY, {"urlname": "no-such-group-anywhere"}) == {"groupByUrlname": None}


def test_gql_endpoint_is_retired(api: Api) -> None:
    response = api.request("POST", "/gql", json={"query": "{ self { id } }"})
    assert response.status_code == 503
    assert "gql-ext" in response.json()["errors"][0]["message"]


def test_malformed_json_body_is_400(api: Api) -> None:
    response = api.request(
        "POST", "/gql-ext", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400


def test_healthz(api: Api) -> None:
    assert api.request("GET", "/healthz").json()["status"] == "ok"


# --- events -----------------------------------------------------------------------------


def test_without_status_only_upcoming_events_come(api: Api, world: World) -> None:
    group = _busiest(world)
    events = _events(api, group.urlname, first=200)
    assert events["edges"]
    for edge in events["edges"]:
        assert edge["node"]["status"] == "ACTIVE"
        assert datetime.fromisoformat(edge["node"]["dateTime"]) >= NOW
        assert datetime.fromisoformat(edge["node"]["dateTime"]) <= NOW + timedelta(days=90)


def test_events_ascending_and_desc_on_request(api: Api, world: World) -> None:
    urlname = _busiest(world).urlname
    asc = _events(api, urlname, first=200, status=["PAST"])["edges"]
    desc = _events(api, urlname, first=200, status=["PAST"], sort="DESC")["edges"]
    times = [datetime.fromisoformat(e["node"]["dateTime"]) for e in asc]
    assert times == sorted(times) and len(times) == 200
    desc_times = [datetime.fromisoformat(e["node"]["dateTime"]) for e in desc]
    assert desc_times == sorted(desc_times, reverse=True)
    assert desc_times[0] < NOW


def test_paging_is_complete_without_duplicates(api: Api, world: World) -> None:
    group = _busiest(world)
    window = {"from": "2019-01-01T00:00:00-08:00", "to": "2024-01-01T00:00:00-08:00"}
    seen: list[str] = []
    after = None
    while True:
        page = _events(api, group.urlname, first=37, after=after, status=ALL, **window)
        seen += [e["node"]["id"] for e in page["edges"]]
        assert page["totalCount"] > 37  # the real total, not the page size
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    expected = world.events_for_group(
        group.id, datetime(2019, 1, 1, tzinfo=PACIFIC), datetime(2024, 1, 1, tzinfo=PACIFIC), NOW
    )
    assert seen == [e.id for e in expected]
    assert len(set(seen)) == len(seen) == page["totalCount"]


def test_first_defaults_to_20(api: Api, world: World) -> None:
    events = _events(api, _busiest(world).urlname, status=ALL)
    assert len(events["edges"]) == 20 and events["pageInfo"]["hasNextPage"]


def test_first_is_capped_at_200(api: Api, world: World) -> None:
    events = _events(api, _busiest(world).urlname, first=1000, status=ALL)
    assert len(events["edges"]) == 200 and events["pageInfo"]["hasNextPage"]
    assert events["totalCount"] > 200


def test_window_start_inclusive_end_exclusive(api: Api, world: World) -> None:
    now_ts = NOW.timestamp()
    midnight = next(
        e
        for g in world.groups
        for e in world.all_events(g)[0]
        if e.visible_at(now_ts) and e.date_time.hour == 0 and e.date_time.minute == 0
    )
    group = world.groups[midnight.group_index]
    at = midnight.date_time
    day_after = [
        e["node"]["id"]
        for e in _events(
            api,
            group.urlname,
            first=200,
            status=ALL,
            **{"from": at.isoformat(), "to": (at + timedelta(days=1)).isoformat()},
        )["edges"]
    ]
    day_before = [
        e["node"]["id"]
        for e in _events(
            api,
            group.urlname,
            first=200,
            status=ALL,
            **{"from": (at - timedelta(days=1)).isoformat(), "to": at.isoformat()},
        )["edges"]
    ]
    assert midnight.id in day_after and midnight.id not in day_before


def test_formats_offsets_and_online_venue(api: Api, world: World) -> None:
    group = _busiest(world)
    nodes = [
        e["node"]
        for e in _events(
            api, group.urlname, first=200, status=ALL, **{"from": "2020-06-01T00:00:00-07:00"}
        )["edges"]
    ]
    for node in nodes:
        local = datetime.fromisoformat(node["dateTime"])
        assert node["dateTime"] == local.astimezone(PACIFIC).isoformat(timespec="seconds")
        created = datetime.fromisoformat(node["createdTime"])
        assert created.utcoffset() in (timedelta(hours=-4), timedelta(hours=-5))
        assert created < local
        for venue in node["venues"]:
            assert venue["country"] in ("us", "")
    online = [n for n in nodes if n["eventType"] == "ONLINE"]
    hybrid = [n for n in nodes if n["eventType"] == "HYBRID"]
    assert online or hybrid
    placeholder = {
        "id": ONLINE_VENUE.id,
        "name": "Online event",
        "country": "",
        "venueType": "online",
        "lat": -8.521147,
        "lon": 179.1962,
    }
    for node in online:
        assert node["venues"] == [placeholder]
    for node in hybrid:
        assert node["venues"][-1] == placeholder and node["venues"][0]["venueType"] == ""


def test_event_fields_and_lookup_by_id(api: Api, world: World) -> None:
    group = _busiest(world)
    event = world.events_for_group(
        group.id, datetime(2023, 1, 1, tzinfo=PACIFIC), datetime(2024, 1, 1, tzinfo=PACIFIC), NOW
    )[0]
    query = """query ($id: ID!) { event(id: $id) { id token title eventUrl status eventType
      duration dateTime endTime maxTickets group { id urlname }
      rsvps { totalCount yesCount waitlistCount attendedCount noShowCount }
      feeSettings { required amount currency } topics { totalCount edges { node { id name } } }
    } }"""
    node = api.data(query, {"id": event.id})["event"]
    assert node["id"] == event.id and node["group"]["urlname"] == group.urlname
    assert node["eventUrl"] == f"https://www.meetup.com/{group.urlname}/events/{event.id}/"
    end = datetime.fromisoformat(node["endTime"]) - datetime.fromisoformat(node["dateTime"])
    assert end == timedelta(minutes=event.duration_min)
    rsvps = node["rsvps"]
    if node["status"] == "PAST":
        assert rsvps["attendedCount"] + rsvps["noShowCount"] == rsvps["yesCount"]
    assert rsvps["totalCount"] >= rsvps["yesCount"] + rsvps["waitlistCount"]
    assert api.data(query, {"id": "999999999999"})["event"] is None


def test_future_event_not_yet_announced_is_invisible(api: Api, world: World) -> None:
    group = _busiest(world)
    later = world.events_for_group(group.id, NOW + timedelta(days=120), NOW + timedelta(days=400))
    assert later
    assert api.data("query ($id: ID!) { event(id: $id) { id } }", {"id": later[0].id}) == {
        "event": None
    }


def test_status_follows_now(world: World) -> None:
    group = _busiest(world)
    event = world.events_for_group(
        group.id, datetime(2024, 3, 1, tzinfo=PACIFIC), datetime(2024, 6, 1, tzinfo=PACIFIC)
    )[0]
    query = "query ($id: ID!) { event(id: $id) { status } }"
    before = Api(config(now=event.date_time - timedelta(days=1))).data(query, {"id": event.id})
    after = Api(config(now=event.date_time + timedelta(days=1))).data(query, {"id": event.id})
    expected_before = "CANCELLED" if event.cancelled else "ACTIVE"
    assert before["event"]["status"] == expected_before
    assert after["event"]["status"] == ("CANCELLED" if event.cancelled else "PAST")


def test_dst_crossing_event_changes_offset(api: Api, world: World) -> None:
    now_ts = NOW.timestamp()
    event = next(
        e
        for g in world.groups
        for e in world.all_events(g)[0]
        if e.visible_at(now_ts) and e.duration_min == 300 and e.date_time.hour == 22
    )
    node = api.data("query ($id: ID!) { event(id: $id) { dateTime endTime } }", {"id": event.id})[
        "event"
    ]
    assert node["dateTime"][-6:] != node["endTime"][-6:]


# --- groups and search ------------------------------------------------------------------


def test_group_fields(api: Api, world: World) -> None:
    group = _busiest(world)
    query = """query ($u: String!) { groupByUrlname(urlname: $u) { id urlname country state
      city zip lat lon timezone status joinMode isPrivate memberships { totalCount }
      stats { memberCounts { all } } topicCategory { id name urlkey }
      activeTopics { id name urlkey } organizer { id name } } }"""
    node = api.data(query, {"u": group.urlname.upper()})["groupByUrlname"]  # case-insensitive
    assert node["urlname"] == group.urlname and node["country"] == "us"
    assert node["timezone"] == "America/Los_Angeles" and node["status"] == "PAID"
    assert node["memberships"]["totalCount"] == node["stats"]["memberCounts"]["all"] > 0
    assert any(t["id"] == "20246" or "Dating" in t["name"] for t in node["activeTopics"])
    assert node["topicCategory"]["id"] in {"30", "31", "12", "23", "5"}


def test_member_counts_grow_with_now(world: World) -> None:
    group = world.groups[3]
    query = "query ($u: String!) { groupByUrlname(urlname: $u) { memberships { totalCount } } }"
    founded = datetime.fromtimestamp(group.founded_ts, PACIFIC)
    counts = [
        Api(config(now=founded + timedelta(days=d))).data(query, {"u": group.urlname})[
            "groupByUrlname"
        ]["memberships"]["totalCount"]
        for d in (30, 400, 1500)
    ]
    assert counts[0] < counts[1] <= counts[2]
    early = Api(config(now=founded - timedelta(days=1))).data(query, {"u": group.urlname})
    assert early == {"groupByUrlname": None}  # not founded yet


def _search(api: Api, q: str, **kw: object) -> list[dict]:
    variables = {"q": q, "lat": LAT, "lon": LON, "radius": 35.0, "first": 200, **kw}
    return [e["node"] for e in api.data(SEARCH_QUERY, variables)["groupSearch"]["edges"]]


@pytest.mark.parametrize("query", DEFAULT_QUERIES)
def test_each_default_query_finds_every_open_group_in_radius(
    api: Api, world: World, query: str
) -> None:
    expected = {
        g.id for g in world.groups if world.searchable(g, NOW) and world.in_default_radius(g)
    }
    found = {n["id"] for n in _search(api, query)}
    assert found == expected
    assert 100 <= len(expected) < len(world.groups)


def test_closed_and_far_groups_are_not_found_but_readable(api: Api, world: World) -> None:
    closed = [g for g in world.groups if g.closed_at(NOW.timestamp())]
    far = [g for g in world.groups if not world.in_default_radius(g)]
    assert closed and far
    found = {n["id"] for n in _search(api, "dating", radius=100.0)}
    assert not found & {g.id for g in closed}
    assert {g.id for g in far if world.searchable(g, NOW)} <= found
    query = "query ($u: String!) { groupByUrlname(urlname: $u) { status } }"
    status = api.data(query, {"u": closed[0].urlname})["groupByUrlname"]["status"]
    assert status in {"FROZEN", "DEAD", "ORG_CLOSED"}


def test_search_is_fuzzy_and_ranked(api: Api) -> None:
    typo = _search(api, "speeed datng")  # one edit away from "speed dating"
    assert typo and "speed dating" in typo[0]["name"].lower()
    speed = _search(api, "speed dating")
    assert "speed" in speed[0]["name"].lower()
    assert _search(api, "xylophone quantum") == []


def test_search_radius_in_miles(api: Api) -> None:
    from meetup_pipeline.sandbox.world import miles

    sf = (37.7749, -122.4194)
    near = _search(api, "singles", lat=sf[0], lon=sf[1], radius=5.0)
    assert near and all(miles(*sf, n["lat"], n["lon"]) <= 5.0 for n in near)
    assert len(near) < len(_search(api, "singles", lat=sf[0], lon=sf[1], radius=60.0))


def test_search_category_filter(api: Api) -> None:
    hikes = _search(api, "singles", cat="23")
    assert hikes and all(
        "hik" in n["name"].lower() or "trail" in n["name"].lower() or "outdoor" in n["name"].lower()
        for n in hikes
    )


def test_search_paging_and_totalcount_quirk(api: Api) -> None:
    everything = _search(api, "dating")
    collected, after = [], None
    while True:
        variables = {
            "q": "dating",
            "lat": LAT,
            "lon": LON,
            "radius": 35.0,
            "first": 15,
            "after": after,
        }
        page = api.data(SEARCH_QUERY, variables)["groupSearch"]
        assert page["totalCount"] == len(page["edges"])  # the page, not all matches
        collected += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert base64.b64decode(after).decode() == str(len(collected))
    assert collected == everything


def test_topic_categories(api: Api) -> None:
    data = api.data("{ topicCategories { edges { node { id name urlkey } } } }")
    ids = {e["node"]["id"] for e in data["topicCategories"]["edges"]}
    assert {"30", "31"} <= ids


@pytest.mark.parametrize(
    "start,end",
    [
        (datetime(2024, 2, 1, tzinfo=PACIFIC), datetime(2024, 3, 1, tzinfo=PACIFIC)),
        (NOW - timedelta(days=10), NOW + timedelta(days=120)),  # past, upcoming and unannounced
    ],
)
def test_events_between_agrees_with_the_api(
    api: Api, world: World, start: datetime, end: datetime
) -> None:
    """The pipeline's oracle: search with the default queries, then every group's window."""
    groups = {n["urlname"]: n["id"] for q in DEFAULT_QUERIES for n in _search(api, q)}
    from_api: list[str] = []
    for urlname in groups:
        after = None
        while True:
            page = _events(
                api,
                urlname,
                first=200,
                after=after,
                status=ALL,
                **{"from": start.isoformat(), "to": end.isoformat()},
            )
            from_api += [e["node"]["id"] for e in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
    oracle = world.events_between(start, end, NOW, group_ids=groups.values())
    assert sorted(from_api) == sorted(e.id for e in oracle) and len(oracle) > 100
    assert len(world.events_between(start, end, NOW)) > len(oracle)  # closed and far groups


def test_same_request_same_bytes() -> None:
    body = {"query": SEARCH_QUERY, "variables": {"q": "dating", "lat": LAT, "lon": LON}}
    one = Api(config()).request("POST", "/gql-ext", json=body).content
    two = Api(config()).request("POST", "/gql-ext", json=body).content
    other = Api(config(seed=7)).request("POST", "/gql-ext", json=body).content
    assert one == two and one != other


def test_default_transport_uses_the_wall_clock(world: World) -> None:
    from meetup_pipeline.sandbox.timefmt import utc_now

    from .conftest import run_inprocess

    group = _busiest(world)
    body = {"query": EVENTS_QUERY, "variables": {"urlname": group.urlname, "first": 5}}
    before = utc_now()
    (response,) = run_inprocess(None, [body])  # the default config: wall clock
    edges = response.json()["data"]["groupByUrlname"]["events"]["edges"]
    assert edges and all(datetime.fromisoformat(e["node"]["dateTime"]) >= before for e in edges)
