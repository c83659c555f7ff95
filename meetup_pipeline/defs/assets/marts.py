"""The star schema: dimensions merged by natural key, facts replaced by window.

Every mart is SQL over the warehouse with the shared rules of `warehouse/ddl.py`; only
`dim_date` (a calendar), `dim_holiday` (the `holidays` package) and the extraction behind
`upcoming_events` run in Python.
"""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import dagster as dg
import sqlalchemy as sa

from meetup_pipeline.calendar import date_rows, holiday_rows
from meetup_pipeline.defs.assets.sql_asset import sql_asset, sql_params, tables_read
from meetup_pipeline.defs.checks import upcoming_events as upcoming_check
from meetup_pipeline.meetup import MeetupResource
from meetup_pipeline.meetup.errors import MeetupPaginationError, MeetupRetryError
from meetup_pipeline.partitions import daily, single_run
from meetup_pipeline.settings.region import RegionSettings
from meetup_pipeline.sql import load_sql
from meetup_pipeline.tables import marts, staging
from meetup_pipeline.warehouse.relations import TableRows, TableSelect, Window, table_metadata
from meetup_pipeline.warehouse.resource import Warehouse

UPCOMING_HORIZON = timedelta(days=60)
UPCOMING_CHECK = upcoming_check.CHECK_NAME
STALE_KEY = "refresh_failed"
"""Metadata of an `upcoming_events` materialization that kept the previous list."""
AS_OF_KEY = "as_of"

dim_group = sql_asset(marts.dim_group, group_name="marts", lineage_from=staging.stg_groups)
dim_venue = sql_asset(marts.dim_venue, group_name="marts", lineage_from=staging.stg_venues)
dim_topic = sql_asset(marts.dim_topic, group_name="marts", lineage_from=staging.stg_topics)
bridge_group_topic = sql_asset(marts.bridge_group_topic, group_name="marts")
fact_group_snapshots = sql_asset(marts.fact_group_snapshots, group_name="marts")
fact_events = sql_asset(marts.fact_events, group_name="marts", lineage_from=staging.stg_events)


@dg.asset(
    partitions_def=daily,
    backfill_policy=single_run,
    group_name="marts",
    kinds={"postgres", "python"},
    metadata=table_metadata(marts.dim_date),
)
def dim_date(context: dg.AssetExecutionContext) -> TableRows:
    """One row per calendar day: formats, ISO weeks, week of month (holidays: dim_holiday)."""
    window = Window.of(context.partition_time_window)
    return TableRows(marts.dim_date, date_rows(window.start_date, window.end_date))


HOLIDAY_SCOPE_SQL = load_sql("dim_holiday")


@dg.asset(
    partitions_def=daily,
    backfill_policy=single_run,
    group_name="marts",
    kinds={"postgres", "python"},
    deps=sorted(name.split(".", 1)[1] for name in tables_read(HOLIDAY_SCOPE_SQL)),
    metadata={
        **table_metadata(marts.dim_holiday),
        "sql": dg.MetadataValue.md(f"```sql\n{HOLIDAY_SCOPE_SQL}\n```"),
    },
)
def dim_holiday(warehouse: Warehouse) -> TableRows:
    """Public holidays of the groups' countries over the calendar's years, rebuilt whole."""
    with warehouse.get_engine().connect() as conn:
        countries, years = conn.execute(sa.text(HOLIDAY_SCOPE_SQL)).one()
    return TableRows(marts.dim_holiday, holiday_rows(countries, years))


UPCOMING_SQL = load_sql("upcoming_events")


@dg.asset(
    group_name="marts",
    kinds={"postgres", "sql"},
    pool="meetup_api",
    backfill_policy=single_run,
    metadata={
        **table_metadata(marts.upcoming_events),
        "sql": dg.MetadataValue.md(f"```sql\n{UPCOMING_SQL}\n```"),
    },
    check_specs=[upcoming_check.SPEC],
)
def upcoming_events(
    context: dg.AssetExecutionContext,
    meetup: MeetupResource,
    warehouse: Warehouse,
    region: RegionSettings,
) -> Iterator[dg.Output | dg.AssetCheckResult]:
    """The region's events scheduled in the next 60 days, for the dashboard; refreshed by
    a sensor.

    The extraction's payloads go to PostgreSQL as bound JSON, and `sql/upcoming_events.sql`
    types them with the same rules as past events, so both agree on what is online and
    which coordinates are a place. A snapshot that cannot be taken (the API failing past
    its retries) must not take the report down with it: the table is left as it was (the
    IO manager writes nothing for `None`), and the output is still yielded, because an
    output not yielded would make Dagster skip the dashboard.
    """
    now = datetime.now(UTC)
    sources = region.sources()  # what to ask for: the region resource's, not `meetup`'s
    try:
        extraction = meetup.extract_window(now, now + UPCOMING_HORIZON, sources=sources)
    except (MeetupRetryError, MeetupPaginationError) as exc:
        # the API failing past its retries; refused credentials or a rejected query are
        # not a stale snapshot but a fault to fix, and fail the step as before
        reason = str(exc)  # the client's messages are redacted where they are made
        as_of = _previous_snapshot(warehouse)
        context.log.warning(
            "upcoming events: the refresh failed, the list of %s is kept and marked stale: %s",
            as_of.isoformat() if as_of else "(none yet)",
            reason,
        )
        facts = {
            STALE_KEY: True,
            AS_OF_KEY: as_of.isoformat() if as_of else "",
            "error": reason,
        }
        yield dg.Output(None, metadata=facts)
        yield dg.AssetCheckResult(
            check_name=UPCOMING_CHECK,
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            description=f"the last refresh failed; the list is as of {facts[AS_OF_KEY] or '-'}",
            metadata=facts,
        )
        return
    events = [
        {"starts_at": fetched.model.date_time.isoformat(), "payload": fetched.raw}
        for fetched in extraction.events
    ]
    yield dg.Output(
        TableSelect(
            marts.upcoming_events,
            UPCOMING_SQL,
            {
                **sql_params(),
                "events": json.dumps(events),
                "groups": json.dumps([fetched.raw for fetched in extraction.groups]),
                "snapshot_at": extraction.fetched_at,
            },
        ),
        metadata={
            "source": extraction.source,
            "requests": extraction.stats.requests,
            STALE_KEY: False,
            AS_OF_KEY: extraction.fetched_at.isoformat(),
        },
    )
    yield dg.AssetCheckResult(check_name=UPCOMING_CHECK, passed=True)


def _previous_snapshot(warehouse: Warehouse) -> datetime | None:
    """When the kept list was taken (None when there is none yet)."""
    table = marts.upcoming_events
    try:
        with warehouse.get_engine().connect() as conn:
            return conn.execute(sa.select(sa.func.max(table.c.snapshot_at))).scalar_one()
    except sa.exc.ProgrammingError:  # no table yet: the first refresh failed
        return None
