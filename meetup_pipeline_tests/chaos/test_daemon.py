"""`dagster dev` (webserver, daemon, code server): a run worker killed while it holds the pool.

Without any other run being started, the dead run must end FAILED with a reason and its
`meetup_api` slot must be freed; a run launched afterwards from the UI completes. Here
Dagster itself does most of it: the code server that launched the worker sees it exit
and reports the run FAILED with a crash explanation (an engine event, "... was
terminated by signal 9"); the slot is then freed by run monitoring's
`free_slots_after_run_end_seconds` (committed dagster.yaml). MeetupRunLauncher's health
check covers a worker whose code server is gone too (`instance/test_run_recovery.py`).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from meetup_pipeline.warehouse.embedded import running_server
from meetup_pipeline_tests.chaos.conftest import CLEARED_ENV, SANDBOX_NOW, SCALE, Site
from meetup_pipeline_tests.chaos.test_kill_run import run_id_of
from meetup_pipeline_tests.orchestration.test_webserver import (  # noqa: F401 (fixture)
    GRAPH,
    LAUNCH,
    PARTITION,
    RUN_TIMEOUT_S,
    DagsterDev,
    dagster_dev,
    final_status,
    location_loaded,
    run_status,
)

MONITORING_TIMEOUT_S = 180


def dagster_db(ui: DagsterDev) -> psycopg.Connection:
    server = running_server(ui.home / "pgdata")
    assert server is not None
    return psycopg.connect(server.conninfo("dagster"), autocommit=True)


def launch(ui: DagsterDev, location: str, repo: str, keys: list[str]) -> str:
    params = {
        "selector": {
            "repositoryLocationName": location,
            "repositoryName": repo,
            "jobName": "__ASSET_JOB",
            "assetSelection": [{"path": key.split("/")} for key in keys],
        },
        "executionMetadata": {"tags": [{"key": "dagster/partition", "value": PARTITION}]},
    }
    launched = ui.graphql(LAUNCH, {"params": params})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    return launched["run"]["runId"]


def worker_pid_holding_slot(ui: DagsterDev, run_id: str) -> int | None:
    tags: dict[str, Any] = {t["key"]: t["value"] for t in run_status(ui, run_id)["tags"]}
    if "meetup/worker_pid" not in tags:
        return None
    with dagster_db(ui) as conn:
        held = conn.execute(
            "SELECT count(*) FROM concurrency_slots WHERE run_id = %s", (run_id,)
        ).fetchone()
    return int(tags["meetup/worker_pid"]) if held and held[0] else None


@pytest.mark.slow
def test_run_worker_killed_under_dagster_dev(dagster_dev: DagsterDev) -> None:  # noqa: F811
    ui = dagster_dev
    location = ui.wait_for("the code location to load", lambda: location_loaded(ui), 240)
    data = ui.graphql(GRAPH)
    (repo,) = data["repositoriesOrError"]["nodes"]
    keys = sorted(
        "/".join(n["assetKey"]["path"])
        for n in data["assetNodes"]
        if n["partitionDefinition"] is not None
    )

    first = launch(ui, location, repo["name"], keys)
    pid = ui.wait_for(
        "the run to hold the meetup_api slot",
        lambda: worker_pid_holding_slot(ui, first),
        RUN_TIMEOUT_S,
        interval=0.5,
    )
    os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()

    status = ui.wait_for(
        "run monitoring to fail the dead run",
        lambda: final_status(ui, first),
        MONITORING_TIMEOUT_S,
    )
    assert status == "FAILURE"
    with dagster_db(ui) as conn:
        events = [
            row[0]
            for row in conn.execute(
                "SELECT event FROM event_logs WHERE run_id = %s AND dagster_event_type IN "
                "('PIPELINE_FAILURE', 'ENGINE_EVENT') ORDER BY id",
                (first,),
            ).fetchall()
        ]
    reasons = [e for e in events if "signal 9" in e or "is gone" in e]
    assert reasons, events[-3:]

    def slot_freed() -> bool:
        with dagster_db(ui) as conn:
            row = conn.execute(
                "SELECT count(*) FROM concurrency_slots WHERE run_id = %s", (first,)
            ).fetchone()
        return row is not None and row[0] == 0

    ui.wait_for("the dead run's slot to be freed", slot_freed, MONITORING_TIMEOUT_S)
    print(f"dead run failed and its slot freed {time.monotonic() - killed_at:.0f}s after the kill")

    second = launch(ui, location, repo["name"], keys)
    status = ui.wait_for("the next run", lambda: final_status(ui, second), RUN_TIMEOUT_S)
    assert status == "SUCCESS", ui.log_tail()


QUEUE_SIZE = 4
"""`max_concurrent_runs` in the committed dagster.yaml."""


@pytest.mark.slow
def test_runs_killed_at_their_start_cannot_exhaust_the_queue(
    dagster_dev: DagsterDev,  # noqa: F811
) -> None:
    """Four `dagster asset materialize` runs killed right at their start (no daemon knows
    them) must not fill the run slots: each is provably dead from the process it recorded
    as it started (by the next run, or by run monitoring), and a run launched from the UI
    is launched and completes."""
    ui = dagster_dev
    location = ui.wait_for("the code location to load", lambda: location_loaded(ui), 240)
    (repo,) = ui.graphql(GRAPH)["repositoriesOrError"]["nodes"]
    root = ui.home.parent
    site = make_site_env(root)
    dead = []
    for _ in range(QUEUE_SIZE):
        killed = site.materialize(kill_at='RUN_START - Started execution of run for "__ASSET_JOB"')
        assert killed.killed, killed.output[-3000:]
        dead.append(run_id_of(killed.output))
    # each run, as it starts, fails the dead ones before it that it can prove dead; the
    # last one is left to run monitoring
    assert site.runs()[dead[-1]] == "STARTED"

    queued = launch(ui, location, repo["name"], ["dim_date"])
    status = ui.wait_for("the queued run", lambda: final_status(ui, queued), RUN_TIMEOUT_S)

    assert status == "SUCCESS", ui.log_tail()
    statuses = site.runs()
    assert all(statuses[run_id] == "FAILURE" for run_id in dead), statuses


def make_site_env(root: Path) -> Site:
    """The `dagster_dev` fixture's home, as a chaos `Site` (same server, same instance)."""
    env = {k: v for k, v in os.environ.items() if k not in CLEARED_ENV}
    env.update(
        MEETUP_HOME=str(root / "home"),
        DAGSTER_HOME=str(root / "dagster_home"),
        MEETUP_SANDBOX_NOW=SANDBOX_NOW,
        MEETUP_SANDBOX_RATE_LIMIT="off",
        MEETUP_SANDBOX_SCALE=SCALE,
        MEETUP_LOG_LEVEL="debug",
    )
    return Site(root, env)
