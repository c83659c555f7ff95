"""`run_failure_alert`: every failed run of this code location, summarized and sent.

For each failed run it logs one paragraph (job, run id, failed steps, first error line,
partition tags) in the sensor's tick log and, when `MEETUP_ALERT_WEBHOOK_URL` is set, POSTs
the same summary as JSON there (`webhook.py`).
"""

import logging

import dagster as dg

from meetup_pipeline.defs.alerts.webhook import failure_alert, post_alert
from meetup_pipeline.settings.alerts import WEBHOOK_ENV, AlertSettings


@dg.run_failure_sensor(
    name="run_failure_alert",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Every failed run of this code location: a one-paragraph summary in the tick log, "
        f"and a JSON POST to ${WEBHOOK_ENV} when it is set."
    ),
)
def run_failure_alert(context: dg.RunFailureSensorContext, alerts: AlertSettings) -> None:
    """Log the summary; send it when a webhook is configured. Never fails the tick."""
    alert = failure_alert(
        context.dagster_run, context.get_step_failure_events(), context.failure_event
    )
    context.log.error(alert.text)
    url = alerts.webhook()
    if not url:
        context.log.info(f"{WEBHOOK_ENV} is not set; the alert was only logged.")
        return
    outcome = post_alert(url, alert.payload())
    level = logging.INFO if outcome.startswith("delivered") else logging.WARNING
    context.log.log(level, f"Alert webhook ({WEBHOOK_ENV}): {outcome}.")
