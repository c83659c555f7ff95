"""The raw layer: API payloads exactly as received, one row per record and window day."""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData(schema="raw")


def _lineage() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("partition_date", sa.Date, nullable=False, comment="Bay Area day"),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.Text, nullable=False, comment="sandbox or api"),
    ]


raw_events = sa.Table(
    "raw_events",
    metadata,
    sa.Column("event_id", sa.Text, nullable=False),
    sa.Column("group_id", sa.Text),
    sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
    *_lineage(),
    sa.Column("payload", JSONB, nullable=False, comment="the Event node as received"),
    sa.Index("ix_raw_events_partition_date", "partition_date"),
    info={"partition_column": "partition_date"},
    comment="Every event whose start falls on the day, as the API returned it.",
)

raw_groups = sa.Table(
    "raw_groups",
    metadata,
    sa.Column("group_id", sa.Text, nullable=False),
    sa.Column("urlname", sa.Text, nullable=False),
    *_lineage(),
    sa.Column("payload", JSONB, nullable=False, comment="the Group node as received"),
    sa.Index("ix_raw_groups_partition_date", "partition_date"),
    info={"partition_column": "partition_date"},
    comment="The groups that hosted events on the day, as observed by that extraction.",
)

raw_rejects = sa.Table(
    "raw_rejects",
    metadata,
    sa.Column("entity", sa.Text, nullable=False, comment="group or event"),
    sa.Column("record_id", sa.Text),
    *_lineage(),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("payload", JSONB, nullable=False),
    sa.Index("ix_raw_rejects_partition_date", "partition_date"),
    info={"partition_column": "partition_date"},
    comment="Records that failed validation, kept with the reason instead of crashing the run.",
)
