"""The marts: a star schema around `fact_events`.

Surrogate keys are a 64-bit hash of the natural key (`rules.surrogate_key`, created with
the DDL in `warehouse/ddl.py`), so they are stable across updates, load order and
rebuilds, and a fact can be keyed without waiting for a sequence. Every dimension has an
unknown member with key -1, which facts use when a dimension row is missing, so no fact
is ever dropped by a join.
"""

import sqlalchemy as sa

from meetup_pipeline.warehouse.ddl import retire_columns
from meetup_pipeline.warehouse.policy import Merge, Rebuild, WindowReplace, declare

metadata = sa.MetaData(schema="marts")
TS = sa.DateTime(timezone=True)
UNKNOWN_KEY = -1


def _dimension(
    name: str, natural_key: tuple[str, ...], *columns: sa.Column, comment: str
) -> sa.Table:  # type: ignore[type-arg]
    table = sa.Table(
        name,
        metadata,
        *columns,
        sa.Column("observed_at", TS, nullable=False, comment="newest observation wins"),
        sa.PrimaryKeyConstraint(*natural_key, name=f"pk_{name}"),
        comment=comment,
    )
    return declare(table, Merge(natural_key, version_column="observed_at"))


dim_date = sa.Table(
    "dim_date",
    metadata,
    sa.Column("date_key", sa.Integer, nullable=False, comment="yyyymmdd"),
    sa.Column("date_day", sa.Date, nullable=False),
    sa.Column("iso_date", sa.Text, nullable=False, comment="2024-02-14"),
    sa.Column("us_date", sa.Text, nullable=False, comment="02/14/2024"),
    sa.Column("long_date", sa.Text, nullable=False, comment="Wednesday, February 14, 2024"),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("quarter", sa.Integer, nullable=False),
    sa.Column("month", sa.Integer, nullable=False),
    sa.Column("month_name", sa.Text, nullable=False),
    sa.Column("month_abbr", sa.Text, nullable=False, comment="3 letters"),
    sa.Column("day_of_month", sa.Integer, nullable=False),
    sa.Column("day_of_year", sa.Integer, nullable=False),
    sa.Column("day_of_week", sa.Integer, nullable=False, comment="ISO: Monday 1 .. Sunday 7"),
    sa.Column("day_name", sa.Text, nullable=False),
    sa.Column("day_abbr", sa.Text, nullable=False, comment="3 letters"),
    sa.Column("iso_year", sa.Integer, nullable=False),
    sa.Column("iso_week", sa.Integer, nullable=False),
    sa.Column("week_of_month", sa.Integer, nullable=False, comment="Monday-based calendar row"),
    sa.Column("is_weekend", sa.Boolean, nullable=False),
    sa.PrimaryKeyConstraint("date_key", name="pk_dim_date"),
    comment="One row per calendar day (a local day: the same date in every zone).",
)
declare(dim_date, WindowReplace("date_day"))
# US-only holiday columns of warehouses built before dim_holiday; dropped on upgrade.
retire_columns(dim_date, "holiday_name", "is_holiday", "is_day_off")

dim_holiday = sa.Table(
    "dim_holiday",
    metadata,
    sa.Column("date_key", sa.Integer, nullable=False, comment="dim_date's yyyymmdd"),
    sa.Column("country", sa.Text, nullable=False, comment="ISO 3166-1 alpha-2, as dim_group"),
    sa.Column("date_day", sa.Date, nullable=False),
    sa.Column("holiday_name", sa.Text, nullable=False, comment="in English; ';'-joined if several"),
    sa.Column("is_observed", sa.Boolean, nullable=False, comment="a day off in lieu"),
    sa.PrimaryKeyConstraint("date_key", "country", name="pk_dim_holiday"),
    comment=(
        "Public holidays per country and day (the `holidays` package) for the countries of "
        "the warehouse's groups: join on (date_key, dim_group.country)."
    ),
)
# Rebuilt whole at every run from the countries of dim_group and the years of dim_date.
declare(dim_holiday, Rebuild())

dim_group = _dimension(
    "dim_group",
    ("group_id",),
    sa.Column("group_key", sa.BigInteger, nullable=False),
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
    sa.Column("member_count", sa.Integer, comment="at the newest observation"),
    sa.Column("topic_category_id", sa.Text),
    sa.Column("topic_category_name", sa.Text),
    comment="Meetup groups, newest observation wins; key -1 is the unknown group.",
)

dim_venue = _dimension(
    "dim_venue",
    ("venue_id",),
    sa.Column("venue_key", sa.BigInteger, nullable=False),
    sa.Column("venue_id", sa.Text, nullable=False),
    sa.Column("name", sa.Text),
    sa.Column("address", sa.Text),
    sa.Column("city", sa.Text),
    sa.Column("state", sa.Text),
    sa.Column("postal_code", sa.Text),
    sa.Column("country", sa.Text),
    sa.Column("lat", sa.Float),
    sa.Column("lon", sa.Float),
    sa.Column("venue_type", sa.Text),
    comment="Physical venues; key -1 stands for online events and unknown venues.",
)

