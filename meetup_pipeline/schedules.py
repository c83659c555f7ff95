"""Schedules: the daily run and its restatement window.

Shortly after midnight in the region's time zone (`MEETUP_TIMEZONE`) one run
materializes yesterday's partition and the seven days before it through every asset
(raw -> staging -> marts -> dashboard). RSVP and attendance counts keep changing after an
event, so each day re-extracts a trailing week; every write replaces its window, so
re-running a day is safe.

Why one run over the eight days and not eight runs: every partitioned asset has
`BackfillPolicy.single_run()` and reads its window from `partition_time_window`, so a
range costs one API pass per group (eight runs would discover every group eight times,
each pass waiting for the single `meetup_api` pool slot) and one SQL statement per table.
One run also takes one run-queue slot, retries as a whole, and leaves the marts consistent
for the window at once. See docs/automation.md.
"""

import os
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import (
    UnresolvedAssetJobDefinition,
)
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PRIORITY_TAG,
)
from dagster._utils import schedules as dg_schedules

from meetup_pipeline.assets.partitions import daily
from meetup_pipeline.settings import LOCAL_TIMEZONE, SettingsError

LOCAL = ZoneInfo(LOCAL_TIMEZONE)

DAILY_JOB_NAME = "daily_job"
DAILY_CRON = "15 0 * * *"
"""00:15 local time (`MEETUP_TIMEZONE`): the day just ended is complete, with a margin."""
DAILY_CRON_ENV = "MEETUP_DAILY_CRON"
"""Overrides `DAILY_CRON`, e.g. `* * * * *` to see the schedule fire in a test (each tick
is a run: Dagster's run-key check for schedules is per tick, not per day)."""


def daily_cron(environ: Mapping[str, str] | None = None) -> str:
    """The daily schedule's cron: `MEETUP_DAILY_CRON` if set, else 00:15."""
    raw = (os.environ if environ is None else environ).get(DAILY_CRON_ENV, "").strip()
    if not raw:
        return DAILY_CRON
    if not dg_schedules.is_valid_cron_string(raw):
        raise SettingsError(
            f"{DAILY_CRON_ENV}={raw!r} is not a cron expression (five fields, e.g. "
            f"'{DAILY_CRON}'); fix it or unset it for the default"
        )
    return raw


DAILY_SCHEDULE_CRON = daily_cron()
DAILY_AT = "00:15" if DAILY_SCHEDULE_CRON == DAILY_CRON else f"cron {DAILY_SCHEDULE_CRON!r}"

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


def daily_window(instant: datetime) -> tuple[str, str] | None:
    """First and last partition key of the run scheduled at `instant`, or None if none.

    The last key is the newest complete local day (yesterday, as the partitions define
    it); the first is `RESTATEMENT_DAYS` before it, clipped to the partitions' start.
    """
    if instant.tzinfo is None:
        raise ValueError("daily_window needs a timezone-aware datetime")
    with dg.partition_loading_context(effective_dt=instant):
        last_key = daily.get_last_partition_key()
    if last_key is None:
        return None
    last = date.fromisoformat(last_key)
    first = max(last - timedelta(days=RESTATEMENT_DAYS), daily.start.astimezone(LOCAL).date())
    return first.isoformat(), last_key


def daily_run_tags(first: str, last: str) -> dict[str, str]:
    """Tags that make one run cover `first..last` (single-run backfill) at high priority."""
    return {
        ASSET_PARTITION_RANGE_START_TAG: first,
        ASSET_PARTITION_RANGE_END_TAG: last,
        PRIORITY_TAG: str(DAILY_RUN_PRIORITY),
        RUN_KIND_TAG: "daily",
    }


@dg.schedule(
    name="daily_schedule",
    job=daily_job,
    cron_schedule=DAILY_SCHEDULE_CRON,
    execution_timezone=LOCAL_TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description=(
        f"{DAILY_AT} {LOCAL_TIMEZONE}: yesterday and the 7 days before it, in one run, "
        f"priority {DAILY_RUN_PRIORITY}."
    ),
)
def daily_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    """One run over yesterday and the restatement window before it."""
    instant = context.scheduled_execution_time or datetime.now(LOCAL)
    window = daily_window(instant)
    if window is None:
        return dg.SkipReason(f"No complete day since the partitions start ({daily.start:%F}).")
    first, last = window
    return dg.RunRequest(run_key=f"daily-{last}", tags=daily_run_tags(first, last))


schedules: list[dg.ScheduleDefinition] = [daily_schedule]
jobs: list[UnresolvedAssetJobDefinition] = [daily_job]
