"""`proNetwork(urlname:|id:)` with `groupsSearch` and `eventsSearch`, as the live API pages them.

- An unknown network is `{"data": {"proNetwork": null}}`: the field is nullable, like
  `groupByUrlname` (a missing group is `null` on the live API; no recording shows an
  unknown network, so the sandbox answers the same way).
- Page sizes: `input.first`, default 20, capped at five times the sandbox's `first_cap`
  (1000 by default: public clients page networks with `first: 1000`, and a recording shows
  247 chapters in one such page).
- Cursors: base64 of the sort key, `"[['<epochMillis>'],['<id>']]"` (the recorded shape);
  a cursor resumes after its key, so a cursor whose record has gone still works.
- `groupsSearch`: the chapters now (founded, not left), newest founded first (`desc` and
  `sort` accepted and ignored); `activeGroups: false` lists the ones that left instead.
  `totalCount` is the real total (recorded: 247).
- `eventsSearch`: every chapter's events with `eventDateMin <= dateTime <= eventDateMax`
  (both bounds inclusive, as "earliest/latest time an event starts" says), ascending by
  `dateTime` then id (`desc: true` reverses; `sort` is accepted and ignored). `status` is a
  list of strings: event statuses (`PAST`, `ACTIVE`, `CANCELLED`; `UPCOMING` is read as
  `ACTIVE`); absent, every status. Also filtered: `groupIds`, `groupUrlnames`,
  `excludedGroupIds`, `isOnlineEvent`, `country`, `title`; other filter fields are
  accepted and ignored. Only events announced by "now" are visible (like `Group.events`),
  and an event of a chapter that left counts while it started before the chapter left.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from meetup_pipeline.sandbox.network import Network
from meetup_pipeline.sandbox.paging import b64, page_info, page_size, unb64
from meetup_pipeline.sandbox.resolvers import Context
from meetup_pipeline.sandbox.world import SimEvent, SimGroup

STATUS_ALIASES = {"UPCOMING": "ACTIVE"}


def _cursor(millis: int, record_id: str) -> str:
    return b64(f"[['{millis}'],['{record_id}']]")


def _after_key(after: str) -> tuple[int, str]:
    raw = unb64(after)
    parts = raw.replace("[", "").replace("]", "").replace("'", "").split(",")
    if len(parts) != 2 or not parts[0].strip().lstrip("-").isdigit():
        raise GraphQLError(f"Invalid cursor: {after}")
    return int(parts[0]) // 1000, parts[1].strip()


def _network(ctx: Context, urlname: str | None, id: str | None) -> Network | None:
    net = ctx.network
    if net is None:
        return None
    if urlname is not None and urlname.lower() == net.urlname:
        return net
    if id is not None and str(id) == net.id:
        return net
    return None


def q_pro_network(
    _: Any, info: GraphQLResolveInfo, urlname: str | None = None, id: str | None = None
) -> Network | None:
    return _network(info.context, urlname, id)


def _page(
    items: list[Any],
    keys: list[tuple[int, str]],
    input: dict[str, Any],
    ctx: Context,
) -> dict[str, Any]:
    """One page of `items` (sorted by `keys` in the requested direction)."""
    size = page_size(input.get("first"), ctx.first_cap * 5)
    pos = 0
    if input.get("after"):
        key = _after_key(input["after"])
        if input.get("desc"):
            # keys are descending here: the first index whose key is below the cursor's
            pos = next((i for i, k in enumerate(keys) if k < key), len(keys))
        else:
            pos = bisect_right(keys, key)
    page = items[pos : pos + size]
    page_keys = keys[pos : pos + size]
    edges = [
        {"cursor": _cursor(k[0] * 1000, k[1]), "node": item}
        for k, item in zip(page_keys, page, strict=True)
    ]
    has_next = pos + len(page) < len(items)
    return {
        "edges": edges,
        "totalCount": len(items),
        "pageInfo": page_info(
            has_next,
            edges[0]["cursor"] if edges else None,
            edges[-1]["cursor"] if edges else None,
            pos > 0,
        ),
    }


def _group_filter(flt: dict[str, Any]) -> Any:
    ids = {str(i) for i in flt.get("groupIds") or ()}
    urlnames = {u.lower() for u in flt.get("groupUrlnames") or ()}
    excluded = {str(i) for i in flt.get("excludedGroupIds") or ()}
    country = (flt.get("country") or "").lower()

    def keep(g: SimGroup) -> bool:
        return (
            (not ids or g.id in ids)
            and (not urlnames or g.urlname.lower() in urlnames)
            and g.id not in excluded
            and (not country or (g.country or "") == country)
        )

    return keep


def n_groups_search(net: Network, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict:
    ctx: Context = info.context
    now_ts = ctx.now_ts
    flt = input.get("filter") or {}
    keep = _group_filter(flt)
    name = (flt.get("name") or flt.get("query") or "").lower()
    active = flt.get("activeGroups")
    chosen = [
        g
        for g in net.groups
        if g.exists_at(now_ts)
        and (net.member_at(g, now_ts) if active is not False else not net.member_at(g, now_ts))
        and keep(g)
        and (not name or name in g.name.lower())
    ]
    chosen.sort(key=lambda g: (g.founded_ts, g.id), reverse=True)
    keys = [(g.founded_ts, g.id) for g in chosen]
    return _page(chosen, keys, {**input, "desc": True}, ctx)


def _statuses(flt: dict[str, Any]) -> set[str] | None:
    raw = flt.get("status")
    if not raw:
        return None
    return {STATUS_ALIASES.get(s.upper(), s.upper()) for s in raw}


def n_events_search(net: Network, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict:
    ctx: Context = info.context
    now_ts = ctx.now_ts
    flt = input.get("filter") or {}
    keep = _group_filter(flt)
    statuses = _statuses(flt)
    online = flt.get("isOnlineEvent")
    title = (flt.get("title") or "").lower()
    events, starts = net.events()
    lo, hi = 0, len(events)
    if flt.get("eventDateMin") is not None:
        lo = bisect_left(starts, math.ceil(flt["eventDateMin"].timestamp()))
    if flt.get("eventDateMax") is not None:
        hi = bisect_right(starts, flt["eventDateMax"].timestamp())
    groups: dict[int, tuple[SimGroup, bool]] = {}
    matches: list[SimEvent] = []
    for e in events[lo:hi]:
        if not e.visible_at(now_ts):
            continue
        entry = groups.get(e.group_index)
        if entry is None:
            g = net.group_of(e.group_index)
            entry = groups[e.group_index] = (g, keep(g))
        group, kept = entry
        if not kept or not net.member_at(group, e.start_ts):
            continue
        if statuses is not None and e.status_at(now_ts) not in statuses:
            continue
        if online is not None and (e.event_type == "ONLINE") != bool(online):
            continue
        if title and title not in e.title.lower():
            continue
        matches.append(e)
    keys = [(e.start_ts, e.id) for e in matches]
    if input.get("desc"):
        matches.reverse()
        keys.reverse()
    return _page(matches, keys, input, ctx)


BINDINGS: dict[str, dict[str, Any]] = {
    "Query": {"proNetwork": q_pro_network},
    "ProNetwork": {
        "groupsSearch": n_groups_search,
        "eventsSearch": n_events_search,
        "link": lambda n, i: n.link,
        "status": lambda n, i: "ACTIVE",
    },
}
