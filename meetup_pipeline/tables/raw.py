"""The raw layer: API payloads as received (sanitized at the edge), one row per record and day."""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from meetup_pipeline.warehouse.policy import WindowReplace, declare

metadata = sa.MetaData(schema="raw")

SOURCES_COMMENT = (
    "JSON array of every configured source that saw the record, e.g. "
    '["network:rladies", "search:python@-37.8,145,50"]; null before sources were recorded'
)


def _lineage() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("partition_date", sa.Date, nullable=False, comment="the local day"),
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
    sa.Column("sources", JSONB, comment=SOURCES_COMMENT),
    sa.Index("ix_raw_events_partition_date", "partition_date"),
    comment="Every event whose start falls on the day, as the API returned it.",
)
declare(raw_events, WindowReplace("partition_date"))

raw_groups = sa.Table(
    "raw_groups",
    metadata,
    sa.Column("group_id", sa.Text, nullable=False),
    sa.Column("urlname", sa.Text, nullable=False),
    *_lineage(),
    sa.Column("payload", JSONB, nullable=False, comment="the Group node as received"),
    sa.Column("sources", JSONB, comment=SOURCES_COMMENT),
    sa.Index("ix_raw_groups_partition_date", "partition_date"),
    comment="The groups that hosted events on the day, as observed by that extraction.",
)
declare(raw_groups, WindowReplace("partition_date"))

raw_rejects = sa.Table(
    "raw_rejects",
    metadata,
    sa.Column("entity", sa.Text, nullable=False, comment="group or event"),
    sa.Column("record_id", sa.Text, comment="the record's id, made storable"),
    *_lineage(),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("payload", JSONB, nullable=False, comment="as received, made storable"),
    sa.Column("field", sa.Text, comment="the first field refused"),
    sa.Index("ix_raw_rejects_partition_date", "partition_date"),
    comment="Records that failed validation, kept with the reason instead of crashing the run.",
)
declare(raw_rejects, WindowReplace("partition_date"))


def load_stage() -> sa.Table:
    """The temporary table one window's records are streamed into before the swap.

    One table for all three kinds (``event``, ``group``, ``reject``) so that COPY takes
    records in the order the API sends them. It survives commits (it is filled in chunked
    transactions) and lives only as long as the session: the writer drops it after the
    swap, and a crashed writer's session takes it along, so nothing is left to clean.
    """
    return sa.Table(
        "_raw_load",
        sa.MetaData(),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("record_id", sa.Text),
        sa.Column("group_id", sa.Text),
        sa.Column("urlname", sa.Text),
        sa.Column("starts_at", sa.DateTime(timezone=True)),
        sa.Column("partition_date", sa.Date),
        sa.Column("entity", sa.Text),
        sa.Column("field", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("sources", JSONB),
        prefixes=["TEMPORARY"],
        postgresql_on_commit="PRESERVE ROWS",
    )
