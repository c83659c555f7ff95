"""Sensors: failure alerts to a real local webhook, and the upcoming-events refresh."""

import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import dagster as dg
import pytest
from sqlalchemy.engine import URL

from meetup_pipeline.definitions import defs, make_definitions
from meetup_pipeline.defs.alerts import webhook as alert_webhook
from meetup_pipeline.defs.alerts.run_failure import run_failure_alert
from meetup_pipeline.defs.alerts.webhook import post_alert, redact
from meetup_pipeline.defs.assets.dashboard import dashboard
from meetup_pipeline.defs.assets.marts import upcoming_events
from meetup_pipeline.defs.automation.refresh import (
    REFRESH_INTERVAL_S,
    refresh_bucket,
    upcoming_events_refresh,
)
from meetup_pipeline.defs.automation.schedules import DAILY_JOB_NAME
from meetup_pipeline.defs.resources import SandboxMeetupResource, settings_resources
from meetup_pipeline.meetup import MeetupResource
from meetup_pipeline.settings.alerts import WEBHOOK_ENV, AlertSettings
from meetup_pipeline.warehouse.resource import Warehouse

HOOK_PATH = "/services/T000/B000/hook-token-Do-Not-Log-93"
DAILY = dg.DailyPartitionsDefinition(start_date="2024-01-01", timezone="America/Los_Angeles")


class Webhook:
    """A real HTTP server on 127.0.0.1 that records POSTs and answers from a script."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                hook.requests.append(
                    {
                        "path": self.path,
                        "content_type": self.headers.get("Content-Type"),
                        "json": json.loads(body),
                    }
                )
                status = hook.statuses.pop(0) if hook.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}{HOOK_PATH}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    yield hook
    hook.close()


@pytest.fixture
def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (bound, then released)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_port
    server.server_close()
    return f"http://127.0.0.1:{port}{HOOK_PATH}"


@dg.asset(partitions_def=DAILY, backfill_policy=dg.BackfillPolicy.single_run())
def fragile_counts(context: dg.AssetExecutionContext) -> None:
    window = context.partition_time_window
    raise ValueError(
        f"counts for {window.start:%F}..{window.end:%F} do not add up\nsecond line of detail"
    )


def failed_run(tags: dict[str, str]) -> tuple[dg.DagsterInstance, dg.ExecuteInProcessResult]:
    instance = dg.DagsterInstance.ephemeral()
    job = dg.Definitions(assets=[fragile_counts]).resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(instance=instance, tags=tags, raise_on_error=False)
    assert not result.success
    return instance, result


def alert_for(instance: dg.DagsterInstance, result: dg.ExecuteInProcessResult) -> None:
    """Run the real sensor function on a real failed run, as the daemon would."""
    context = dg.build_run_status_sensor_context(
        sensor_name=run_failure_alert.name,
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        resources={"alerts": AlertSettings.wired()},  # as the code location wires it
    ).for_run_failure()
    run_failure_alert(context)


RANGE = {
    "dagster/asset_partition_range_start": "2024-03-03",
    "dagster/asset_partition_range_end": "2024-03-10",
}


def test_failed_run_is_logged_and_posted(
    webhook: Webhook,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(WEBHOOK_ENV, webhook.url)
    instance, result = failed_run(RANGE)
    with caplog.at_level(logging.DEBUG):
        alert_for(instance, result)

    (request,) = webhook.requests
    assert request["path"] == HOOK_PATH
    assert request["content_type"] == "application/json"
    body = request["json"]
    assert body["status"] == "FAILURE"
    assert body["job"] == "__ASSET_JOB"
    assert body["run_id"] == result.run_id
    assert body["failed_steps"] == ["fragile_counts"]
    assert body["error"] == "ValueError: counts for 2024-03-03..2024-03-11 do not add up"
    assert body["tags"] == RANGE
    text = body["text"]
    assert "\n" not in text
    for part in (result.run_id, "__ASSET_JOB", "fragile_counts", "do not add up", "2024-03-10"):
        assert part in text

    logged = caplog.text + capsys.readouterr().err
    assert text in logged
    assert "delivered (HTTP 200)" in logged
    assert HOOK_PATH not in logged and "hook-token" not in logged


def test_without_webhook_the_alert_is_only_logged(
    webhook: Webhook, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    instance, result = failed_run({"dagster/partition": "2024-03-05"})
    with caplog.at_level(logging.INFO):
        alert_for(instance, result)
    logged = caplog.text + capsys.readouterr().err
    assert webhook.requests == []
    assert "Partition: 2024-03-05." in logged
    assert f"{WEBHOOK_ENV} is not set" in logged


def test_unreachable_webhook_does_not_fail_the_tick_or_leak_the_url(
    closed_port_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(WEBHOOK_ENV, closed_port_url)
    monkeypatch.setattr(alert_webhook, "WEBHOOK_RETRY_DELAY_S", 0.0)
    instance, result = failed_run(RANGE)
    with caplog.at_level(logging.DEBUG):
        alert_for(instance, result)  # no exception
    logged = caplog.text + capsys.readouterr().err
    assert "failed: ConnectError on attempt 2/2" in logged
    assert HOOK_PATH not in logged


def test_one_retry_on_server_error_none_on_refusal(webhook: Webhook) -> None:
    webhook.statuses = [503, 200]
    assert post_alert(webhook.url, {"text": "x"}, retry_delay=0) == "delivered (HTTP 200)"
    assert len(webhook.requests) == 2

    webhook.requests.clear()
    webhook.statuses = [500, 502]
    assert post_alert(webhook.url, {"text": "x"}, retry_delay=0) == (
        "failed: HTTP 502 on attempt 2/2"
    )
    assert len(webhook.requests) == 2

    webhook.requests.clear()
    webhook.statuses = [404]
    assert post_alert(webhook.url, {"text": "x"}, retry_delay=0) == (
        "failed: HTTP 404 on attempt 1/2"
    )
    assert len(webhook.requests) == 1


def test_secrets_never_reach_the_webhook(webhook: Webhook, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real pipeline's resource error, with secrets in the environment."""
    monkeypatch.setenv(WEBHOOK_ENV, webhook.url)
    monkeypatch.setenv("MEETUP_REFRESH_TOKEN", "refresh-Do-Not-Send-5150")

    @dg.asset
    def leaky() -> None:
        raise RuntimeError(
            "boom with refresh-Do-Not-Send-5150 and postgresql://meetup:pw-Hidden-77@db:5432/x"
        )

    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([leaky], instance=instance, raise_on_error=False)
    alert_for(instance, result)
    sent = json.dumps(webhook.requests)
    assert "refresh-Do-Not-Send-5150" not in sent and "pw-Hidden-77" not in sent
    assert "postgresql://meetup:***@db:5432/x" in sent
    assert redact(webhook.url) == "***"


