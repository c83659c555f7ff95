"""Finding the groups of every configured source, and a Pro network's events of a window.

Groups come from a Pro network (``proNetwork.groupsSearch``), named groups
(``groupByUrlname``) and keyword searches (``groupSearch`` per place and keyword), merged by
id: a group found twice is kept once with every source that found it. A network's events of
a window come from ``proNetwork.eventsSearch`` in pages, so their cost grows with the events,
not with the chapters; the client pages the other groups' events one group at a time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from . import queries
from .errors import MeetupConfigError, MeetupPaginationError
from .models import Event, Fetched, Group, Reject
from .sources import (
    Place,
    group_label,
    network_label,
    search_label,
    union,
)

if TYPE_CHECKING:
    from .client import MeetupClient


@dataclass
class Discovery:
    """Every configured source's groups, merged by id, and what could not be read."""

    groups: list[Fetched[Group]] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    network_ids: set[str] = field(default_factory=set)
    """Groups whose events come from the network's ``eventsSearch``, not group by group."""

    def by_id(self) -> dict[str, Fetched[Group]]:
        return {g.model.id: g for g in self.groups}


def network_page_size(client: MeetupClient) -> int:
    """``first`` of the network's searches: 5x the client's page size, at most 1,000 (200
    by default gives 1,000; a test's small pages stay small)."""
    return min(queries.NETWORK_PAGE_CAP, max(client.options.page_size, 1) * 5)


async def _network_groups(client: MeetupClient, urlname: str) -> tuple[str, list[Any]]:
    nodes, _, found = await client._paginate(
        f"proNetwork({urlname!r}).groupsSearch",
        queries.NETWORK_GROUPS,
        {"urlname": urlname},
        _network_field("groupsSearch"),
        queries.GROUP_SELECTION,
        first=network_page_size(client),
    )
    if not found:
        raise MeetupConfigError(
            f"MEETUP_PRO_NETWORK={urlname!r}: the API knows no Pro network by this urlname "
            "(or these credentials cannot see it); use the urlname of meetup.com/pro/<urlname>"
        )
    return network_label(urlname), nodes


def _network_field(name: str) -> Any:
    def connection(data: dict[str, Any]) -> dict[str, Any] | None:
        network = data.get("proNetwork")
        return None if network is None else network.get(name)

    return connection


async def named_group(
    client: MeetupClient, urlname: str, label: str
) -> tuple[str, list[Any], Reject | None]:
    """One group by urlname: its node, or a reject saying it is not found."""
    from .client import _parse

    data = await client.transport.execute(
        f"groupByUrlname({urlname!r})", queries.GROUP_BY_URLNAME, {"urlname": urlname}, 1
    )
    client.stats.pages += 1
    node = data.get("groupByUrlname")
    if node is None:
        reason = "group not found by urlname (deleted, renamed or private?)"
        return label, [], Reject("group", {"urlname": urlname}, reason)
    parsed = _parse(Group, "group", node)
    return label, [node], parsed if isinstance(parsed, Reject) else None


async def _search(
    client: MeetupClient, query: str, place: Place, category: str | None
) -> tuple[str, list[Any]]:
    variables: dict[str, Any] = {
        "query": query,
        "lat": place.lat,
        "lon": place.lon,
        "radius": place.radius_miles,
        "topicCategoryId": category,
    }
    nodes, _, _ = await client._paginate(
        f"groupSearch({query!r} @ {place.label})",
        queries.GROUP_SEARCH,
        variables,
        lambda d: d.get("groupSearch"),
        queries.GROUP_SELECTION,
    )
    return search_label(query, place), nodes


async def discover(client: MeetupClient) -> Discovery:
    """Every source's groups, merged by id with the union of their sources."""
    from .client import _all, _parse

    src = client.sources
    network_jobs = [_network_groups(client, src.network)] if src.network else []
    search_jobs = []
    if src.search is not None:
        for place in src.search.all_places():
            for query in dict.fromkeys(src.search.queries):
                search_jobs.append(_search(client, query, place, src.search.topic_category_id))
    named_jobs = [named_group(client, u, group_label(u)) for u in dict.fromkeys(src.group_urlnames)]
    found = await _all([*network_jobs, *search_jobs])
    named = await _all(named_jobs)
    out = Discovery()
    groups: dict[str, Fetched[Group]] = {}
    rejects: dict[str, Reject] = {}
    network = network_label(src.network) if src.network else None
    for label, nodes in [*found, *((label, nodes) for label, nodes, _ in named)]:
        for node in nodes:
            parsed = _parse(Group, "group", node)
            if isinstance(parsed, Reject):
                rejects.setdefault(str(parsed.payload.get("id")), parsed)
                continue
            gid = parsed.model.id
            known = groups.get(gid)
            sources = union(known.sources if known else (), (label,))
            groups[gid] = replace(known or parsed, sources=sources)
            if label == network:
                out.network_ids.add(gid)
    out.groups = list(groups.values())
    # a group rejected once but parsed from another source's page is not a reject
    out.rejects = [r for rid, r in rejects.items() if rid not in groups]
    out.rejects += [r for _, _, r in named if r is not None and r.record_id not in groups]
    return out


async def network_event_pages(
    client: MeetupClient,
    urlname: str,
    start: datetime,
    end: datetime,
    known: dict[str, Fetched[Group]],
    margin: timedelta,
) -> AsyncIterator[list[Fetched[Event] | Fetched[Group] | Reject]]:
    """The network's events with ``start <= dateTime < end``, page by page, each with the
    network and every source of its group; then the groups of events whose group the
    network no longer lists (a chapter that left), read by urlname, once each."""
    from .client import _iso, _Paging, _parse

    label = network_label(urlname)
    op = f"proNetwork({urlname!r}).eventsSearch"
    variables = {
        "urlname": urlname,
        "eventDateMin": _iso(start - margin),
        "eventDateMax": _iso(end + margin),
        "status": list(client.options.statuses),
    }
    paging = _Paging()
    unlisted: dict[str, str] = {}
    async for nodes in client._pages(
        op,
        queries.NETWORK_EVENTS,
        variables,
        _network_field("eventsSearch"),
        queries.EVENT_SELECTION,
        paging,
        first=network_page_size(client),
    ):
        page = client._event_records(nodes, urlname, None, start, end)
        out: list[Fetched[Event] | Fetched[Group] | Reject] = []
        for record in page:
            if isinstance(record, Fetched):
                group = known.get(record.model.group.id)
                if group is None and record.model.group.urlname:
                    unlisted.setdefault(record.model.group.id, record.model.group.urlname)
                extra = group.sources if group is not None else ()
                record = replace(record, sources=union((label,), extra))
            out.append(record)
        yield out
    if not paging.found:
        raise MeetupConfigError(
            f"MEETUP_PRO_NETWORK={urlname!r}: the API knows no Pro network by this urlname"
        )
    if client.options.verify_totals and paging.total is not None and paging.received < paging.total:
        raise MeetupPaginationError(
            f"{op}: received {paging.received} distinct events but the API counts "
            f"{paging.total}; refusing a silently short result"
        )
    for gid, group_urlname in unlisted.items():
        if gid in known:
            continue
        _, nodes, reject = await named_group(client, group_urlname, label)
        if reject is not None:
            yield [reject]
            continue
        parsed = _parse(Group, "group", nodes[0])
        yield [replace(parsed, sources=(label,)) if isinstance(parsed, Fetched) else parsed]
