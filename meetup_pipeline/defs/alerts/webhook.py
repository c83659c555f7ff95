"""Alerting: what an alert says and how it is sent, for both alert sensors.

`run_failure_alert` (`run_failure.py`) and `freshness_alert` (`freshness.py`) log one
paragraph in their sensor's tick log and, when `MEETUP_ALERT_WEBHOOK_URL` is set, POST the
same summary as JSON there (`post_alert`). The URL is treated as a secret (chat webhooks
embed their token in it): it is never logged, and known secrets are redacted from
everything that is sent (`redact`).
"""

import logging
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import dagster as dg
import httpx

from meetup_pipeline.dagster_private import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    BACKFILL_ID_TAG,
    PARTITION_NAME_TAG,
    RETRY_NUMBER_TAG,
    SCHEDULE_NAME_TAG,
    SENSOR_NAME_TAG,
    WILL_RETRY_TAG,
    SerializableErrorInfo,
)
from meetup_pipeline.defs.automation.schedules import RUN_KIND_TAG
from meetup_pipeline.redaction import Redactor
from meetup_pipeline.settings.alerts import WEBHOOK_ENV, client_credentials, secret_values

log = logging.getLogger(__name__)

WEBHOOK_TIMEOUT_S = 10.0
WEBHOOK_ATTEMPTS = 2
"""One retry: a chat webhook that fails twice in a row will not be fixed by a third try,
and the summary is in the tick log either way."""
WEBHOOK_RETRY_DELAY_S = 2.0

SUMMARY_TAGS = (
    PARTITION_NAME_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    ASSET_PARTITION_RANGE_END_TAG,
    BACKFILL_ID_TAG,
    SCHEDULE_NAME_TAG,
    SENSOR_NAME_TAG,
    RETRY_NUMBER_TAG,
    WILL_RETRY_TAG,
    RUN_KIND_TAG,
)
"""Run tags worth a line in an alert: which days, and what launched the run."""

_WRAPPER_ERRORS = {
    "DagsterExecutionStepExecutionError",
    "DagsterResourceFunctionError",
    "DagsterUserCodeExecutionError",
    "RetryRequestedFromPolicy",
}
"""Dagster's wrappers around the user's exception: the alert shows what they wrap."""


class _HideWebhookUrl(logging.Filter):
    """httpx logs every request's URL at INFO; the webhook's URL is a secret."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.forms = sorted({url, str(httpx.URL(url))}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not break logging
            message = str(record.msg)
        for form in self.forms:
            message = message.replace(form, f"${WEBHOOK_ENV}")
        record.msg, record.args = message, None
        return True


@contextmanager
def _webhook_url_hidden(url: str) -> Iterator[None]:
    """Hide `url` from httpx's log while it is posted to, and only then."""
    hide = _HideWebhookUrl(url)
    logger = logging.getLogger("httpx")
    logger.addFilter(hide)
    try:
        yield
    finally:
        logger.removeFilter(hide)


# --- failure alerts -------------------------------------------------------------------------


def redact(text: str, environ: Mapping[str, str] | None = None) -> str:
    """`text` without URL passwords or the values of known secret variables."""
    redactor = Redactor(secret_values(environ), min_length=4)
    redactor.add_pair(*client_credentials(environ))
    return redactor(text)


def first_error_line(error: SerializableErrorInfo | None) -> str | None:
    """The first line of the user's exception, past Dagster's wrappers around it."""
    while error is not None and error.cls_name in _WRAPPER_ERRORS and error.cause is not None:
        error = error.cause
    if error is None:
        return None
    for line in error.message.splitlines():
        if line.strip():
            # "meetup_pipeline.meetup.errors.MeetupConfigError: ..." -> "MeetupConfigError: ..."
            return re.sub(r"^(?:[A-Za-z_][\w]*\.)+(?=[A-Za-z_]\w*:)", "", line.strip())
    return error.cls_name


