"""Freshness: silence is noticed, where something was asked to keep the data fresh.

A pipeline that stops running raises no error: no run fails, so `run_failure_alert` has
nothing to say. The freshness checks turn "nothing happened" into a failed check, but only
for what an automation of this code location was switched on to keep fresh:

- `fact_events` is kept fresh by `daily_schedule`. The day due is the newest local day D
  whose deadline has passed: 04:00 on D+1 wherever the warehouse has groups
  (`localdays.day_ended_at` over the zones of `dim_group`; for one region, yesterday by
  04:00 local). It is judged only if the schedule was on (in the instance's schedule state)
  at the tick that asks for D: its first tick after D has ended everywhere.
- `dashboard` is kept fresh by `upcoming_events_refresh` (every 3 hours): it must be under
  `DASHBOARD_MAX_AGE` old once that sensor has been on for that long.

A warehouse filled by a manual backfill, with no schedule on (the quickstart), is not late:
the check passes and says why it judged nothing. When data IS late the check fails with
severity WARN (the UI shows "Failed" with a warning icon, the console "FAILED (WARN)") and
says which run should have loaded what. Everything about judging lives in `judge_*` below.

The checks keep Dagster's freshness metadata (`dagster/fresh_until_timestamp` ...), so
`freshness_checks_sensor` (Dagster's `build_sensor_for_freshness_checks`,
`automation/freshness_checks.py`) runs each one when it can next turn overdue. A failed
check is not a failed run, so `freshness_alert` (`alerts/freshness.py`) watches their
results and sends each new failure to the same `MEETUP_ALERT_WEBHOOK_URL` as the failure
alerts (same payload shape, same redaction, `"status": "STALE"`), and logs
it at the check's severity.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg
from dagster import EventLogRecord

from meetup_pipeline.dagster_private import (
    InstigatorType,
    ScheduleInstigatorData,
    SensorInstigatorData,
    get_next_cron_tick,
)
from meetup_pipeline.defs.automation import refresh, schedules
from meetup_pipeline.defs.automation.schedules import DAILY_SCHEDULE_CRON
from meetup_pipeline.localdays import day_ended_at, newest_ended_day
from meetup_pipeline.partitions import daily
from meetup_pipeline.settings.clock import LOCAL_TIMEZONE
from meetup_pipeline.warehouse.resource import Warehouse
from meetup_pipeline.warehouse.zones import warehouse_zones

log = logging.getLogger(__name__)

TIMEZONE = LOCAL_TIMEZONE
"""The warehouse's clock (MEETUP_TIMEZONE): how times are labelled, when the schedule ticks."""
FACT_EVENTS_DEADLINE = time(4)
"""Local wall time on D+1 by which day D must be in, wherever the warehouse has groups."""
DASHBOARD_MAX_AGE = timedelta(hours=8)
CHECK_INTERVAL_S = 15 * 60
ALERT_INTERVAL_S = 5 * 60
CHECK_NAME = "freshness_check"

FACT_EVENTS_KEEPER = (schedules.daily_schedule.name, InstigatorType.SCHEDULE)
DASHBOARD_KEEPER = (refresh.upcoming_events_refresh.name, InstigatorType.SENSOR)
"""The automation that keeps each asset fresh: (name, kind), as the instance stores it."""

FRESH_UNTIL = "dagster/fresh_until_timestamp"
"""Dagster's key: `freshness_checks_sensor` re-runs a passed check once this is past."""


# --- judging ---------------------------------------------------------------------------------


def on_since(instance: dg.DagsterInstance, name: str, kind: InstigatorType) -> float | None:
    """When the schedule or sensor `name` was switched on, if it is on now; None if it is
    off or no daemon ever ran it (its state is stored when the daemon first sees it, or
    when someone starts it in the UI)."""
    if instance.schedule_storage is None:  # an ephemeral instance: nothing can be on
        return None
    starts: list[float] = []
    for state in instance.all_instigator_state(instigator_type=kind):
        if state.instigator_name != name or not state.is_running:
            continue
        data = state.instigator_data
        if isinstance(data, ScheduleInstigatorData):
            starts.append(data.start_timestamp or 0.0)
        elif isinstance(data, SensorInstigatorData):
            starts.append(data.last_sensor_start_timestamp or 0.0)
        else:
            starts.append(0.0)  # on, since a time nobody recorded: long enough
    return min(starts) if starts else None


