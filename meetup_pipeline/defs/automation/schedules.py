"""Schedules: the daily run and its restatement window.

Once a local day has ended everywhere the warehouse has groups (`localdays.day_ended_at`
over the zones of `dim_group`), one run materializes that day and the seven days before
it through every asset (raw -> staging -> marts -> dashboard). RSVP and attendance counts
keep changing after an event, so each day re-extracts a trailing week; every write
replaces its window, so re-running a day is safe.

The schedule ticks every hour at :15 on the warehouse's clock (`MEETUP_TIMEZONE`); the
first tick after a day has ended everywhere requests its run and the later ones skip. For
one region on its own clock that is 00:15 local, as before; for a worldwide network it is
the first :15 after the day has ended in its westernmost chapter. A day is never newer
than the partitions' own newest day (yesterday on the clock).

Why one run over the eight days and not eight runs: every partitioned asset has
`BackfillPolicy.single_run()` and reads its window from `partition_time_window`, so a
range costs one API pass per group (eight runs would discover every group eight times,
each pass waiting for the single `meetup_api` pool slot) and one SQL statement per table.
One run also takes one run-queue slot, retries as a whole, and leaves the marts consistent
for the window at once. See docs/automation.md.
"""

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from meetup_pipeline.dagster_private import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PRIORITY_TAG,
    RUN_KEY_TAG,
    SCHEDULE_NAME_TAG,
)
from meetup_pipeline.localdays import newest_ended_day
from meetup_pipeline.partitions import daily
from meetup_pipeline.settings.clock import DAILY_CRON, LOCAL_TIMEZONE, daily_cron
from meetup_pipeline.warehouse.resource import Warehouse
from meetup_pipeline.warehouse.zones import warehouse_zones

LOCAL = ZoneInfo(LOCAL_TIMEZONE)

DAILY_JOB_NAME = "daily_job"
DAILY_SCHEDULE_NAME = "daily_schedule"
DAILY_SCHEDULE_CRON = daily_cron()
DAILY_AT = "Hourly at :15" if DAILY_SCHEDULE_CRON == DAILY_CRON else f"cron {DAILY_SCHEDULE_CRON!r}"

RESTATEMENT_DAYS = 7
"""Days before yesterday that each daily run re-materializes (RSVPs change after events)."""

DAILY_RUN_PRIORITY = 10
"""`dagster/priority` of the daily run. Backfill runs have 0, so the daily run leaves the
run queue first and its `meetup_api` step is granted the pool slot before waiting backfill
steps (Dagster adds the run's priority to each step's pool-claim priority)."""

RUN_KIND_TAG = "meetup/run_kind"

UPCOMING_EVENTS = "upcoming_events"
"""The one unpartitioned asset outside the daily run: its own sensor refreshes it."""

DAILY_SELECTION = dg.AssetSelection.all() - dg.AssetSelection.from_string(
    f'key:"{UPCOMING_EVENTS}"'
)
"""Every asset but `upcoming_events`: all daily-partitioned assets, plus the unpartitioned
`dashboard` when the code location has it (so the page is rebuilt after the marts change).
Written with `key:` filters so a missing key selects nothing instead of failing to load."""

daily_job = dg.define_asset_job(
    DAILY_JOB_NAME,
    selection=DAILY_SELECTION,
    description=(
        "Every daily-partitioned asset (and the dashboard). Scheduled daily over yesterday "
        "plus a 7-day restatement window; also the job to backfill from in the UI."
    ),
)


def daily_window(
    instant: datetime, zones: Sequence[ZoneInfo] | None = None
) -> tuple[str, str] | None:
    """First and last partition key of the run scheduled at `instant`, or None if none.

    The last key is the newest day that has ended in every one of `zones` (the clock's
    zone if none are given), and never newer than the partitions' newest day; the first
    is `RESTATEMENT_DAYS` before it, clipped to the partitions' start.
    """
    if instant.tzinfo is None:
        raise ValueError("daily_window needs a timezone-aware datetime")
    with dg.partition_loading_context(effective_dt=instant):
        last_key = daily.get_last_partition_key()
    if last_key is None:
        return None
    start = daily.start.astimezone(LOCAL).date()
    last = min(date.fromisoformat(last_key), newest_ended_day(instant, zones or [LOCAL]))
    if last < start:
        return None
    first = max(last - timedelta(days=RESTATEMENT_DAYS), start)
    return first.isoformat(), last.isoformat()


def _already_requested(context: dg.ScheduleEvaluationContext, run_key: str) -> bool:
    """Whether this schedule has launched the run for `run_key` at an earlier tick."""
    try:
        instance = context.instance
    except dg.DagsterInvariantViolationError:  # evaluated without an instance (tests)
        return False
    tags = {RUN_KEY_TAG: run_key, SCHEDULE_NAME_TAG: DAILY_SCHEDULE_NAME}
    return bool(instance.get_run_records(dg.RunsFilter(tags=tags), limit=1))


def daily_run_tags(first: str, last: str) -> dict[str, str]:
    """Tags that make one run cover `first..last` (single-run backfill) at high priority."""
    return {
        ASSET_PARTITION_RANGE_START_TAG: first,
        ASSET_PARTITION_RANGE_END_TAG: last,
        PRIORITY_TAG: str(DAILY_RUN_PRIORITY),
        RUN_KIND_TAG: "daily",
    }


@dg.schedule(
    name=DAILY_SCHEDULE_NAME,
    job=daily_job,
    cron_schedule=DAILY_SCHEDULE_CRON,
    execution_timezone=LOCAL_TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description=(
        f"{DAILY_AT} {LOCAL_TIMEZONE}: once a day has ended everywhere the warehouse has "
        f"groups, that day and the 7 days before it, in one run, priority "
        f"{DAILY_RUN_PRIORITY} (00:15 for a single region)."
    ),
)
def daily_schedule(
    context: dg.ScheduleEvaluationContext, warehouse: Warehouse
) -> dg.RunRequest | dg.SkipReason:
    """One run over the newest day ended everywhere and the restatement window before it."""
    instant = context.scheduled_execution_time or datetime.now(LOCAL)
    window = daily_window(instant, warehouse_zones(warehouse, LOCAL_TIMEZONE))
    if window is None:
        return dg.SkipReason(f"No complete day since the partitions start ({daily.start:%F}).")
    first, last = window
    run_key = f"daily-{last}"
    if _already_requested(context, run_key):
        return dg.SkipReason(f"{last} was requested at an earlier tick ({run_key}).")
    return dg.RunRequest(run_key=run_key, tags=daily_run_tags(first, last))
