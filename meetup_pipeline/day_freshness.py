"""fact_events' freshness, judged on local days.

Day D is due by `FACT_EVENTS_DEADLINE` (04:00) on D+1 wherever the warehouse has groups
(`localdays.day_ended_at` over the zones of `dim_group`, the clock's while none is known):
the daily run asks for D once D has ended there (schedules.py) and takes minutes. For one
region on its own clock this is what Dagster's `build_time_partition_freshness_checks`
with `deadline_cron="0 4 * * *"` checked; for a worldwide network the deadline follows the
westernmost chapter. The result carries Dagster's freshness metadata keys, so
`build_sensor_for_freshness_checks` schedules it like a built check (it re-runs a passed
check once `dagster/fresh_until_timestamp` is reached) and the alert reads it the same.
"""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg

from meetup_pipeline.assets.partitions import daily
from meetup_pipeline.localdays import day_ended_at, newest_ended_day
from meetup_pipeline.settings import LOCAL_TIMEZONE
from meetup_pipeline.warehouse.resource import Warehouse
from meetup_pipeline.warehouse.zones import warehouse_zones

FACT_EVENTS_DEADLINE = time(4)
"""Local wall time on the next day by which a day's events must be in."""
ASSET = dg.AssetKey("fact_events")


def due_day(now: datetime, zones: list[ZoneInfo]) -> date | None:
    """The newest day whose deadline has passed at `now` (never newer than the partitions'
    newest day), or None before the first partition is due."""
    with dg.partition_loading_context(effective_dt=now):
        last_key = daily.get_last_partition_key()
    if last_key is None:
        return None
    day = min(date.fromisoformat(last_key), newest_ended_day(now, zones, FACT_EVENTS_DEADLINE))
    return day if day.isoformat() >= daily.get_first_partition_key() else None


def _latest_timestamp(instance: dg.DagsterInstance, partition: str | None) -> float | None:
    records_filter = dg.AssetRecordsFilter(
        asset_key=ASSET, asset_partitions=[partition] if partition else None
    )
    records = instance.fetch_materializations(records_filter, limit=1).records
    return records[0].timestamp if records else None


def evaluate(
    instance: dg.DagsterInstance, now: datetime, zones: list[ZoneInfo]
) -> dg.AssetCheckResult:
    day = due_day(now, zones)
    if day is None:
        return dg.AssetCheckResult(
            passed=True, severity=dg.AssetCheckSeverity.WARN, description="No day is due yet."
        )
    deadline = day_ended_at(day, zones, FACT_EVENTS_DEADLINE)
    metadata: dict[str, Any] = {
        "dagster/overdue_deadline_timestamp": dg.MetadataValue.timestamp(deadline),
        "expected_partition": day.isoformat(),
        "zones": ", ".join(sorted(z.key for z in zones)),
    }
    if _latest_timestamp(instance, day.isoformat()) is not None:
        next_deadline = day_ended_at(day + timedelta(days=1), zones, FACT_EVENTS_DEADLINE)
        metadata["dagster/fresh_until_timestamp"] = dg.MetadataValue.timestamp(next_deadline)
        description = f"Fresh: partition {day} (the newest day due) is materialized."
        return dg.AssetCheckResult(
            passed=True, severity=dg.AssetCheckSeverity.WARN, description=description,
            metadata=metadata,
        )  # fmt: skip
    metadata["dagster/overdue_seconds"] = (now - deadline).total_seconds()
    last = _latest_timestamp(instance, None)
    if last is not None:
        metadata["dagster/last_updated_timestamp"] = dg.MetadataValue.timestamp(last)
    description = (
        f"Overdue: partition {day} was due by {deadline.astimezone(UTC):%Y-%m-%d %H:%M} UTC "
        "(04:00 the next day wherever the warehouse has groups) and is not materialized."
    )
    return dg.AssetCheckResult(
        passed=False, severity=dg.AssetCheckSeverity.WARN, description=description,
        metadata=metadata,
    )  # fmt: skip


@dg.asset_check(
    asset=ASSET,
    name="freshness_check",
    description=(
        "The newest local day due is materialized: day D by 04:00 on D+1 wherever the "
        "warehouse has groups."
    ),
)
def fact_events_freshness(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse
) -> dg.AssetCheckResult:
    zones = warehouse_zones(warehouse, LOCAL_TIMEZONE)
    return evaluate(context.instance, datetime.now(UTC), zones)
