"""Resolvers binding `schema.graphql` to the simulated world, with the live API's quirks.

- `Group.events`: without a status filter only upcoming (ACTIVE) events; window
  `afterDateTime <= dateTime < beforeDateTime`; ascending by dateTime (DESC on request);
  `totalCount` is the real total; cursors are base64 of `"<eventId>:<epochMillis>"`.
- `groupSearch`: cursors are base64 of an offset (`MjAw` = "200"); `totalCount` is the
  number of edges in the page, not all matches (observed on the live API).
- `first`: default 20, capped at `first_cap` (200): larger values are silently clamped.
- `dateTime`/`endTime` in the group's offset; `createdTime` in US Eastern; `foundedDate` in
  the group's own offset (every recorded group shows its local offset, although the shared
  README says Eastern; the recordings win). Country codes are lower case.
- RSVP edges are always empty (no member data); counts are in `yesCount` etc.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from graphql import GraphQLError, GraphQLResolveInfo, GraphQLSchema, build_schema
from graphql.language import StringValueNode

from meetup_pipeline.sandbox import catalog
from meetup_pipeline.sandbox.network import INDEX_BASE, Network
from meetup_pipeline.sandbox.paging import (
    after_position,
    b64,
    event_cursor,
    page_info,
    page_size,
    unb64,
)
from meetup_pipeline.sandbox.search import search_groups
from meetup_pipeline.sandbox.timefmt import (
    EASTERN,
    DateTimeParseError,
    iso,
    iso_duration,
    parse_zoned,
)
from meetup_pipeline.sandbox.world import SimEvent, SimGroup, SimVenue, World

SCHEMA_PATH = Path(__file__).with_name("schema.graphql")
PHOTO_BASE = "https://secure-content.meetupstatic.com/images/classic-events/"


@dataclass
class Context:
    """Per-request state handed to every resolver."""

    world: World
    now: datetime
    first_cap: int = 200
    duplicate_edges: bool = False
    repeat_cursor: bool = False
    network: Network | None = None
    """The Pro network every sandbox serves beside its world (`network.py`)."""

    @property
    def now_ts(self) -> float:
        return self.now.timestamp()

    def owner(self, group_index: int) -> World | Network:
        """Where a group (by index) lives: the region's world, or the network."""
        if group_index >= INDEX_BASE and self.network is not None:
            return self.network
        return self.world

    def group_at(self, group_index: int) -> SimGroup:
        if group_index >= INDEX_BASE and self.network is not None:
            return self.network.group_of(group_index)
        return self.world.groups[group_index]

    def zone_of(self, group_index: int, zone: tzinfo) -> tzinfo:
        """A chapter's own zone; the world's groups all share the region's."""
        return zone if group_index >= INDEX_BASE else self.world.region.zone


# --- Query -------------------------------------------------------------------------------


def q_group_by_urlname(_: Any, info: GraphQLResolveInfo, urlname: str) -> SimGroup | None:
    ctx: Context = info.context
    group = ctx.world.group_by_urlname(urlname)
    if group is None and ctx.network is not None:
        group = ctx.network.group_by_urlname(urlname)
    return group if group is not None and group.exists_at(ctx.now_ts) else None


def q_group(_: Any, info: GraphQLResolveInfo, id: str) -> SimGroup | None:
    ctx: Context = info.context
    group = ctx.world.group_by_id(id)
    if group is None and ctx.network is not None:
        group = ctx.network.group_by_id(id)
    return group if group is not None and group.exists_at(ctx.now_ts) else None


def q_event(_: Any, info: GraphQLResolveInfo, id: str) -> SimEvent | None:
    ctx: Context = info.context
    event = ctx.world.event_by_id(id)
    if event is None and ctx.network is not None:
        event = ctx.network.event_by_id(id)
    return event if event is not None and event.visible_at(ctx.now_ts) else None


def q_group_search(
    _: Any,
    info: GraphQLResolveInfo,
    filter: dict,
    first: int | None = None,
    after: str | None = None,
    **__: Any,
) -> dict:
    ctx: Context = info.context
    size = page_size(first, ctx.first_cap)
    offset = 0
    if after:
        raw = unb64(after)
        if not raw.isdigit():
            raise GraphQLError(f"Invalid cursor: {after}")
        offset = int(raw)
    matches = search_groups(ctx.world, filter, ctx.now)
    if ctx.network is not None:  # the chapters are public groups too (never near the world)
        matches += search_groups(ctx.network, filter, ctx.now)  # type: ignore[arg-type]
    page = matches[offset : offset + size]
    edges = [{"cursor": b64(str(offset + i + 1)), "node": g} for i, g in enumerate(page)]
    end = offset + len(page)
    return {
        "edges": edges,
        "totalCount": len(page),  # the live API's quirk: the page's size, not all matches
        "pageInfo": page_info(
            end < len(matches),
            edges[0]["cursor"] if edges else None,
            b64(str(end)) if page else None,
            offset > 0,
        ),
    }