@dataclass(frozen=True)
class FailureAlert:
    """What is known about one failed run, already redacted."""

    job: str
    run_id: str
    location: str | None
    failed_steps: list[str]
    error: str | None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """One paragraph for humans (tick log, chat)."""
        steps = (
            ", ".join(self.failed_steps) if self.failed_steps else "none (it failed outside steps)"
        )
        parts = [f"Dagster run {self.run_id} of job {self.job} failed. Failed steps: {steps}."]
        if self.error:
            parts.append(f"First error: {self.error.rstrip('.')}.")
        start = self.tags.get(ASSET_PARTITION_RANGE_START_TAG)
        end = self.tags.get(ASSET_PARTITION_RANGE_END_TAG)
        if start and end:
            parts.append(f"Partitions: {start} to {end}.")
        elif self.tags.get(PARTITION_NAME_TAG):
            parts.append(f"Partition: {self.tags[PARTITION_NAME_TAG]}.")
        others = {
            k: v
            for k, v in self.tags.items()
            if k not in (PARTITION_NAME_TAG, ASSET_PARTITION_RANGE_START_TAG)
            and k != ASSET_PARTITION_RANGE_END_TAG
        }
        if others:
            parts.append("Tags: " + ", ".join(f"{k}={v}" for k, v in sorted(others.items())) + ".")
        return " ".join(parts)

    def payload(self) -> dict[str, Any]:
        """The webhook body: Slack-style `text` plus the fields for machines."""
        return {
            "text": self.text,
            "status": "FAILURE",
            "job": self.job,
            "run_id": self.run_id,
            "location": self.location,
            "failed_steps": self.failed_steps,
            "error": self.error,
            "tags": self.tags,
            "sent_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }


def failure_alert(
    run: dg.DagsterRun,
    step_failures: Iterable[dg.DagsterEvent],
    run_failure: dg.DagsterEvent | None,
) -> FailureAlert:
    """Summarize a failed run from its step failures, or the run failure when no step ran."""
    failed_steps: list[str] = []
    error: str | None = None
    for event in step_failures:
        if event.step_key and event.step_key not in failed_steps:
            failed_steps.append(event.step_key)
        data = event.event_specific_data
        if error is None:
            error = first_error_line(getattr(data, "error", None))
    if error is None and run_failure is not None:
        data = run_failure.event_specific_data
        error = first_error_line(getattr(data, "error", None)) or run_failure.message
    origin = run.remote_job_origin
    return FailureAlert(
        job=run.job_name,
        run_id=run.run_id,
        location=origin.location_name if origin else None,
        failed_steps=failed_steps,
        error=redact(error) if error else None,
        tags={k: redact(run.tags[k]) for k in SUMMARY_TAGS if run.tags.get(k)},
    )


def post_alert(
    url: str,
    payload: Mapping[str, Any],
    *,
    timeout: float = WEBHOOK_TIMEOUT_S,
    attempts: int = WEBHOOK_ATTEMPTS,
    retry_delay: float | None = None,
) -> str:
    """POST `payload` as JSON; retry once on a network error or a 5xx/429 answer.

    Returns an outcome that is safe to log: it never contains the URL, which is a secret,
    nor an exception message (httpx puts the URL in some of them).
    """
    outcome = "not sent"
    for attempt in range(1, attempts + 1):
        try:
            with _webhook_url_hidden(url):
                response = httpx.post(url, json=payload, timeout=timeout, follow_redirects=False)
        except httpx.HTTPError as exc:
            outcome = f"{type(exc).__name__} on attempt {attempt}/{attempts}"
        else:
            if response.is_success:
                return f"delivered (HTTP {response.status_code})"
            outcome = f"HTTP {response.status_code} on attempt {attempt}/{attempts}"
            if response.status_code < 500 and response.status_code != 429:
                break  # the webhook refuses this request; retrying will not change that
        if attempt < attempts:
            time.sleep(WEBHOOK_RETRY_DELAY_S if retry_delay is None else retry_delay)
    return f"failed: {outcome}"
