"""The star schema: dimensions merged by natural key, facts replaced by window."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from meetup_pipeline.assets.partitions import daily, single_run
from meetup_pipeline.assets.sql_asset import sql_asset
from meetup_pipeline.calendar import date_rows
from meetup_pipeline.meetup import MeetupResource
from meetup_pipeline.settings import LOCAL_TIMEZONE
from meetup_pipeline.tables import marts, staging
from meetup_pipeline.warehouse.relations import TableRows, Window, table_metadata

LOCAL = ZoneInfo(LOCAL_TIMEZONE)
UPCOMING_HORIZON = timedelta(days=60)

dim_group = sql_asset(
    marts.dim_group, deps=["stg_groups"], group_name="marts", lineage_from=staging.stg_groups
)
dim_venue = sql_asset(
    marts.dim_venue, deps=["stg_venues"], group_name="marts", lineage_from=staging.stg_venues
)
dim_topic = sql_asset(
    marts.dim_topic, deps=["stg_topics"], group_name="marts", lineage_from=staging.stg_topics
)
bridge_group_topic = sql_asset(
    marts.bridge_group_topic,
    deps=["stg_group_topics", "dim_group", "dim_topic"],
    group_name="marts",
)
fact_group_snapshots = sql_asset(
    marts.fact_group_snapshots, deps=["stg_groups", "dim_group", "dim_date"], group_name="marts"
)
fact_events = sql_asset(
    marts.fact_events,
    deps=["stg_events", "dim_group", "dim_venue", "dim_date"],
    group_name="marts",
    lineage_from=staging.stg_events,
)


@dg.asset(
    partitions_def=daily,
    backfill_policy=single_run,
    group_name="marts",
    kinds={"postgres", "python"},
    metadata=table_metadata(marts.dim_date),
)
def dim_date(context: dg.AssetExecutionContext) -> TableRows:
    """One row per Bay Area day: formats, ISO weeks, week of month, US federal holidays."""
    window = Window.of(context.partition_time_window)
    return TableRows(marts.dim_date, date_rows(window.start_date, window.end_date))


@dg.asset(
    group_name="marts",
    kinds={"postgres", "python"},
    pool="meetup_api",
    backfill_policy=single_run,
    metadata=table_metadata(marts.upcoming_events),
)
def upcoming_events(context: dg.AssetExecutionContext, meetup: MeetupResource) -> TableRows:
    """Events scheduled in the next 60 days, for the dashboard; refreshed by a sensor."""
    now = datetime.now(UTC)
    extraction = meetup.extract_window(now, now + UPCOMING_HORIZON)
    groups = {g.model.id: g.model for g in extraction.groups}
    rows = []
    for fetched in extraction.events:
        event = fetched.model
        group = groups.get(event.group.id) if event.group else None
        venue = event.venue
        physical = venue is not None and not venue.is_online
        rows.append(
            {
                "event_id": event.id,
                "title": event.title.strip(),
                "event_url": event.event_url,
                "starts_at": event.date_time,
                "local_start": event.date_time.astimezone(LOCAL).replace(tzinfo=None),
                "status": event.status.upper(),
                "is_online": (event.event_type or "").upper() == "ONLINE" or not physical,
                "group_id": event.group.id if event.group else "-1",
                "group_name": group.name if group else (event.group.name if event.group else None),
                "group_urlname": group.urlname if group else None,
                "venue_name": venue.name if physical else None,
                "city": venue.city if physical else None,
                "lat": _coordinate(venue.lat, 90) if physical else None,
                "lon": _coordinate(venue.lon, 180) if physical else None,
                "rsvp_yes_count": event.rsvps.yes_count if event.rsvps else None,
                "waitlist_count": event.rsvps.waitlist_count if event.rsvps else None,
                "fee_amount": event.fee_settings.amount if event.fee_settings else None,
                "fee_currency": event.fee_settings.currency if event.fee_settings else None,
                "snapshot_at": extraction.fetched_at,
            }
        )
    context.add_output_metadata(
        {"source": extraction.source, "requests": extraction.stats.requests}
    )
    return TableRows(marts.upcoming_events, rows)


def _coordinate(value: float | None, limit: float) -> float | None:
    return value if value is not None and value != 0 and -limit <= value <= limit else None


partitioned_assets = [
    dim_date,
    dim_group,
    dim_venue,
    dim_topic,
    bridge_group_topic,
    fact_group_snapshots,
    fact_events,
]
