"""Freshness checks on fact_events and the dashboard, and their alert to the webhook.

Real Dagster: the project's check definitions executed in a run on a real instance, the
materializations they look at recorded in its event log, the schedule and sensor states
they judge by stored as the daemon (or the UI's toggle) stores them, the alert sensor
evaluated as the daemon would, posting to a real HTTP server.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from dagster._core.remote_origin import (
    InProcessCodeLocationOrigin,
    RemoteInstigatorOrigin,
    RemoteRepositoryOrigin,
)
from dagster._core.scheduler.instigation import (
    InstigatorState,
    InstigatorStatus,
    InstigatorType,
    ScheduleInstigatorData,
    SensorInstigatorData,
)
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

from meetup_pipeline.definitions import defs
from meetup_pipeline.defs.alerts.freshness import freshness_alert
from meetup_pipeline.defs.automation.schedules import DAILY_CRON
from meetup_pipeline.defs.checks import freshness
from meetup_pipeline.settings.alerts import AlertSettings
from meetup_pipeline_tests.orchestration.test_sensors import (  # noqa: F401
    HOOK_PATH,
    Webhook,
    webhook,
)

LA = ZoneInfo("America/Los_Angeles")


def _instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as inst:
        yield inst


instance = pytest.fixture(_instance)
CHECKS = {"fact_events:freshness_check", "dashboard:freshness_check"}
LOCATION = "meetup_pipeline.definitions"


def switch_on(
    instance: dg.DagsterInstance,
    name: str,
    kind: InstigatorType,
    since: datetime,
    status: InstigatorStatus = InstigatorStatus.DECLARED_IN_CODE,
    last_iteration: datetime | None = None,
) -> InstigatorState:
    """Store the state the daemon stores when it first runs a schedule or sensor that is on
    by default (or, with RUNNING, the state the UI's toggle stores), on since `since`;
    a schedule's `last_iteration` keeps a daemon from catching up on the ticks since."""
    origin = RemoteInstigatorOrigin(
        RemoteRepositoryOrigin(
            InProcessCodeLocationOrigin(
                LoadableTargetOrigin(module_name=LOCATION), location_name=LOCATION
            ),
            "__repository__",
        ),
        name,
    )
    data = (
        ScheduleInstigatorData(
            DAILY_CRON,
            start_timestamp=since.timestamp(),
            last_iteration_timestamp=last_iteration.timestamp() if last_iteration else None,
        )
        if kind == InstigatorType.SCHEDULE
        else SensorInstigatorData(last_sensor_start_timestamp=since.timestamp())
    )
    state = InstigatorState(origin, kind, status, data)
    stored = instance.get_instigator_state(state.instigator_origin_id, state.selector_id)
    if stored is None:
        return instance.add_instigator_state(state)
    return instance.update_instigator_state(state)


def keep_fresh_since(instance: dg.DagsterInstance, since: datetime) -> None:
    """The daily schedule and the refresh sensor, both on since `since`."""
    switch_on(instance, "daily_schedule", InstigatorType.SCHEDULE, since)
    switch_on(instance, "upcoming_events_refresh", InstigatorType.SENSOR, since)


def run_checks(instance: dg.DagsterInstance) -> dict[str, bool]:
    """One run of the freshness checks, as the checks sensor requests it."""
    job = dg.define_asset_job(
        "freshness", selection=dg.AssetSelection.checks(*freshness.freshness_checks)
    )
    merged = dg.Definitions.merge(defs, dg.Definitions(jobs=[job]))
    result = merged.resolve_job_def("freshness").execute_in_process(instance=instance)
    assert result.success  # a failed check is a result, not a failed run
    evaluations = result.get_asset_check_evaluations()
    for e in evaluations:
        assert e.severity == dg.AssetCheckSeverity.WARN
        DESCRIPTIONS[e.asset_check_key.to_user_string()] = e.description or ""
    return {e.asset_check_key.to_user_string(): e.passed for e in evaluations}


DESCRIPTIONS: dict[str, str] = {}
"""The last description of each check (a run's results, for the assertions' messages)."""


def materialize_backfill(instance: dg.DagsterInstance) -> None:
    """What the quickstart leaves: a 2024 window of fact_events and a dashboard built now."""
    for day in ("2024-03-29", "2024-03-30", "2024-03-31"):
        instance.report_runless_asset_event(
            dg.AssetMaterialization(asset_key="fact_events", partition=day)
        )
    instance.report_runless_asset_event(dg.AssetMaterialization(asset_key="dashboard"))


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
    alerts = AlertSettings.wired()  # as the code location wires it
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"alerts": alerts}
    )
    freshness_alert(context)
    return context.cursor