@dataclass(frozen=True)
class Verdict:
    """One freshness judgement: what the check result says."""

    passed: bool
    judged: bool
    description: str
    metadata: dict[str, Any] = field(default_factory=dict)


def _local(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, ZoneInfo(TIMEZONE)).strftime("%Y-%m-%d %H:%M %Z")


def _latest(
    instance: dg.DagsterInstance, key: str, partition: str | None = None
) -> EventLogRecord | None:
    records_filter = dg.AssetRecordsFilter(
        asset_key=dg.AssetKey(key), asset_partitions=[partition] if partition else None
    )
    records = instance.fetch_materializations(records_filter, limit=1).records
    return records[0] if records else None


def due_day(now: datetime, zones: Sequence[ZoneInfo]) -> date | None:
    """The newest local day whose deadline has passed at `now` (never newer than the
    partitions' newest day), or None before the first partition is due."""
    with dg.partition_loading_context(effective_dt=now):
        last_key = daily.get_last_partition_key()
    if last_key is None:
        return None
    day = min(date.fromisoformat(last_key), newest_ended_day(now, zones, FACT_EVENTS_DEADLINE))
    return day if day.isoformat() >= daily.get_first_partition_key() else None


def judge_fact_events(
    instance: dg.DagsterInstance, now: datetime, zones: Sequence[ZoneInfo] | None = None
) -> Verdict:
    """Is the newest local day due loaded, if `daily_schedule` was on when it asked for it?
    `zones`: where the warehouse has groups (the clock's zone if none are known)."""
    zones = list(zones or [ZoneInfo(TIMEZONE)])
    name, kind = FACT_EVENTS_KEEPER
    since = on_since(instance, name, kind)
    latest = _latest(instance, "fact_events")
    newest = (
        f"last materialized: partition {latest.partition_key} at {_local(latest.timestamp)}"
        if latest
        else "never materialized"
    )
    metadata: dict[str, Any] = {
        "dagster/freshness_params": dg.MetadataValue.json(
            {
                "timezone": TIMEZONE,
                "deadline": "04:00 on the next day wherever the warehouse has groups",
                "kept_by": name,
            }
        ),
        "kept_fresh_by": name,
        "on_since": dg.MetadataValue.timestamp(since) if since is not None else "off",
        "zones": ", ".join(sorted(z.key for z in zones)),
    }
    day = due_day(now, zones)
    if day is None:
        metadata[FRESH_UNTIL] = dg.MetadataValue.timestamp((now + timedelta(hours=1)).timestamp())
        return Verdict(
            passed=True, judged=False, description="Not judged: no day is due yet.",
            metadata=metadata,
        )  # fmt: skip
    deadline = day_ended_at(day, zones, FACT_EVENTS_DEADLINE)
    next_deadline = day_ended_at(day + timedelta(days=1), zones, FACT_EVENTS_DEADLINE)
    # the schedule asks for `day` at its first tick after `day` has ended everywhere
    run_at = get_next_cron_tick(DAILY_SCHEDULE_CRON, day_ended_at(day, zones), TIMEZONE)
    metadata["due_partition"] = day.isoformat()
    metadata["dagster/overdue_deadline_timestamp"] = dg.MetadataValue.timestamp(
        deadline.timestamp()
    )
    if since is None or since > run_at.timestamp():
        why = (
            f"{name} is not running (the daemon, e.g. `dagster dev`, runs it once it is on)"
            if since is None
            else f"{name} was switched on at {_local(since)}, after its tick of "
            f"{_local(run_at.timestamp())} that asks for partition {day}"
        )
        metadata[FRESH_UNTIL] = dg.MetadataValue.timestamp(next_deadline.timestamp())
        return Verdict(
            passed=True,
            judged=False,
            description=f"Not judged: {why}, so no day is due yet ({newest}).",
            metadata=metadata,
        )
    record = _latest(instance, "fact_events", day.isoformat())
    if record is not None:
        metadata[FRESH_UNTIL] = dg.MetadataValue.timestamp(next_deadline.timestamp())
        metadata["dagster/last_updated_timestamp"] = dg.MetadataValue.timestamp(record.timestamp)
        return Verdict(
            passed=True,
            judged=True,
            description=f"Fresh: partition {day} is loaded, as {name} must by "
            f"{_local(deadline.timestamp())}.",
            metadata=metadata,
        )
    metadata["dagster/overdue_seconds"] = (now - deadline).total_seconds()
    if latest is not None:
        metadata["dagster/last_updated_timestamp"] = dg.MetadataValue.timestamp(latest.timestamp)
    return Verdict(
        passed=False,
        judged=True,
        description=f"Late: partition {day} is not loaded, though {name} has been on since "
        f"{_local(since)} and its tick of {_local(run_at.timestamp())} should have loaded it "
        f"by {_local(deadline.timestamp())}, 04:00 the next day wherever the warehouse has "
        f"groups ({newest}).",
        metadata=metadata,
    )


