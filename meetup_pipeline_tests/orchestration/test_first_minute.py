"""The UI tells the truth from the first minute after the quickstart.

The README's sequence on a new home: the main job (`dg launch` runs `dagster asset
materialize`) over a historic window, then `dagster dev`. Its daemon runs every sensor at
once; the UI (asked through GraphQL, as it asks) must show no failed check and `dagster
dev`'s log no ERROR and no "Data is late": nothing was asked to keep 2024 fresh.

The same sequence where something IS wrong must still show it: `daily_schedule` was
switched on a month ago (in the UI, as a user does) and yet yesterday was never loaded.
Then the fact_events freshness check fails with severity WARN in the UI, and
`freshness_alert` logs "Data is late" at WARNING in `dagster dev`'s log.
"""

import subprocess
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from dagster._core.scheduler.instigation import InstigatorStatus, InstigatorType

from meetup_pipeline_tests.orchestration.test_freshness import switch_on
from meetup_pipeline_tests.orchestration.test_webserver import (
    DAGSTER,
    RUN_TIMEOUT_S,
    DagsterDev,
    dagster_dev_session,
    location_loaded,
)

RANGE = "2024-12-28...2024-12-30"
ASSETS_WITH_CHECKS = ("fact_events", "raw_rejects", "dashboard", "upcoming_events")

CHECKS = """
query Checks($key: AssetKeyInput!) { assetNodeOrError(assetKey: $key) { ... on AssetNode {
  assetChecksOrError { ... on AssetChecks { checks {
    name
    executionForLatestMaterialization { status evaluation { severity description } }
  } } }
} } }
"""

TICKS = """
query Ticks($selector: SensorSelector!) { sensorOrError(sensorSelector: $selector) {
  __typename ... on Sensor { sensorState { ticks(limit: 5) { status skipReason } } }
} }
"""

REPOSITORY = "__repository__"
SENSORS = ("freshness_checks_sensor", "freshness_alert", "upcoming_events_refresh")
"""Every sensor whose first tick can run or judge a check, or alert."""

RUNS_IN_FLIGHT = """
{ runsOrError(filter: {statuses: [QUEUED, NOT_STARTED, STARTING, STARTED, CANCELING]}) {
  __typename ... on Runs { results { runId } } } }
"""


def quickstart(env: dict[str, str], cwd: Path, schedule_on_since: datetime | None) -> None:
    """The README's main command, on this home (and the schedule's state, if any, first)."""
    if schedule_on_since is not None:
        with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
            switch_on(
                instance,
                "daily_schedule",
                InstigatorType.SCHEDULE,
                schedule_on_since,
                InstigatorStatus.RUNNING,  # switched on in the UI a month ago
                last_iteration=datetime.now(UTC),  # no catch-up of the month's ticks
            )
    done = subprocess.run(
        [
            str(DAGSTER),
            "asset",
            "materialize",
            "-m",
            "meetup_pipeline.definitions",
            "--select",
            "*",
            "--partition-range",
            RANGE,
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def checks_in_ui(ui: DagsterDev) -> dict[str, dict[str, Any]]:
    """Every check of the assets that have checks: its latest execution, as the UI shows."""
    found: dict[str, dict[str, Any]] = {}
    for asset in ASSETS_WITH_CHECKS:
        node = ui.graphql(CHECKS, {"key": {"path": [asset]}})["assetNodeOrError"]
        for check in node["assetChecksOrError"]["checks"]:
            found[f"{asset}:{check['name']}"] = check["executionForLatestMaterialization"]
    return found


def ticked(ui: DagsterDev, location: str, sensor: str) -> list[dict[str, Any]] | None:
    """The sensor's completed ticks, once the daemon has evaluated it."""
    selector = {
        "repositoryLocationName": location,
        "repositoryName": REPOSITORY,
        "sensorName": sensor,
    }
    result = ui.graphql(TICKS, {"selector": selector})["sensorOrError"]
    assert result["__typename"] == "Sensor", result
    ticks = result["sensorState"]["ticks"]
    done = [t for t in ticks if t["status"] in ("SKIPPED", "SUCCESS", "FAILURE")]
    return done or None


def first_minute(
    monkeypatch: pytest.MonkeyPatch, schedule_on_since: datetime | None
) -> tuple[dict[str, dict[str, Any]], str]:
    """Quickstart, then `dagster dev` until both freshness sensors have ticked: the checks
    the UI shows and `dagster dev`'s log."""
    with dagster_dev_session(
        monkeypatch, before=lambda env, cwd: quickstart(env, cwd, schedule_on_since)
    ) as ui:
        location = ui.wait_for("the code location to load", lambda: location_loaded(ui), 240)
        for sensor in SENSORS:
            ticks = ui.wait_for(
                f"{sensor}'s first tick", partial(ticked, ui, location, sensor), 240
            )
            assert all(t["status"] != "FAILURE" for t in ticks), ticks
        # the runs those ticks requested (the refresh sensor's rebuilds the dashboard and
        # runs its check) have ended
        ui.wait_for("no run in flight", partial(no_run_in_flight, ui), RUN_TIMEOUT_S)
        return checks_in_ui(ui), ui.log_path.read_text(errors="replace")


def no_run_in_flight(ui: DagsterDev) -> bool:
    return not ui.graphql(RUNS_IN_FLIGHT)["runsOrError"]["results"]


@pytest.mark.slow
def test_after_the_quickstart_the_ui_shows_no_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    checks, log = first_minute(monkeypatch, schedule_on_since=None)
    assert len(checks) == 8, checks
    failed = {name: c for name, c in checks.items() if c is None or c["status"] != "SUCCEEDED"}
    assert not failed, failed
    fresh = checks["fact_events:freshness_check"]["evaluation"]["description"]
    assert fresh.startswith("Not judged: daily_schedule "), fresh
    errors = [
        line for line in log.splitlines() if " - ERROR - " in line or line.startswith("Traceback")
    ]
    assert not errors, "\n".join(errors)
    assert "Data is late" not in log, log[-6000:]


@pytest.mark.slow
def test_when_the_schedule_was_on_and_a_day_is_missing_the_ui_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a_month_ago = datetime.now(UTC) - timedelta(days=30)
    checks, log = first_minute(monkeypatch, schedule_on_since=a_month_ago)
    fresh = checks["fact_events:freshness_check"]
    assert fresh["status"] == "FAILED", fresh
    assert fresh["evaluation"]["severity"] == "WARN", fresh
    assert fresh["evaluation"]["description"].startswith("Late: partition "), fresh
    late = [line for line in log.splitlines() if "Data is late" in line]
    assert len(late) == 1, log[-6000:]
    assert " - WARNING - " in late[0], late
    others = {n: c for n, c in checks.items() if n != "fact_events:freshness_check"}
    assert all(c["status"] == "SUCCEEDED" for c in others.values()), others
