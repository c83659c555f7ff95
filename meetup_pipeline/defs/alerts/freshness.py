"""`freshness_alert`: each new failure of a freshness check, logged and sent.

A failed check is not a failed run, so `run_failure_alert` never sees it: this sensor
watches the freshness checks' results (`checks/freshness.py`) and sends each new failure to
the same `MEETUP_ALERT_WEBHOOK_URL` as the failure alerts (same payload shape, same
redaction, `"status": "STALE"`, `webhook.py`), and logs it at the check's severity.
"""

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import dagster as dg

from meetup_pipeline.dagster_private import (
    AssetCheckExecutionRecord,
    AssetCheckExecutionRecordStatus,
)
from meetup_pipeline.defs.alerts.webhook import post_alert, redact
from meetup_pipeline.defs.checks import freshness
from meetup_pipeline.defs.checks.freshness import ALERT_INTERVAL_S
from meetup_pipeline.settings.alerts import WEBHOOK_ENV, AlertSettings


def freshness_check_keys() -> list[dg.AssetCheckKey]:
    return [key for check in freshness.freshness_checks for key in check.check_keys]


def severity_of(record: AssetCheckExecutionRecord) -> dg.AssetCheckSeverity:
    evaluation = record.event.asset_check_evaluation if record.event else None
    return evaluation.severity if evaluation else dg.AssetCheckSeverity.ERROR


def stale_alert(record: AssetCheckExecutionRecord) -> dict[str, Any]:
    """The webhook body for one failed freshness check (shaped like the failure alerts)."""
    evaluation = record.event.asset_check_evaluation if record.event else None
    description = evaluation.description if evaluation and evaluation.description else ""
    asset = record.key.asset_key.to_user_string()
    severity = severity_of(record).value
    text = (
        f"Data is late: {asset} failed its freshness check {record.key.name} "
        f"(severity {severity}). {description.rstrip('.')}."
    )
    return {
        "text": redact(text),
        "status": "STALE",
        "severity": severity,
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
        f"Each new failure of a freshness check: a summary in the tick log at the check's "
        f"severity, and a JSON POST to ${WEBHOOK_ENV} when it is set."
    ),
)
def freshness_alert(context: dg.SensorEvaluationContext, alerts: AlertSettings) -> dg.SkipReason:
    """Alert once per failed evaluation; never fails the tick."""
    cursor: dict[str, int] = json.loads(context.cursor) if context.cursor else {}
    latest = context.instance.event_log_storage.get_latest_asset_check_execution_by_key(
        freshness_check_keys()
    )
    failures = new_failures(latest, cursor)
    url = alerts.webhook()
    for record in failures:
        payload = stale_alert(record)
        # the check's own severity: a WARN check is a warning here as in the UI and console
        warn = severity_of(record) == dg.AssetCheckSeverity.WARN
        context.log.log(logging.WARNING if warn else logging.ERROR, payload["text"])
        if url:
            outcome = post_alert(url, payload)
            level = logging.INFO if outcome.startswith("delivered") else logging.WARNING
            context.log.log(level, f"Alert webhook ({WEBHOOK_ENV}): {outcome}.")
        cursor[record.key.to_user_string()] = record.id
    context.update_cursor(json.dumps(cursor, sort_keys=True))
    return dg.SkipReason(f"{len(failures)} new stale-data alert(s)")
