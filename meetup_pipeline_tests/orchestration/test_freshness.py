"""Freshness checks on fact_events and the dashboard, and their alert to the webhook.

Real Dagster: the project's check definitions executed in a run on a real instance, the
materializations they look at recorded in its event log, the alert sensor evaluated as
the daemon would, posting to a real HTTP server.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from meetup_pipeline import freshness
from meetup_pipeline.definitions import defs
from meetup_pipeline_tests.orchestration.test_sensors import (  # noqa: F401
    HOOK_PATH,
    Webhook,
    webhook,
)

LA = ZoneInfo("America/Los_Angeles")
CHECKS = {"fact_events:freshness_check", "dashboard:freshness_check"}


def run_checks(instance: dg.DagsterInstance) -> dict[str, bool]:
    """One run of the freshness checks, as the checks sensor requests it."""
    job = dg.define_asset_job(
        "freshness", selection=dg.AssetSelection.checks(*freshness.freshness_checks)
    )
    merged = dg.Definitions.merge(defs, dg.Definitions(jobs=[job]))
    result = merged.resolve_job_def("freshness").execute_in_process(instance=instance)
    assert result.success  # a failed check is a result, not a failed run
    return {
        e.asset_check_key.to_user_string(): e.passed for e in result.get_asset_check_evaluations()
    }


def materialize_recent(instance: dg.DagsterInstance) -> None:
    """Record fact_events for the last days (Bay Area) and a fresh dashboard."""
    today = datetime.now(LA).date()
    for back in range(1, 4):
        day = (today - timedelta(days=back)).isoformat()
        instance.report_runless_asset_event(
            dg.AssetMaterialization(asset_key="fact_events", partition=day)
        )
    instance.report_runless_asset_event(dg.AssetMaterialization(asset_key="dashboard"))


def evaluate_alert(instance: dg.DagsterInstance, cursor: str | None) -> str | None:
    context = dg.build_sensor_context(instance=instance, cursor=cursor)
    freshness.freshness_alert(context)
    return context.cursor


def test_the_checks_and_their_sensor_are_in_the_code_location() -> None:
    repo = defs.get_repository_def()
    keys = {k.to_user_string() for k in repo.asset_graph.asset_check_keys}
    assert keys >= CHECKS
    sensors = {s.name: s for s in repo.sensor_defs}
    assert {"freshness_checks_sensor", "freshness_alert"} <= set(sensors)
    assert sensors["freshness_alert"].default_status == dg.DefaultSensorStatus.RUNNING
    assert sensors["freshness_checks_sensor"].default_status == dg.DefaultSensorStatus.RUNNING


def test_silence_fails_the_checks_and_fires_the_webhook_once(
    webhook: Webhook,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MEETUP_ALERT_WEBHOOK_URL", webhook.url)
    instance = dg.DagsterInstance.ephemeral()

    assert run_checks(instance) == dict.fromkeys(CHECKS, False)  # nothing ever landed
    cursor = evaluate_alert(instance, None)

    posted = sorted((r["json"]["asset"], r["json"]["status"]) for r in webhook.requests)
    assert posted == [("dashboard", "STALE"), ("fact_events", "STALE")]
    assert all(r["path"] == HOOK_PATH for r in webhook.requests)
    texts = [r["json"]["text"] for r in webhook.requests]
    assert all(t.startswith("Data is late: ") for t in texts), texts
    assert HOOK_PATH not in json.dumps([r["json"] for r in webhook.requests])

    evaluate_alert(instance, cursor)  # the same failures: no second alert
    assert len(webhook.requests) == 2

    materialize_recent(instance)
    assert run_checks(instance) == dict.fromkeys(CHECKS, True)
    evaluate_alert(instance, cursor)
    assert len(webhook.requests) == 2  # fresh again: nothing to say


def test_a_day_is_due_by_0400_wherever_the_groups_are() -> None:
    """Groups in Honolulu (UTC-10) on a Bay Area clock: 2024-12-31 is due by 04:00 on
    Jan 1 in Honolulu (06:00 on the clock), not at 04:00 on the clock."""
    from meetup_pipeline.day_freshness import evaluate

    zones = [LA, ZoneInfo("Pacific/Honolulu")]
    instance = dg.DagsterInstance.ephemeral()
    instance.report_runless_asset_event(
        dg.AssetMaterialization(asset_key="fact_events", partition="2024-12-30")
    )
    at_0500 = evaluate(instance, datetime(2025, 1, 1, 5, 0, tzinfo=LA), zones)
    assert at_0500.passed  # the 30th is the newest day due
    fresh_until = at_0500.metadata["dagster/fresh_until_timestamp"].value
    assert fresh_until == datetime(2025, 1, 1, 4, tzinfo=ZoneInfo("Pacific/Honolulu")).timestamp()
    at_0601 = evaluate(instance, datetime(2025, 1, 1, 6, 1, tzinfo=LA), zones)
    assert not at_0601.passed and "2024-12-31" in (at_0601.description or "")
    assert at_0601.metadata["dagster/overdue_seconds"].value == 60
    # a single region: yesterday by 04:00 local, as Dagster's own cron check had it
    assert not evaluate(instance, datetime(2025, 1, 1, 4, 1, tzinfo=LA), [LA]).passed
    assert evaluate(instance, datetime(2025, 1, 1, 3, 59, tzinfo=LA), [LA]).passed