def judge_dashboard(instance: dg.DagsterInstance, now: datetime) -> Verdict:
    """Was the dashboard rebuilt within `DASHBOARD_MAX_AGE`, if its refresh sensor has been
    on for at least that long?"""
    name, kind = DASHBOARD_KEEPER
    since = on_since(instance, name, kind)
    bound = now - DASHBOARD_MAX_AGE
    latest = _latest(instance, "dashboard")
    built = f"last built {_local(latest.timestamp)}" if latest else "never built"
    metadata: dict[str, Any] = {
        "dagster/freshness_params": dg.MetadataValue.json(
            {
                "timezone": TIMEZONE,
                "lower_bound_delta_seconds": DASHBOARD_MAX_AGE.total_seconds(),
                "kept_by": name,
            }
        ),
        "dagster/freshness_lower_bound_timestamp": dg.MetadataValue.timestamp(bound.timestamp()),
        "kept_fresh_by": name,
        "on_since": dg.MetadataValue.timestamp(since) if since is not None else "off",
    }
    if latest is not None:
        metadata["dagster/last_updated_timestamp"] = dg.MetadataValue.timestamp(latest.timestamp)
    if since is None or since > bound.timestamp():
        why = (
            f"{name} is not running (the daemon, e.g. `dagster dev`, runs it once it is on), "
            f"so nothing keeps the dashboard under {_hours(DASHBOARD_MAX_AGE)} old"
            if since is None
            else f"{name} has been on only since {_local(since)}, "
            f"less than {_hours(DASHBOARD_MAX_AGE)}"
        )
        judged_from = (since or now.timestamp()) + DASHBOARD_MAX_AGE.total_seconds()
        metadata[FRESH_UNTIL] = dg.MetadataValue.timestamp(judged_from)
        return Verdict(
            passed=True,
            judged=False,
            description=f"Not judged: {why} ({built}).",
            metadata=metadata,
        )
    if latest is not None and latest.timestamp >= bound.timestamp():
        until = latest.timestamp + DASHBOARD_MAX_AGE.total_seconds()
        metadata[FRESH_UNTIL] = dg.MetadataValue.timestamp(until)
        return Verdict(
            passed=True,
            judged=True,
            description=f"Fresh: {built}, within {_hours(DASHBOARD_MAX_AGE)}.",
            metadata=metadata,
        )
    return Verdict(
        passed=False,
        judged=True,
        description=f"Late: {built}, though {name} has been on since {_local(since)} and "
        f"rebuilds it every few hours; the bound is {_hours(DASHBOARD_MAX_AGE)}.",
        metadata=metadata,
    )


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:g} hours"


# --- the checks ------------------------------------------------------------------------------


def _result(verdict: Verdict) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=verdict.passed,
        severity=dg.AssetCheckSeverity.WARN,
        description=verdict.description,
        metadata={**verdict.metadata, "judged": verdict.judged},
    )


@dg.asset_check(
    asset="fact_events",
    name=CHECK_NAME,
    description=(
        "The newest local day due is loaded: day D by 04:00 on D+1 wherever the warehouse "
        "has groups; judged only while daily_schedule is on (warns)."
    ),
)
def fact_events_freshness(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse
) -> dg.AssetCheckResult:
    zones = warehouse_zones(warehouse, TIMEZONE)
    return _result(judge_fact_events(context.instance, datetime.now(UTC), zones))


@dg.asset_check(
    asset="dashboard",
    name=CHECK_NAME,
    description=(
        f"The dashboard is under {_hours(DASHBOARD_MAX_AGE)} old; judged once "
        "upcoming_events_refresh has been on that long (warns)."
    ),
)
def dashboard_freshness(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    return _result(judge_dashboard(context.instance, datetime.now(UTC)))


freshness_checks: list[dg.AssetChecksDefinition] = [fact_events_freshness, dashboard_freshness]
