"""The GraphQL documents the client sends to ``gql-ext``.

Only fields of the October 2025 schema are requested (see ``../shared/meetup``), so the same
documents work on the real API and on the sandbox. Events are NOT nested in the group search:
a group's events come from one paginated ``groupByUrlname.events`` query per window.
"""

from __future__ import annotations

PAGE_CAP = 200
"""Largest ``first`` Meetup honours (``first: 200`` is observed to work)."""

EVENT_STATUSES: tuple[str, ...] = ("PAST", "ACTIVE", "CANCELLED")
"""What the pipeline stores. There is no ``UPCOMING``; without a filter only ACTIVE comes."""

GROUP_FIELDS = """
fragment groupFields on Group {
  id
  urlname
  name
  description
  city
  state
  country
  zip
  lat
  lon
  timezone
  link
  foundedDate
  status
  joinMode
  isPrivate
  memberships { totalCount }
  stats { memberCounts { all } }
  topicCategory { id name urlkey }
  activeTopics { id name urlkey }
}
"""

EVENT_FIELDS = """
fragment eventFields on Event {
  id
  token
  title
  description
  eventUrl
  status
  eventType
  dateTime
  endTime
  duration
  createdTime
  maxTickets
  group { id urlname name }
  venues { id name address city state postalCode country lat lon venueType }
  rsvps { totalCount yesCount waitlistCount attendedCount noShowCount }
  feeSettings { required amount currency }
  topics { edges { node { id name urlkey } } }
}
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