def q_topic_categories(_: Any, info: GraphQLResolveInfo, **__: Any) -> dict:
    cats = [category(cid) for cid in catalog.CATEGORIES]
    edges = [{"cursor": b64(str(i + 1)), "node": c} for i, c in enumerate(cats)]
    return {
        "edges": edges,
        "totalCount": len(cats),
        "pageInfo": page_info(False, edges[0]["cursor"], edges[-1]["cursor"], False),
    }


def category(cid: str) -> dict:
    name, urlkey = catalog.CATEGORIES[cid]
    default = catalog.SINGLES_TOPIC
    return {
        "id": cid,
        "name": name,
        "urlkey": urlkey,
        "color": "#F65858",
        "imageUrl": f"https://secure.meetupstatic.com/next/images/categories/{urlkey}.webp",
        "defaultTopic": default,
        "_cid": cid,
    }


def c_topics(
    cat: dict, info: GraphQLResolveInfo, first: int | None = None, after: str | None = None
) -> dict:
    topics = [catalog.SINGLES_TOPIC, *catalog.DATING_TOPICS, *catalog.OTHER_TOPICS.values()]
    return _topics_connection(topics[: page_size(first, info.context.first_cap)])


def _topics_connection(topics: list) -> dict:
    edges = [{"cursor": b64(t.id), "node": t} for t in topics]
    return {
        "edges": edges,
        "totalCount": len(edges),
        "pageInfo": page_info(
            False,
            edges[0]["cursor"] if edges else None,
            edges[-1]["cursor"] if edges else None,
            False,
        ),
    }


# --- Group -------------------------------------------------------------------------------


def g_events(
    group: SimGroup,
    info: GraphQLResolveInfo,
    first: int | None = None,
    after: str | None = None,
    filter: dict | None = None,
    sort: str | None = None,
    status: str | None = None,
) -> dict:
    ctx: Context = info.context
    now_ts = ctx.now_ts
    size = page_size(first, ctx.first_cap)
    flt = filter or {}
    statuses = {s for s in (flt.get("status") or []) if s is not None}
    if status:
        statuses.add(status)
    if not statuses:
        statuses = {"ACTIVE"}  # without a status filter: upcoming events only
    events, starts = ctx.owner(group.index).all_events(group)
    lo, hi = 0, bisect_left(starts, now_ts + 90 * 86400)  # nothing later is visible
    if flt.get("afterDateTime") is not None:
        lo = max(lo, bisect_left(starts, flt["afterDateTime"].timestamp()))
    if flt.get("beforeDateTime") is not None:
        hi = min(hi, bisect_left(starts, flt["beforeDateTime"].timestamp()))
    if statuses <= {"ACTIVE"}:
        lo = max(lo, bisect_left(starts, now_ts))
    elif statuses <= {"PAST"}:
        hi = min(hi, bisect_left(starts, now_ts))
    title = (flt.get("title") or "").lower()
    host = flt.get("hostId")
    matches = [
        e
        for e in events[lo:hi]
        if e.visible_at(now_ts)
        and e.status_at(now_ts) in statuses
        and (not title or title in e.title.lower())
        and (not host or host == group.organizer_id)
    ]
    if sort == "DESC":
        matches.reverse()
    pos = after_position(matches, after, descending=sort == "DESC") if after else 0
    if ctx.duplicate_edges and pos > 0:
        pos -= 1  # fault: the previous page's last edge comes again
    page = matches[pos : pos + size]
    edges = [{"cursor": event_cursor(e), "node": e} for e in page]
    has_next = pos + len(page) < len(matches)
    end = edges[-1]["cursor"] if edges else None
    if ctx.repeat_cursor and after and has_next:
        end = after  # fault: the cursor does not advance
    return {
        "edges": edges,
        "totalCount": len(matches),
        "pageInfo": page_info(has_next, edges[0]["cursor"] if edges else None, end, pos > 0),
    }


def _members(group: SimGroup, info: GraphQLResolveInfo) -> int:
    return group.members_at(info.context.now_ts)


GROUP_FIELDS: dict[str, Any] = {
    "activeTopics": lambda g, i: list(g.topics),
    "city": lambda g, i: g.city.name,
    "country": lambda g, i: i.context.world.region.country if g.country is None else g.country,
    "state": lambda g, i: i.context.world.region.state if g.state is None else g.state,
    "zip": lambda g, i: g.city.zip,
    "events": g_events,
    "foundedDate": lambda g, i: iso(g.founded_ts, i.context.zone_of(g.index, ZoneInfo(g.timezone))),
    "isPrivate": lambda g, i: g.is_private,
    "joinMode": lambda g, i: g.join_mode,
    "keyGroupPhoto": lambda g, i: (
        {"id": str(400_000_000 + g.index), "baseUrl": PHOTO_BASE} if g.has_photo else None
    ),
    "link": lambda g, i: f"https://www.meetup.com/{g.urlname}",
    "membershipMetadata": lambda g, i: None,
    "memberships": lambda g, i, **_: {
        "edges": [],
        "totalCount": _members(g, i),
        "pageInfo": page_info(False, None, None, False),
    },
    "organizer": lambda g, i: {"id": g.organizer_id, "name": g.organizer_name},
    "stats": lambda g, i: {
        "memberCounts": {
            "all": _members(g, i),
            "banned": 0,
            "leadership": 1 + _members(g, i) // 2000,
            "pending": 0 if g.join_mode == "OPEN" else _members(g, i) // 100,
            "pendingPayment": 0,
        }
    },
    "status": lambda g, i: g.status_at(i.context.now_ts),
    "topicCategory": lambda g, i: category(g.category_id),
}

