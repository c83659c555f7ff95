"""Typed views of Meetup's GraphQL payloads, plus the containers the extraction returns.

The models are deliberately tolerant of drift: Meetup's schema changes (fields appear,
disappear or turn null), so only what the pipeline cannot live without is required (ids,
names, an event's status and a tz-aware ``dateTime``), and unknown fields are ignored. They
are strict about values: every scalar the staging SQL casts is checked against its column
(see :mod:`.sanitize`). A payload that fails becomes a :class:`Reject`, never a crash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from . import sanitize

__all__ = [
    "Event",
    "ExtractStats",
    "Extraction",
    "FeeSettings",
    "Fetched",
    "Group",
    "GroupRef",
    "Reject",
    "RsvpCounts",
    "Topic",
    "TopicCategory",
    "Venue",
]


Count = Annotated[int | None, BeforeValidator(sanitize.count)]
Money = Annotated[float | None, BeforeValidator(sanitize.money)]
Coordinate = Annotated[float | None, BeforeValidator(sanitize.coordinate)]
Flag = Annotated[bool | None, BeforeValidator(sanitize.boolean)]
ZonedDateTime = Annotated[AwareDatetime, BeforeValidator(sanitize.zoned_datetime)]
Duration = Annotated[timedelta | None, BeforeValidator(sanitize.duration)]


class _Model(BaseModel):
    """Shared config: camelCase aliases, snake_case names, unknown fields ignored."""

    model_config = ConfigDict(
        extra="ignore",
        frozen=True,
        populate_by_name=True,
        str_strip_whitespace=False,
    )


class Topic(_Model):
    id: str
    name: str
    urlkey: str | None = None


class TopicCategory(_Model):
    id: str
    name: str
    urlkey: str | None = None


class Venue(_Model):
    id: str
    name: str | None = None
    address: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = Field(default=None, alias="postalCode")
    country: str | None = None
    lat: Coordinate = None
    lon: Coordinate = None
    venue_type: str | None = Field(default=None, alias="venueType")

    @property
    def is_online(self) -> bool:
        """Online events carry a placeholder venue whose coordinates mean nothing."""
        return (self.venue_type or "").lower() == "online" or self.name == "Online event"


class FeeSettings(_Model):
    required: Flag = None
    amount: Money = None
    currency: str | None = None


class RsvpCounts(_Model):
    total_count: Count = Field(default=None, alias="totalCount")
    yes_count: Count = Field(default=None, alias="yesCount")
    waitlist_count: Count = Field(default=None, alias="waitlistCount")
    attended_count: Count = Field(default=None, alias="attendedCount")
    no_show_count: Count = Field(default=None, alias="noShowCount")


class _Count(_Model):
    total_count: Count = Field(default=None, alias="totalCount")


class _MemberCounts(_Model):
    all: Count = None


class _GroupStats(_Model):
    member_counts: _MemberCounts | None = Field(default=None, alias="memberCounts")


def _none_to_empty_list(value: Any) -> Any:
    return [] if value is None else value


def _unwrap_edges(value: Any) -> Any:
    """Accept a connection (``{edges: [{node}]}``), a plain list, or null."""
    if value is None:
        return []
    if isinstance(value, dict):
        edges = value.get("edges") or []
        return [e.get("node") if isinstance(e, dict) else e for e in edges]
    return value


class Group(_Model):
    id: str
    urlname: str
    name: str
    description: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    zip: str | None = None
    lat: Coordinate = None
    lon: Coordinate = None
    timezone: str | None = None
    link: str | None = None
    founded_date: ZonedDateTime | None = Field(default=None, alias="foundedDate")
    status: str | None = None
    join_mode: str | None = Field(default=None, alias="joinMode")
    is_private: Flag = Field(default=None, alias="isPrivate")
    memberships: _Count | None = None
    stats: _GroupStats | None = None
    topic_category: TopicCategory | None = Field(default=None, alias="topicCategory")
    active_topics: list[Topic] = Field(default_factory=list, alias="activeTopics")

    _nulls = field_validator("active_topics", mode="before")(_none_to_empty_list)

    @property
    def member_count(self) -> int | None:
        """Members now; ``stats.memberCounts.all`` and ``memberships.totalCount`` agree."""
        if self.stats and self.stats.member_counts and self.stats.member_counts.all is not None:
            return self.stats.member_counts.all
        return self.memberships.total_count if self.memberships else None


class GroupRef(_Model):
    """The short group stub nested in an event."""

    id: str
    urlname: str | None = None
    name: str | None = None


class Event(_Model):
    id: str
    token: str | None = None
    title: str
    description: str | None = None
    event_url: str | None = Field(default=None, alias="eventUrl")
    status: str
    event_type: str | None = Field(default=None, alias="eventType")
    date_time: ZonedDateTime = Field(alias="dateTime")
    end_time: ZonedDateTime | None = Field(default=None, alias="endTime")
    duration: Duration = None
    created_time: ZonedDateTime | None = Field(default=None, alias="createdTime")
    max_tickets: Count = Field(default=None, alias="maxTickets")
    group: GroupRef
    """Required: an event belongs to a group (the client fills a missing stub from the
    connection the event came from)."""
    venues: list[Venue] = Field(default_factory=list)
    rsvps: RsvpCounts | None = None
    fee_settings: FeeSettings | None = Field(default=None, alias="feeSettings")
    topics: list[Topic] = Field(default_factory=list)

    _venues = field_validator("venues", mode="before")(_none_to_empty_list)
    _topics = field_validator("topics", mode="before")(_unwrap_edges)

    @property
    def venue(self) -> Venue | None:
        """The physical venue if there is one, else the first (possibly online) one."""
        physical = [v for v in self.venues if not v.is_online]
        return physical[0] if physical else (self.venues[0] if self.venues else None)


@dataclass(frozen=True)
class Reject:
    """A record refused at the edge, with the field and the reason; ``payload`` is storable."""

    entity: str
    payload: dict[str, Any]
    reason: str
    field: str | None = None

    @property
    def record_id(self) -> str | None:
        """The record's id as far as it can be read (already made storable)."""
        value = self.payload.get("id") if isinstance(self.payload, dict) else None
        return None if value is None else str(value)


M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Fetched(Generic[M]):
    """A parsed model beside the exact JSON it came from (the raw layer stores ``raw``)."""

    model: M
    raw: dict[str, Any]
    sources: tuple[str, ...] = ()
    """Which configured sources saw the record (``network:<urlname>``, ``group:<urlname>``,
    ``search:<query>@<lat>,<lon>,<radius>``); the raw layer stores their union."""


@dataclass
class ExtractStats:
    """Counters of one extraction; safe to put in Dagster metadata (no secrets)."""

    requests: int = 0
    pages: int = 0
    retries: int = 0
    rate_limit_waits: int = 0
    rate_limit_wait_s: float = 0.0
    budget_waits: int = 0
    budget_wait_s: float = 0.0
    token_refreshes: int = 0
    duplicate_edges: int = 0
    refetches: int = 0
    drifted_pages: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, int | float]:
        return dict(self.__dict__)


@dataclass
class Extraction:
    """Everything one window's extraction produced."""

    groups: list[Fetched[Group]]
    events: list[Fetched[Event]]
    rejects: list[Reject]
    stats: ExtractStats
    source: Literal["sandbox", "api"]
    fetched_at: datetime
    window: tuple[datetime, datetime] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def reject_rate(self) -> float:
        total = len(self.groups) + len(self.events) + len(self.rejects)
        return len(self.rejects) / total if total else 0.0