def test_alert_for_a_real_pipeline_run_that_fails_before_any_step(
    webhook: Webhook, monkeypatch: pytest.MonkeyPatch, warehouse_url: URL
) -> None:
    """The daily job with an incomplete credential set fails at resource init."""
    monkeypatch.setenv(WEBHOOK_ENV, webhook.url)
    meetup = MeetupResource(client_id="client-abc", refresh_token="refresh-Secret-4242")
    warehouse = Warehouse(url=warehouse_url.render_as_string(hide_password=False))
    job = make_definitions(warehouse, meetup).resolve_job_def(DAILY_JOB_NAME)
    instance = dg.DagsterInstance.ephemeral()
    result = job.execute_in_process(
        instance=instance,
        tags={
            "dagster/asset_partition_range_start": "2024-12-24",
            "dagster/asset_partition_range_end": "2024-12-31",
        },
        raise_on_error=False,
    )
    assert not result.success
    alert_for(instance, result)
    (request,) = webhook.requests
    body = request["json"]
    assert body["job"] == DAILY_JOB_NAME
    assert body["failed_steps"] == []
    assert "MEETUP_CLIENT_SECRET" in body["error"]
    assert "Partitions: 2024-12-24 to 2024-12-31." in body["text"]
    assert "refresh-Secret-4242" not in json.dumps(body)


# --- upcoming events ------------------------------------------------------------------------


def test_refresh_targets_upcoming_events_every_three_hours() -> None:
    repo = defs.get_repository_def()
    sensor = repo.get_sensor_def(upcoming_events_refresh.name)
    assert sensor.minimum_interval_seconds == REFRESH_INTERVAL_S == 3 * 3600
    keys = repo.get_job(sensor.job_name).asset_layer.executable_asset_keys
    present = repo.asset_graph.get_all_asset_keys()
    expected = {dg.AssetKey("upcoming_events")} | ({dg.AssetKey("dashboard")} & present)
    assert keys == expected

    data = sensor.evaluate_tick(dg.build_sensor_context(repository_def=repo))
    (request,) = data.run_requests
    assert request.run_key == f"upcoming-{refresh_bucket(datetime.now(UTC))}"
    assert request.tags["meetup/run_kind"] == "upcoming"


def test_refresh_includes_the_dashboard_when_the_location_has_it() -> None:
    with_dashboard = dg.Definitions(
        assets=[upcoming_events, dashboard],
        sensors=[upcoming_events_refresh],
        resources={
            "meetup": SandboxMeetupResource(),
            "warehouse": Warehouse(),
            **settings_resources(),
        },
    )
    repo = with_dashboard.get_repository_def()
    job = repo.get_job(repo.get_sensor_def(upcoming_events_refresh.name).job_name)
    assert job.asset_layer.executable_asset_keys == {
        dg.AssetKey("upcoming_events"),
        dg.AssetKey("dashboard"),
    }


@pytest.mark.parametrize(
    ("now", "bucket"),
    [
        (datetime(2025, 1, 1, 0, 0, tzinfo=UTC), "2025-01-01T00:00Z"),
        (datetime(2025, 1, 1, 2, 59, 59, tzinfo=UTC), "2025-01-01T00:00Z"),
        (datetime(2025, 1, 1, 3, 0, tzinfo=UTC), "2025-01-01T03:00Z"),
        (datetime(2025, 1, 1, 23, 30, tzinfo=UTC), "2025-01-01T21:00Z"),
    ],
)
def test_one_run_key_per_three_hour_bucket(now: datetime, bucket: str) -> None:
    assert refresh_bucket(now) == bucket
