"""Asset checks: the data-quality gates between layers.

Each check runs in the same run as its asset and looks at that run's partition window,
so a one-day run checks one day. Blocking checks stop downstream assets (and so the
dashboard) from building on bad data; the row-count anomaly only warns.
"""

from collections.abc import Callable
from typing import Any

import dagster as dg
import sqlalchemy as sa

from meetup_pipeline.partitions import daily
from meetup_pipeline.sql import load_sql
from meetup_pipeline.warehouse.relations import Window
from meetup_pipeline.warehouse.resource import Warehouse

ANOMALY_LOW, ANOMALY_HIGH = 0.25, 4.0
"""A window whose events per day fall outside [25%, 400%] of the trailing 28 days warns."""


Judge = Callable[[list[sa.Row[Any]], Window], dg.AssetCheckResult]


def window_check(
    *, description: str, blocking: bool = True
) -> Callable[[Judge], dg.AssetChecksDefinition]:
    """A check of `fact_events` over the run's window, named after the decorated function.

    The check runs `sql/checks/<name>.sql` with the window's bounds; the decorated function
    only judges the rows it returns (and the window, for per-day figures).
    """

    def decorate(judge: Judge) -> dg.AssetChecksDefinition:
        sql = load_sql(f"checks/{judge.__name__}")

        @dg.asset_check(
            asset="fact_events",
            name=judge.__name__,
            partitions_def=daily,
            blocking=blocking,
            description=description,
        )
        def _check(
            context: dg.AssetCheckExecutionContext, warehouse: Warehouse
        ) -> dg.AssetCheckResult:
            window = Window.of(context.partition_time_window)
            with warehouse.get_engine().connect() as conn:
                rows = list(conn.execute(sa.text(sql), window.params()))
            return judge(rows, window)

        return _check

    return decorate


@window_check(
    description="No event id appears twice in fact_events (checked for the window's events)."
)
def fact_events_unique_event_ids(rows: list[sa.Row[Any]], window: Window) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=not rows,
        metadata={"duplicated_ids": [r.event_id for r in rows]},
    )


@window_check(description="Every key of the window's facts is non-null and found in its dimension.")
def fact_events_keys_resolve(rows: list[sa.Row[Any]], window: Window) -> dg.AssetCheckResult:
    (row,) = rows
    counts = dict(row._mapping)
    bad = counts["null_keys"] + counts["orphan_dates"] + counts["orphan_groups"]
    bad += counts["orphan_venues"]
    return dg.AssetCheckResult(passed=bad == 0, metadata=counts)


@window_check(
    description="Every event landed in raw_events for the window reached fact_events once."
)
def raw_and_fact_events_reconcile(rows: list[sa.Row[Any]], window: Window) -> dg.AssetCheckResult:
    (row,) = rows
    return dg.AssetCheckResult(
        passed=row.raw_events == row.fact_events,
        metadata={"raw_events": row.raw_events, "fact_events": row.fact_events},
    )


@window_check(
    description="Events per day in the window against the trailing 28 days (warning only).",
    blocking=False,
)
def fact_events_row_count_anomaly(rows: list[sa.Row[Any]], window: Window) -> dg.AssetCheckResult:
    (row,) = rows
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
