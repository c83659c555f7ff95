"""Asset checks: the data-quality gates between layers.

Each check runs in the same run as its asset and looks at that run's partition window,
so a one-day run checks one day. Blocking checks stop downstream assets (and so the
dashboard) from building on bad data; the row-count anomaly only warns.
"""

from collections.abc import Mapping
from typing import Any

import dagster as dg
import sqlalchemy as sa

from meetup_pipeline.partitions import daily
from meetup_pipeline.sql import load_sql
from meetup_pipeline.warehouse.relations import Window
from meetup_pipeline.warehouse.resource import Warehouse

ANOMALY_LOW, ANOMALY_HIGH = 0.25, 4.0
"""A window whose events per day fall outside [25%, 400%] of the trailing 28 days warns."""


_SQL = {
    name: load_sql(f"checks/{name}")
    for name in (
        "fact_events_unique_event_ids",
        "fact_events_keys_resolve",
        "raw_and_fact_events_reconcile",
        "fact_events_row_count_anomaly",
    )
}
"""Each check's SELECT over its window: `sql/checks/<check name>.sql`."""


def _rows(warehouse: Warehouse, sql: str, params: Mapping[str, Any]) -> list[sa.Row[Any]]:
    with warehouse.get_engine().connect() as conn:
        return list(conn.execute(sa.text(sql), dict(params)))


def _window(context: dg.AssetCheckExecutionContext) -> dict[str, Any]:
    return Window.of(context.partition_time_window).params()


@dg.asset_check(
    asset="fact_events",
    partitions_def=daily,
    blocking=True,
    description="No event id appears twice in fact_events (checked for the window's events).",
)
def fact_events_unique_event_ids(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse
) -> dg.AssetCheckResult:
    dupes = _rows(warehouse, _SQL["fact_events_unique_event_ids"], _window(context))
    return dg.AssetCheckResult(
        passed=not dupes,
        metadata={"duplicated_ids": [r.event_id for r in dupes]},
    )


@dg.asset_check(
    asset="fact_events",
    partitions_def=daily,
    blocking=True,
    description="Every key of the window's facts is non-null and found in its dimension.",
)
def fact_events_keys_resolve(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse
) -> dg.AssetCheckResult:
    (row,) = _rows(warehouse, _SQL["fact_events_keys_resolve"], _window(context))
    counts = dict(row._mapping)
    bad = counts["null_keys"] + counts["orphan_dates"] + counts["orphan_groups"]
    bad += counts["orphan_venues"]
    return dg.AssetCheckResult(passed=bad == 0, metadata=counts)


@dg.asset_check(
    asset="fact_events",
    partitions_def=daily,
    blocking=True,
    description="Every event landed in raw_events for the window reached fact_events once.",
)
def raw_and_fact_events_reconcile(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse
) -> dg.AssetCheckResult:
    (row,) = _rows(warehouse, _SQL["raw_and_fact_events_reconcile"], _window(context))
    return dg.AssetCheckResult(
        passed=row.raw_events == row.fact_events,
        metadata={"raw_events": row.raw_events, "fact_events": row.fact_events},
    )


@dg.asset_check(
    asset="fact_events",
    partitions_def=daily,
    description="Events per day in the window against the trailing 28 days (warning only).",
)
def fact_events_row_count_anomaly(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse
) -> dg.AssetCheckResult:
    (row,) = _rows(warehouse, _SQL["fact_events_row_count_anomaly"], _window(context))
    window = Window.of(context.partition_time_window)
    days = (window.end_date - window.start_date).days  # calendar days: DST-proof
    current = row.current / days
    baseline = row.trailing / row.trailing_days if row.trailing_days else None
    ratio = current / baseline if baseline else None
    passed = ratio is None or ANOMALY_LOW <= ratio <= ANOMALY_HIGH
    return dg.AssetCheckResult(
        passed=passed,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "events_per_day": current,
            "trailing_28d_per_day": baseline if baseline is not None else "no history",
            "ratio": ratio if ratio is not None else "no history",
        },
    )


checks = [
    fact_events_unique_event_ids,
    fact_events_keys_resolve,
    raw_and_fact_events_reconcile,
    fact_events_row_count_anomaly,
]
