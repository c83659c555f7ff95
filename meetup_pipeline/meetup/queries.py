"""The GraphQL documents the client sends to ``gql-ext``.

Only fields of the October 2025 schema are requested (vendored in
``meetup_pipeline_tests/fixtures/meetup/gql-ext.graphql``), so the same
documents work on the real API and on the sandbox. Events are NOT nested in the group search:
a group's events come from one paginated ``groupByUrlname.events`` query per window.
"""

from __future__ import annotations

PAGE_CAP = 200
"""Largest ``first`` Meetup honours (``first: 200`` is observed to work)."""

EVENT_STATUSES: tuple[str, ...] = ("PAST", "ACTIVE", "CANCELLED")
"""What the pipeline stores. There is no ``UPCOMING``; without a filter only ACTIVE comes."""

Selection = dict[str, "Selection | None"]
"""A selection set as data: ``"name!"`` marks a field the schema declares non-null, a nested
dict is a sub-selection. The fragments are rendered from it, and :func:`anomalies` uses it to
spot drifted records (a requested field missing, or a non-null field null)."""

TOPIC: Selection = {"id!": None, "name!": None, "urlkey!": None}

GROUP_SELECTION: Selection = {
    "id!": None,
    "urlname!": None,
    "name!": None,
    "description": None,
    "city": None,
    "state": None,
    "country": None,
    "zip": None,
    "lat": None,
    "lon": None,
    "timezone": None,
    "link": None,
    "foundedDate": None,
    "status!": None,
    "joinMode!": None,
    "isPrivate!": None,
    "memberships!": {"totalCount": None},
    "stats": {"memberCounts!": {"all!": None}},
    "topicCategory": TOPIC,
    "activeTopics!": TOPIC,
}

EVENT_SELECTION: Selection = {
    "id!": None,
    "token!": None,
    "title!": None,
    "description!": None,
    "eventUrl!": None,
    "status!": None,
    "eventType!": None,
    "dateTime": None,
    "endTime": None,
    "duration": None,
    "createdTime": None,
    "maxTickets": None,
    "group": {"id!": None, "urlname!": None, "name!": None},
    "venues": {
        "id!": None,
        "name": None,
        "address": None,
        "city": None,
        "state": None,
        "postalCode": None,
        "country": None,
        "lat": None,
        "lon": None,
        "venueType": None,
    },
    "rsvps!": {
        "totalCount": None,
        "yesCount": None,
        "waitlistCount": None,
        "attendedCount": None,
        "noShowCount": None,
    },
    "feeSettings": {"required!": None, "amount!": None, "currency!": None},
    "topics!": {"edges!": {"node!": TOPIC}},
}


def render(selection: Selection, indent: int = 1) -> str:
    """GraphQL text of a selection set (without the outer braces)."""
    pad = "  " * indent
    lines = []
    for key, sub in selection.items():
        name = key.rstrip("!")
        if sub is None:
            lines.append(f"{pad}{name}")
        else:
            lines.append(f"{pad}{name} {{\n{render(sub, indent + 1)}\n{pad}}}")
    return "\n".join(lines)


def anomalies(value: object, selection: Selection, path: str = "") -> list[str]:
    """Paths where a record deviates from what a GraphQL server must return for the query.

    A server returns exactly the requested fields (maybe null); a missing one, an unrequested
    one, or null in a field the schema declares non-null means the response drifted. Lists
    are checked item by item. (Null in a nullable field is indistinguishable from data.)
    """
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in anomalies(item, selection, path)]
    if not isinstance(value, dict):
        return [path or "<root>"]
    names = {key.rstrip("!") for key in selection}
    found = [f"{path}.{k}" if path else k for k in value if k not in names]
    found = [f"{f} unexpected" for f in found]
    for key, sub in selection.items():
        name = key.rstrip("!")
        where = f"{path}.{name}" if path else name
        if name not in value:
            found.append(f"{where} missing")
        elif value[name] is None:
            if key.endswith("!"):
                found.append(f"{where} null")
        elif sub is not None:
            found += anomalies(value[name], sub, where)
    return found


GROUP_FIELDS = f"""
fragment groupFields on Group {{
{render(GROUP_SELECTION)}
}}
"""

EVENT_FIELDS = f"""
fragment eventFields on Event {{
{render(EVENT_SELECTION)}
}}
"""

GROUP_SEARCH = (
    """
query groupSearch(
  $query: String!
  $lat: Float!
  $lon: Float!
  $radius: Float
  $topicCategoryId: ID
  $first: Int
  $after: String
) {
  groupSearch(
    first: $first
    after: $after
    filter: {
      query: $query
      lat: $lat
      lon: $lon
      radius: $radius
      topicCategoryId: $topicCategoryId
    }
  ) {
    pageInfo { hasNextPage endCursor }
    totalCount
    edges { cursor node { ...groupFields } }
  }
}
"""
    + GROUP_FIELDS
)

GROUP_EVENTS = (
    """
query groupEvents(
  $urlname: String!
  $first: Int
  $after: String
  $afterDateTime: DateTime
  $beforeDateTime: DateTime
  $status: [EventStatus]
) {
  groupByUrlname(urlname: $urlname) {
    id
    urlname
    events(
      first: $first
      after: $after
      sort: ASC
      filter: {
        afterDateTime: $afterDateTime
        beforeDateTime: $beforeDateTime
        status: $status
      }
    ) {
      pageInfo { hasNextPage endCursor }
      totalCount
      edges { cursor node { ...eventFields } }
    }
  }
}
"""
    + EVENT_FIELDS
)

NETWORK_PAGE_CAP = 1000
"""``first`` for a Pro network's searches: public clients page them with ``first: 1000``
(a recorded ``groupsSearch`` returned 247 chapters in one page); a smaller server cap only
means more pages."""

GROUP_BY_URLNAME = (
    """
query groupByUrlname($urlname: String!) {
  groupByUrlname(urlname: $urlname) { ...groupFields }
}
"""
    + GROUP_FIELDS
)

NETWORK_GROUPS = (
    """
query networkGroups($urlname: ID!, $first: Int, $after: String) {
  proNetwork(urlname: $urlname) {
    id
    groupsSearch(input: {first: $first, after: $after}) {
      pageInfo { hasNextPage endCursor }
      totalCount
      edges { cursor node { ...groupFields } }
    }
  }
}
"""
    + GROUP_FIELDS
)

NETWORK_EVENTS = (
    """
query networkEvents(
  $urlname: ID!
  $first: Int
  $after: String
  $eventDateMin: DateTime
  $eventDateMax: DateTime
  $status: [String!]
) {
  proNetwork(urlname: $urlname) {
    id
    eventsSearch(
      input: {
        first: $first
        after: $after
        filter: { eventDateMin: $eventDateMin, eventDateMax: $eventDateMax, status: $status }
      }
    ) {
      pageInfo { hasNextPage endCursor }
      totalCount
      edges { cursor node { ...eventFields } }
    }
  }
}
"""
    + EVENT_FIELDS
)
"""A window's events of every chapter, in pages: requests grow with events, not chapters."""