dim_topic = _dimension(
    "dim_topic",
    ("topic_id",),
    sa.Column("topic_key", sa.BigInteger, nullable=False),
    sa.Column("topic_id", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("urlkey", sa.Text),
    comment="Meetup topics.",
)

bridge_group_topic = sa.Table(
    "bridge_group_topic",
    metadata,
    sa.Column("group_key", sa.BigInteger, nullable=False),
    sa.Column("topic_key", sa.BigInteger, nullable=False),
    sa.Column("group_id", sa.Text, nullable=False),
    sa.Column("topic_id", sa.Text, nullable=False),
    sa.Column("observed_at", TS, nullable=False, comment="the observation that listed it"),
    sa.PrimaryKeyConstraint("group_id", "topic_id", name="pk_bridge_group_topic"),
    comment="Many-to-many between groups and topics: each group's topics as last listed.",
)
# Rebuilt whole from staging at every run: a set per group (its newest list of topics)
# cannot be upserted pair by pair, or a topic the group dropped would stay forever.
declare(bridge_group_topic, Rebuild())

fact_group_snapshots = sa.Table(
    "fact_group_snapshots",
    metadata,
    sa.Column("snapshot_date", sa.Date, nullable=False, comment="day observed, group's zone"),
    sa.Column("date_key", sa.Integer, nullable=False, comment="yyyymmdd of snapshot_date"),
    sa.Column("group_key", sa.BigInteger, nullable=False),
    sa.Column("member_count", sa.Integer),
    sa.Column("status", sa.Text),
    sa.Column("observed_at", TS, nullable=False, comment="the day's newest observation"),
    sa.PrimaryKeyConstraint("snapshot_date", "group_key", name="pk_fact_group_snapshots"),
    comment=(
        "Periodic snapshot. Grain: one row per group per day (in the group's own zone) on "
        "which the API was "
        "read, with the member count seen then (the day's newest reading). Observations "
        "accumulate; a backfill adds today's, never a past day's."
    ),
)
# Merged, not replaced by window: the partition window only says which staging rows
# to read; the rows land on the day they were observed, and other days are kept.
declare(fact_group_snapshots, Merge(("snapshot_date", "group_key"), version_column="observed_at"))

fact_events = sa.Table(
    "fact_events",
    metadata,
    sa.Column("event_key", sa.BigInteger, nullable=False),
    sa.Column("event_id", sa.Text, nullable=False),
    sa.Column("date_key", sa.Integer, nullable=False),
    sa.Column("group_key", sa.BigInteger, nullable=False),
    sa.Column("venue_key", sa.BigInteger, nullable=False),
    sa.Column("event_date", sa.Date, nullable=False, comment="the local day it starts"),
    sa.Column("starts_at", TS, nullable=False),
    sa.Column("ends_at", TS),
    sa.Column("local_start", sa.DateTime, nullable=False, comment="its own wall time"),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("event_url", sa.Text),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("event_type", sa.Text),
    sa.Column("is_online", sa.Boolean, nullable=False),
    sa.Column("rsvp_yes_count", sa.Integer),
    sa.Column("rsvp_total_count", sa.Integer),
    sa.Column("waitlist_count", sa.Integer),
    sa.Column("attended_count", sa.Integer),
    sa.Column("no_show_count", sa.Integer),
    sa.Column("fee_required", sa.Boolean),
    sa.Column("fee_amount", sa.Numeric(12, 2)),
    sa.Column("fee_currency", sa.Text),
    sa.Column("duration_minutes", sa.Integer),
    sa.Column("max_tickets", sa.Integer),
    sa.Column("created_at", TS),
    sa.Column("observed_at", TS, nullable=False),
    sa.Column("utc_offset_minutes", sa.Integer, comment="of local_start: +05:45 is 345"),
    sa.Column("timezone", sa.Text, comment="the group's IANA zone, where known"),
    sa.PrimaryKeyConstraint("event_key", name="pk_fact_events"),
    sa.Index("ix_fact_events_event_date", "event_date"),
    comment="Grain: one row per Meetup event, on the local day it starts (its own zone).",
)
# An event rescheduled to another day lives on the day of its newest observation.
declare(
    fact_events,
    WindowReplace("event_date", moves_between_partitions="event_key", version_column="observed_at"),
)

upcoming_events = sa.Table(
    "upcoming_events",
    metadata,
    sa.Column("event_id", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("event_url", sa.Text),
    sa.Column("starts_at", TS, nullable=False),
    sa.Column("local_start", sa.DateTime, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("is_online", sa.Boolean, nullable=False),
    sa.Column("group_id", sa.Text, nullable=False),
    sa.Column("group_name", sa.Text),
    sa.Column("group_urlname", sa.Text),
    sa.Column("venue_name", sa.Text),
    sa.Column("city", sa.Text),
    sa.Column("lat", sa.Float),
    sa.Column("lon", sa.Float),
    sa.Column("rsvp_yes_count", sa.Integer),
    sa.Column("waitlist_count", sa.Integer),
    sa.Column("fee_amount", sa.Numeric(12, 2)),
    sa.Column("fee_currency", sa.Text),
    sa.Column("snapshot_at", TS, nullable=False),
    sa.Column("utc_offset_minutes", sa.Integer, comment="of local_start"),
    comment="Events scheduled from now on, refreshed by a sensor; not partitioned.",
)
declare(upcoming_events, Rebuild())  # the next 60 days as of the newest refresh
