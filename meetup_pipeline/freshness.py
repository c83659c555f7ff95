"""Freshness: silence is noticed.

A pipeline that stops running raises no error: no run fails, so `run_failure_alert` has
nothing to say. Dagster's freshness checks turn "nothing happened" into a failed check:

- `fact_events`: the newest local day due must be materialized: day D by 04:00 on D+1
  wherever the warehouse has groups (`day_freshness.py`; for a single region, yesterday by
  04:00 local: the daily run starts at 00:15 and takes minutes).
- `dashboard`: rebuilt within `DASHBOARD_MAX_AGE` (the refresh sensor rebuilds it every
  3 hours, the daily run once more).

Both warn (severity WARN) rather than error: after a backfill of an old window the data
really is stale next to the wall clock, which is worth a yellow mark and an alert, not a
red run summary. `freshness_checks_sensor` (Dagster's `build_sensor_for_freshness_checks`)
runs the checks when they can next turn overdue. A failed check is not a failed run, so
`freshness_alert` watches their results and sends each new failure to the same
`MEETUP_ALERT_WEBHOOK_URL` as the failure alerts (same payload shape, same redaction,
`"status": "STALE"`).
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import dagster as dg
from dagster._core.storage.asset_check_execution_record import (
    AssetCheckExecutionRecord,
    AssetCheckExecutionRecordStatus,
)

from meetup_pipeline.day_freshness import fact_events_freshness as fact_events_day_check
from meetup_pipeline.sensors import WEBHOOK_ENV, post_alert, redact
from meetup_pipeline.settings import LOCAL_TIMEZONE

log = logging.getLogger(__name__)

TIMEZONE = LOCAL_TIMEZONE
"""The warehouse's clock (MEETUP_TIMEZONE), for the dashboard's age."""
DASHBOARD_MAX_AGE = timedelta(hours=8)
CHECK_INTERVAL_S = 15 * 60
ALERT_INTERVAL_S = 5 * 60

# Dagster 1.13 marks these builders "superseded" by `FreshnessPolicy`, whose state is kept
# by a daemon and is neither an asset check nor visible to a sensor; checks are what
# `dagster asset check`, the UI's check history and the alert sensor below work with.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*superseded.*")
    fact_events_freshness = [fact_events_day_check]
    dashboard_freshness = dg.build_last_update_freshness_checks(
        assets=[dg.AssetKey("dashboard")],
        lower_bound_delta=DASHBOARD_MAX_AGE,
        timezone=TIMEZONE,
        severity=dg.AssetCheckSeverity.WARN,
    )
    freshness_checks: list[dg.AssetChecksDefinition] = [
        *fact_events_freshness,
        *dashboard_freshness,
    ]
    freshness_checks_sensor = dg.build_sensor_for_freshness_checks(
        freshness_checks=freshness_checks,
        minimum_interval_seconds=CHECK_INTERVAL_S,
        name="freshness_checks_sensor",
        default_status=dg.DefaultSensorStatus.RUNNING,
    )


def freshness_check_keys() -> list[dg.AssetCheckKey]:
    return [key for check in freshness_checks for key in check.check_keys]


def stale_alert(record: AssetCheckExecutionRecord) -> dict[str, Any]:
    """The webhook body for one failed freshness check (shaped like the failure alerts)."""
    evaluation = record.event.asset_check_evaluation if record.event else None
    metadata = evaluation.metadata if evaluation else {}
    description = evaluation.description if evaluation and evaluation.description else ""
    asset = record.key.asset_key.to_user_string()
    details = ", ".join(
        f"{name}={getattr(value, 'value', value)}"
        for name, value in sorted(metadata.items())
        if name.startswith("dagster/")
    )
    text = (
        f"Data is late: {asset} failed its freshness check {record.key.name}. "
        f"{description.rstrip('.')}." + (f" ({details})" if details else "")
    )
    return {
        "text": redact(text),
        "status": "STALE",
        "asset": asset,
        "check": record.key.name,
        "run_id": record.run_id,
        "sent_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def new_failures(
    latest: Mapping[dg.AssetCheckKey, AssetCheckExecutionRecord], cursor: Mapping[str, int]
) -> list[AssetCheckExecutionRecord]:
    """Failed evaluations not alerted yet (one per check: its newest)."""
    return [
        record
        for key, record in latest.items()
        if record.status == AssetCheckExecutionRecordStatus.FAILED
        and record.id > cursor.get(key.to_user_string(), -1)
    ]


@dg.sensor(
    name="freshness_alert",
    minimum_interval_seconds=ALERT_INTERVAL_S,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        f"Each new failure of a freshness check: a summary in the tick log, and a JSON POST "
        f"to ${WEBHOOK_ENV} when it is set."
    ),
)
def freshness_alert(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    """Alert once per failed evaluation; never fails the tick."""
    cursor: dict[str, int] = json.loads(context.cursor) if context.cursor else {}
    latest = context.instance.event_log_storage.get_latest_asset_check_execution_by_key(
        freshness_check_keys()
    )
    failures = new_failures(latest, cursor)
    url = os.environ.get(WEBHOOK_ENV, "").strip()
    for record in failures:
        payload = stale_alert(record)
        context.log.error(payload["text"])
        if url:
            outcome = post_alert(url, payload)
            level = logging.INFO if outcome.startswith("delivered") else logging.WARNING
            context.log.log(level, f"Alert webhook ({WEBHOOK_ENV}): {outcome}.")
        cursor[record.key.to_user_string()] = record.id
    context.update_cursor(json.dumps(cursor, sort_keys=True))
    return dg.SkipReason(f"{len(failures)} new stale-data alert(s)")


sensors: Sequence[dg.SensorDefinition] = [freshness_checks_sensor, freshness_alert]
