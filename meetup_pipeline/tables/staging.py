"""The staging layer: typed, cleaned, deduplicated views of one window of raw payloads."""

import sqlalchemy as sa

from meetup_pipeline.warehouse.policy import WindowReplace, declare

metadata = sa.MetaData(schema="staging")
TS = sa.DateTime(timezone=True)


def _partitioned(name: str, *columns: sa.Column, comment: str) -> sa.Table:  # type: ignore[type-arg]
    table = sa.Table(
        name,
        metadata,
        *columns,
        sa.Column("partition_date", sa.Date, nullable=False, comment="the event's local day"),
        sa.Column("observed_at", TS, nullable=False, comment="when the API was read"),
        sa.Index(f"ix_{name}_partition_date", "partition_date"),
        comment=comment,
    )
    return declare(table, WindowReplace("partition_date"))


stg_events = _partitioned(
    "stg_events",
    sa.Column("event_id", sa.Text, nullable=False),
    sa.Column("group_id", sa.Text, nullable=False),
    sa.Column("venue_id", sa.Text, comment="null for online events"),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("event_url", sa.Text),
    sa.Column("status", sa.Text, nullable=False, comment="PAST, ACTIVE, CANCELLED, ..."),
    sa.Column("event_type", sa.Text, comment="PHYSICAL, ONLINE or HYBRID"),
    sa.Column("is_online", sa.Boolean, nullable=False),
    sa.Column("starts_at", TS, nullable=False),
    sa.Column("ends_at", TS),
    sa.Column("local_start", sa.DateTime, nullable=False, comment="the event's own wall time"),
    sa.Column("duration_minutes", sa.Integer),
    sa.Column("created_at", TS),
    sa.Column("max_tickets", sa.Integer),
    sa.Column("rsvp_total_count", sa.Integer),
    sa.Column("rsvp_yes_count", sa.Integer),
    sa.Column("waitlist_count", sa.Integer),
    sa.Column("attended_count", sa.Integer),
    sa.Column("no_show_count", sa.Integer),
    sa.Column("fee_required", sa.Boolean),
    sa.Column("fee_amount", sa.Numeric(12, 2)),
    sa.Column("fee_currency", sa.Text),
    sa.Column("utc_offset_minutes", sa.Integer, comment="of its dateTime: +05:45 is 345"),
    comment="One row per event, typed; the partition is the local day it starts.",
)

stg_groups = _partitioned(
    "stg_groups",
    sa.Column("group_id", sa.Text, nullable=False),
    sa.Column("urlname", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("link", sa.Text),
    sa.Column("city", sa.Text),
    sa.Column("state", sa.Text),
    sa.Column("country", sa.Text),
    sa.Column("zip", sa.Text),
    sa.Column("lat", sa.Float),
    sa.Column("lon", sa.Float),
    sa.Column("timezone", sa.Text),
    sa.Column("founded_date", sa.Date),
    sa.Column("status", sa.Text),
    sa.Column("join_mode", sa.Text),
    sa.Column("is_private", sa.Boolean),
    sa.Column("member_count", sa.Integer),
    sa.Column("topic_category_id", sa.Text),
    sa.Column("topic_category_name", sa.Text),
    comment="One row per group observed in the window.",
)

stg_venues = _partitioned(
    "stg_venues",
    sa.Column("venue_id", sa.Text, nullable=False),
    sa.Column("name", sa.Text),
    sa.Column("address", sa.Text),
    sa.Column("city", sa.Text),
    sa.Column("state", sa.Text),
    sa.Column("postal_code", sa.Text),
    sa.Column("country", sa.Text),
    sa.Column("lat", sa.Float, comment="null when missing, (0,0) or out of range"),
    sa.Column("lon", sa.Float),
    sa.Column("venue_type", sa.Text),
    comment="Physical venues used by the window's events (online placeholders dropped).",
)

stg_topics = _partitioned(
    "stg_topics",
    sa.Column("topic_id", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("urlkey", sa.Text),
    comment="Topics seen in the window: groups' active topics and events' topics.",
)

stg_group_topics = _partitioned(
    "stg_group_topics",
    sa.Column("group_id", sa.Text, nullable=False),
    sa.Column("topic_id", sa.Text, nullable=False),
    comment="Which group carries which topic, as observed in the window.",
)
