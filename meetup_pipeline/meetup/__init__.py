"""Extraction from Meetup's GraphQL API (``gql-ext``): models, client and Dagster resource."""

from .errors import (
    MeetupAuthError,
    MeetupConfigError,
    MeetupError,
    MeetupHTTPError,
    MeetupPaginationError,
    MeetupQueryError,
    MeetupRetryError,
)
from .models import (
    Event,
    Extraction,
    ExtractStats,
    FeeSettings,
    Fetched,
    Group,
    Reject,
    RsvpCounts,
    Topic,
    TopicCategory,
    Venue,
)
from .resource import MeetupResource

__all__ = [
    "Event",
    "ExtractStats",
    "Extraction",
    "FeeSettings",
    "Fetched",
    "Group",
    "MeetupAuthError",
    "MeetupConfigError",
    "MeetupError",
    "MeetupHTTPError",
    "MeetupPaginationError",
    "MeetupQueryError",
    "MeetupResource",
    "MeetupRetryError",
    "Reject",
    "RsvpCounts",
    "Topic",
    "TopicCategory",
    "Venue",
]