def test_the_checks_and_their_sensor_are_in_the_code_location() -> None:
    repo = defs.get_repository_def()
    keys = {k.to_user_string() for k in repo.asset_graph.asset_check_keys}
    assert keys >= CHECKS
    sensors = {s.name: s for s in repo.sensor_defs}
    assert {"freshness_checks_sensor", "freshness_alert"} <= set(sensors)
    assert sensors["freshness_alert"].default_status == dg.DefaultSensorStatus.RUNNING
    assert sensors["freshness_checks_sensor"].default_status == dg.DefaultSensorStatus.RUNNING


def test_a_backfill_with_nothing_switched_on_is_not_late(
    instance: dg.DagsterInstance,
    webhook: Webhook,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The quickstart: a historic window loaded by hand, no daemon ever ran the schedule."""
    monkeypatch.setenv("MEETUP_ALERT_WEBHOOK_URL", webhook.url)
    materialize_backfill(instance)

    assert run_checks(instance) == dict.fromkeys(CHECKS, True), DESCRIPTIONS
    fact = DESCRIPTIONS["fact_events:freshness_check"]
    assert fact.startswith("Not judged: daily_schedule is not running"), fact
    assert "partition 2024-03-31" in fact, fact
    dashboard = DESCRIPTIONS["dashboard:freshness_check"]
    assert dashboard.startswith("Not judged: upcoming_events_refresh is not running"), dashboard
    evaluate_alert(instance, None)
    assert webhook.requests == []

    # Switched on just now (the first `dagster dev`): still nothing is due.
    keep_fresh_since(instance, datetime.now(UTC))
    assert run_checks(instance) == dict.fromkeys(CHECKS, True), DESCRIPTIONS
    assert "was switched on at" in DESCRIPTIONS["fact_events:freshness_check"]
    evaluate_alert(instance, None)
    assert webhook.requests == []


def test_silence_fails_the_checks_and_fires_the_webhook_once(
    instance: dg.DagsterInstance,
    webhook: Webhook,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("MEETUP_ALERT_WEBHOOK_URL", webhook.url)
    keep_fresh_since(instance, datetime.now(UTC) - timedelta(days=30))
    materialize_backfill(instance)  # and a dashboard built just now

    # the schedule has been on for a month, yet yesterday is missing: that is late
    checks = run_checks(instance)
    assert checks == {"fact_events:freshness_check": False, "dashboard:freshness_check": True}
    fact = DESCRIPTIONS["fact_events:freshness_check"]
    assert fact.startswith("Late: partition "), fact
    assert "daily_schedule has been on since" in fact, fact

    capsys.readouterr()
    cursor = evaluate_alert(instance, None)
    logged = capsys.readouterr().err
    alerts = [line for line in logged.splitlines() if "Data is late" in line]
    assert len(alerts) == 1, logged
    assert " - WARNING - Data is late: " in alerts[0], logged  # WARN, as in the UI
    assert " - ERROR - " not in logged, logged
    posted = [(r["json"]["asset"], r["json"]["severity"]) for r in webhook.requests]
    assert posted == [("fact_events", "WARN")]

    assert all(r["json"]["status"] == "STALE" for r in webhook.requests)
    assert all(r["path"] == HOOK_PATH for r in webhook.requests)
    texts = [r["json"]["text"] for r in webhook.requests]
    assert all(t.startswith("Data is late: ") for t in texts), texts
    assert "(severity WARN). Late: partition" in texts[0], texts
    assert HOOK_PATH not in json.dumps([r["json"] for r in webhook.requests])

    evaluate_alert(instance, cursor)  # the same failure: no second alert
    assert len(webhook.requests) == 1

    materialize_recent(instance)
    assert run_checks(instance) == dict.fromkeys(CHECKS, True), DESCRIPTIONS
    assert DESCRIPTIONS["fact_events:freshness_check"].startswith("Fresh: partition ")
    evaluate_alert(instance, cursor)
    assert len(webhook.requests) == 1  # fresh again: nothing to say


def test_an_old_dashboard_is_late_once_the_refresh_sensor_has_been_on_that_long(
    instance: dg.DagsterInstance,
) -> None:
    now = datetime.now(UTC)
    instance.report_runless_asset_event(dg.AssetMaterialization(asset_key="dashboard"))
    later = now + freshness.DASHBOARD_MAX_AGE + timedelta(hours=1)
    assert freshness.judge_dashboard(instance, later).judged is False  # nothing keeps it
    state = switch_on(instance, "upcoming_events_refresh", InstigatorType.SENSOR, now)
    verdict = freshness.judge_dashboard(instance, later)
    assert (verdict.judged, verdict.passed) == (True, False), verdict.description
    assert verdict.description.startswith("Late: last built "), verdict.description
    instance.update_instigator_state(state.with_status(InstigatorStatus.STOPPED))
    assert freshness.judge_dashboard(instance, later).judged is False  # switched off


def test_the_day_due_follows_the_schedule_and_when_it_was_switched_on(
    instance: dg.DagsterInstance,
) -> None:
    """At 05:00 local the 00:15 run must have loaded yesterday, if the schedule was on."""
    now = datetime(2026, 12, 6, 5, 0, tzinfo=LA)
    run_at = datetime(2026, 12, 6, 0, 15, tzinfo=LA)
    switch_on(instance, "daily_schedule", InstigatorType.SCHEDULE, run_at + timedelta(minutes=1))
    verdict = freshness.judge_fact_events(instance, now)
    assert not verdict.judged and verdict.passed, verdict.description  # on after the run

    switch_on(instance, "daily_schedule", InstigatorType.SCHEDULE, run_at - timedelta(minutes=1))
    verdict = freshness.judge_fact_events(instance, now)
    assert verdict.judged and not verdict.passed, verdict.description
    assert verdict.metadata["due_partition"] == "2026-12-05"
    instance.report_runless_asset_event(
        dg.AssetMaterialization(asset_key="fact_events", partition="2026-12-05")
    )
    assert freshness.judge_fact_events(instance, now).passed
    # before 04:00 the deadline is yesterday's, for the day before: not judged while the
    # schedule was off at that day's run, late once it was on
    early = datetime(2026, 12, 6, 3, 0, tzinfo=LA)
    assert not freshness.judge_fact_events(instance, early).judged
    switch_on(instance, "daily_schedule", InstigatorType.SCHEDULE, run_at - timedelta(days=3))
    verdict = freshness.judge_fact_events(instance, early)
    assert verdict.metadata["due_partition"] == "2026-12-04", verdict.description
    assert not verdict.passed


def test_a_day_is_due_by_0400_wherever_the_groups_are(instance: dg.DagsterInstance) -> None:
    """Groups in Honolulu (UTC-10) on a Bay Area clock: 2024-12-31 is due by 04:00 on
    Jan 1 in Honolulu (06:00 on the clock), not at 04:00 on the clock."""
    zones = [LA, ZoneInfo("Pacific/Honolulu")]
    switch_on(instance, "daily_schedule", InstigatorType.SCHEDULE, datetime(2024, 12, 1, tzinfo=LA))
    instance.report_runless_asset_event(
        dg.AssetMaterialization(asset_key="fact_events", partition="2024-12-30")
    )
    at_0500 = freshness.judge_fact_events(instance, datetime(2025, 1, 1, 5, 0, tzinfo=LA), zones)
    assert at_0500.judged and at_0500.passed, at_0500.description  # the 30th is due
    fresh_until = at_0500.metadata[freshness.FRESH_UNTIL].value
    assert fresh_until == datetime(2025, 1, 1, 4, tzinfo=ZoneInfo("Pacific/Honolulu")).timestamp()
    at_0601 = freshness.judge_fact_events(instance, datetime(2025, 1, 1, 6, 1, tzinfo=LA), zones)
    assert not at_0601.passed and "2024-12-31" in at_0601.description
    assert at_0601.metadata["dagster/overdue_seconds"] == 60
    # a single region: yesterday by 04:00 local
    late = freshness.judge_fact_events(instance, datetime(2025, 1, 1, 4, 1, tzinfo=LA), [LA])
    assert not late.passed
    early = freshness.judge_fact_events(instance, datetime(2025, 1, 1, 3, 59, tzinfo=LA), [LA])
    assert early.passed