# --- Event -------------------------------------------------------------------------------


def e_rsvps(event: SimEvent, info: GraphQLResolveInfo, **_: Any) -> dict:
    """Counts at `now`: RSVPs build up until the event; attendance is known once past."""
    now_ts = info.context.now_ts
    status = event.status_at(now_ts)
    yes, waitlist, no = event.yes, event.waitlist, event.no
    if status == "ACTIVE":
        progress = (now_ts - event.created_ts) / max(1, event.start_ts - event.created_ts)
        progress = min(1.0, max(0.2, progress))
        yes, waitlist, no = (
            max(1, round(yes * progress)),
            round(waitlist * progress),
            round(no * progress),
        )
    attended = round(yes * event.attend_rate) if status == "PAST" else 0
    return {
        "yesCount": yes,
        "waitlistCount": waitlist,
        "noCount": no,
        "totalCount": yes + waitlist + no,
        "attendedCount": attended,
        "noShowCount": yes - attended if status == "PAST" else 0,
        "absentCount": 0,
        "edges": [],
        "pageInfo": page_info(False, None, None, False),
    }


EVENT_FIELDS: dict[str, Any] = {
    "createdTime": lambda e, i: iso(e.created_ts, EASTERN),
    "dateTime": lambda e, i: iso(e.start_ts, i.context.zone_of(e.group_index, e.zone)),
    "endTime": lambda e, i: iso(
        e.start_ts + e.duration_min * 60, i.context.zone_of(e.group_index, e.zone)
    ),
    "duration": lambda e, i: iso_duration(e.duration_min),
    "eventType": lambda e, i: e.event_type,
    "eventUrl": lambda e, i: f"https://www.meetup.com/{e.group_urlname}/events/{e.id}/",
    "featuredEventPhoto": lambda e, i: (
        {"id": str(500_000_000 + e.start_ts % 99_999_999), "baseUrl": PHOTO_BASE}
        if e.has_photo
        else None
    ),
    "feeSettings": lambda e, i: None
    if e.fee is None
    else {
        "amount": e.fee[0],
        "currency": e.fee[1],
        "accepts": e.fee[2],
        "required": True,
        "hasPromoCodes": False,
        "refundPolicy": None,
    },
    "group": lambda e, i: i.context.group_at(e.group_index),
    "maxTickets": lambda e, i: e.max_tickets,
    "rsvps": e_rsvps,
    "status": lambda e, i: e.status_at(i.context.now_ts),
    "token": lambda e, i: e.id,
    "topics": lambda e, i: _topics_connection(
        [t for t in i.context.group_at(e.group_index).topics if t.id in e.topic_ids]
    ),
    "venues": lambda e, i: list(e.venues),
}

VENUE_FIELDS: dict[str, Any] = {
    "postalCode": lambda v, i: v.postal_code,
    "venueType": lambda v, i: v.venue_type,
}

_ = SimVenue  # the Venue type resolves SimVenue attributes by name


def _parse_literal(node: Any, _variables: Any = None) -> datetime:
    if not isinstance(node, StringValueNode):
        raise GraphQLError("Failed to parse input value as ZonedDateTime")
    return _parse_value(node.value)


def _parse_value(value: Any) -> datetime:
    try:
        return parse_zoned(value)
    except DateTimeParseError as exc:
        raise GraphQLError(str(exc)) from exc


def build_sandbox_schema() -> GraphQLSchema:
    """The schema file with resolvers and the DateTime scalar's parsing attached."""
    schema = build_schema(SCHEMA_PATH.read_text(encoding="utf-8"))
    bindings = {
        "Query": {
            "groupByUrlname": q_group_by_urlname,
            "group": q_group,
            "event": q_event,
            "groupSearch": q_group_search,
            "topicCategories": q_topic_categories,
        },
        "Group": GROUP_FIELDS,
        "Event": EVENT_FIELDS,
        "Venue": VENUE_FIELDS,
        "TopicCategory": {"topics": c_topics},
    }
    from meetup_pipeline.sandbox.network_resolvers import BINDINGS as NETWORK_BINDINGS

    for type_name, fields in NETWORK_BINDINGS.items():
        bindings.setdefault(type_name, {}).update(fields)
    for type_name, fields in bindings.items():
        gtype = schema.type_map[type_name]
        for field_name, resolver in fields.items():
            gtype.fields[field_name].resolve = resolver  # type: ignore[union-attr]
    dt = schema.type_map["DateTime"]
    dt.parse_value = _parse_value  # type: ignore[union-attr]
    dt.parse_literal = _parse_literal  # type: ignore[union-attr]
    return schema
