"""The UI end to end: `dagster dev` as a subprocess, driven through its GraphQL API.

`dagster dev` (webserver + daemon + code server), not the webserver alone: the committed
dagster.yaml uses the QueuedRunCoordinator, so a run launched from the UI waits in the
queue until the daemon launches it. Overriding the coordinator for the test would test a
configuration nobody runs; with the daemon, the same process tree as a developer's also
evaluates the sensors (their default status is RUNNING), so the test sees the
`upcoming_events_refresh` sensor launch its run too.

Everything lives in a temporary MEETUP_HOME (embedded PostgreSQL: Dagster storage and
warehouse) and DAGSTER_HOME (a copy of the committed dagster.yaml); the working directory
is a temporary directory too, so a developer's ./.env cannot leak in. Teardown kills the
whole process group and stops the embedded server.
"""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from meetup_pipeline.defs.automation.schedules import DAILY_JOB_NAME
from meetup_pipeline.warehouse.embedded import stop_server
from meetup_pipeline.warehouse.resource import Warehouse
from meetup_pipeline_tests.conftest import reachable_tempdir
from meetup_pipeline_tests.net import free_port
from meetup_pipeline_tests.orchestration.conftest import SANDBOX_NOW

REPO_ROOT = Path(__file__).resolve().parents[2]
DAGSTER = Path(sys.executable).with_name("dagster")
PARTITION = "2024-12-30"
STARTUP_TIMEOUT_S = 240
RUN_TIMEOUT_S = 420
HOST_PORT = ("-h", "127.0.0.1", "-p")
CLEARED_ENV = (
    "MEETUP_WAREHOUSE_URL",
    "MEETUP_DAGSTER_STORAGE_URL",
    "DAGSTER_POSTGRES_HOST",
    "MEETUP_API_URL",
    "MEETUP_TOKEN_URL",
    "MEETUP_ACCESS_TOKEN",
    "MEETUP_CLIENT_ID",
    "MEETUP_CLIENT_SECRET",
    "MEETUP_REFRESH_TOKEN",
    "MEETUP_MEMBER_ID",
    "MEETUP_SIGNING_KEY_ID",
    "MEETUP_PRIVATE_KEY_FILE",
    "MEETUP_SANDBOX_FAULTS",
    "MEETUP_ALERT_WEBHOOK_URL",
)


@dataclass
class DagsterDev:
    base_url: str
    log_path: Path
    home: Path

    def log_tail(self, chars: int = 6000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            f"{self.base_url}/graphql",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            payload = json.loads(response.read())
        assert not payload.get("errors"), payload["errors"]
        return payload["data"]

    def wait_for(
        self, what: str, probe: Callable[[], Any], timeout: float, interval: float = 2.0
    ) -> Any:
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            try:
                last = probe()
            except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
                last = exc
            else:
                if last:
                    return last
            time.sleep(interval)
        pytest.fail(f"timed out waiting for {what} (last: {last!r})\n{self.log_tail()}")


@contextlib.contextmanager
def dagster_dev_session(
    monkeypatch: pytest.MonkeyPatch,
    before: Callable[[dict[str, str], Path], None] | None = None,
) -> Iterator[DagsterDev]:
    """`dagster dev` on a new home; `before(env, cwd)` runs first (e.g. the quickstart)."""
    # mkdtemp, not tmp_path: the embedded server may run as another user (tests run as
    # root) and a concurrent pytest session resets /tmp/pytest-of-root to 0700.
    root = reachable_tempdir("meetup-ui-test-")
    home, dagster_home, cwd = root / "home", root / "dagster_home", root / "cwd"
    for path in (home, dagster_home, cwd):
        path.mkdir()
    shutil.copy(REPO_ROOT / "dagster.yaml", dagster_home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if k not in CLEARED_ENV}
    env.update(
        MEETUP_HOME=str(home),
        DAGSTER_HOME=str(dagster_home),
        MEETUP_SANDBOX_NOW=SANDBOX_NOW,
        MEETUP_SANDBOX_RATE_LIMIT="off",
        PYTHONUNBUFFERED="1",
    )
    # This process reads the warehouse from the same home afterwards.
    monkeypatch.setenv("MEETUP_HOME", str(home))
    for name in CLEARED_ENV:
        monkeypatch.delenv(name, raising=False)

    proc: subprocess.Popen[bytes] | None = None
    try:
        if before is not None:
            before(env, cwd)
        port = free_port()
        log_path = root / "dagster-dev.log"
        with log_path.open("wb") as log_file:
            proc = subprocess.Popen(
                [str(DAGSTER), "dev", "-m", "meetup_pipeline.definitions", *HOST_PORT, str(port)],
                cwd=cwd,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        yield DagsterDev(f"http://127.0.0.1:{port}", log_path, home)
    finally:
        if proc is not None:
            _stop_group(proc)
        # The embedded server outlives `dagster dev` by design; this test started it.
        if (home / "pgdata").exists():
            stop_server(home / "pgdata")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def dagster_dev(monkeypatch: pytest.MonkeyPatch) -> Iterator[DagsterDev]:
    with dagster_dev_session(monkeypatch) as ui:
        yield ui


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGINT the whole group (dagster dev's clean shutdown), then SIGKILL what is left."""
    try:
        pgid = os.getpgid(proc.pid)
    except ProcessLookupError:
        return
    try:
        os.killpg(pgid, signal.SIGINT)
        proc.wait(timeout=45)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
    proc.wait(timeout=30)


LOCATIONS = """
{ workspaceOrError { __typename ... on Workspace { locationEntries {
    name loadStatus
    locationOrLoadError { __typename ... on PythonError { message } }
} } } }
"""

GRAPH = """
{ assetNodes { assetKey { path } partitionDefinition { description } groupName
               dependencyKeys { path } }
  repositoriesOrError { __typename ... on RepositoryConnection { nodes {
    name location { name }
    schedules { name cronSchedule executionTimezone scheduleState { status } }
    sensors { name minIntervalSeconds sensorState { status } }
    jobs { name }
  } } } }
"""

LAUNCH = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId status } }
    ... on Error { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}
"""

RUN = """
query Run($id: ID!) { runOrError(runId: $id) { __typename ... on Run {
  status tags { key value } assetSelection { path }
} } }
"""

RUNS = """
{ runsOrError { __typename ... on Runs { results { runId status tags { key value } } } } }
"""


def location_loaded(ui: DagsterDev) -> str | None:
    data = ui.graphql(LOCATIONS)["workspaceOrError"]
    for entry in data.get("locationEntries", []):
        if entry["loadStatus"] == "LOADED":
            error = entry["locationOrLoadError"]
            assert error["__typename"] == "RepositoryLocation", error
            return entry["name"]
    return None


def run_status(ui: DagsterDev, run_id: str) -> dict[str, Any]:
    return ui.graphql(RUN, {"id": run_id})["runOrError"]


def final_status(ui: DagsterDev, run_id: str) -> str | None:
    status = run_status(ui, run_id)["status"]
    return status if status in ("SUCCESS", "FAILURE", "CANCELED") else None


@pytest.mark.slow
def test_ui_lists_the_graph_and_materializes_a_partition(dagster_dev: DagsterDev) -> None:
    ui = dagster_dev
    location = ui.wait_for("the code location to load", lambda: location_loaded(ui), 240)

    # --- the asset graph, schedules and sensors, as the UI sees them -------------------------
    data = ui.graphql(GRAPH)
    nodes = {"/".join(n["assetKey"]["path"]): n for n in data["assetNodes"]}
    assert {"raw_events", "raw_groups", "stg_events", "fact_events", "upcoming_events"} <= set(
        nodes
    )
    assert nodes["fact_events"]["partitionDefinition"]["description"].startswith("Daily")
    assert nodes["upcoming_events"]["partitionDefinition"] is None
    assert {"path": ["stg_events"]} in nodes["fact_events"]["dependencyKeys"]
    (repo,) = data["repositoriesOrError"]["nodes"]
    assert repo["location"]["name"] == location
    (schedule,) = repo["schedules"]
    assert schedule["name"] == "daily_schedule"
    assert schedule["cronSchedule"] == "15 * * * *"  # hourly; a day once ended everywhere
    assert schedule["executionTimezone"] == "America/Los_Angeles"
    assert schedule["scheduleState"]["status"] == "RUNNING"
    sensors = {s["name"]: s for s in repo["sensors"]}
    assert set(sensors) == {
        "run_failure_alert",
        "upcoming_events_refresh",
        "freshness_checks_sensor",
        "freshness_alert",
    }
    assert sensors["upcoming_events_refresh"]["minIntervalSeconds"] == 3 * 3600
    assert all(s["sensorState"]["status"] == "RUNNING" for s in sensors.values())
    assert DAILY_JOB_NAME in {j["name"] for j in repo["jobs"]}

    # --- launch one partition through every partitioned asset --------------------------------
    partitioned = sorted(k for k, n in nodes.items() if n["partitionDefinition"] is not None)
    params = {
        "selector": {
            "repositoryLocationName": location,
            "repositoryName": repo["name"],
            "jobName": "__ASSET_JOB",
            "assetSelection": [{"path": key.split("/")} for key in partitioned],
        },
        "executionMetadata": {"tags": [{"key": "dagster/partition", "value": PARTITION}]},
    }
    launched = ui.graphql(LAUNCH, {"params": params})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]
    # Queued: the daemon (part of `dagster dev`) launches it within the instance's limits.
    assert launched["run"]["status"] in ("QUEUED", "STARTING", "STARTED")

    status = ui.wait_for("the run to finish", lambda: final_status(ui, run_id), RUN_TIMEOUT_S)
    assert status == "SUCCESS", ui.log_tail()
    run = run_status(ui, run_id)
    tags = {t["key"]: t["value"] for t in run["tags"]}
    assert tags["dagster/partition"] == PARTITION

    # --- the rows are in the warehouse of the same MEETUP_HOME ------------------------------
    engine = Warehouse().get_engine()
    with engine.connect() as conn:
        events = conn.execute(
            sa.text("SELECT count(*) FROM marts.fact_events WHERE event_date = :day"),
            {"day": PARTITION},
        ).scalar_one()
        other_days = conn.execute(
            sa.text("SELECT count(*) FROM marts.fact_events WHERE event_date <> :day"),
            {"day": PARTITION},
        ).scalar_one()
    engine.dispose()
    assert events > 0
    assert other_days == 0

    # --- the daemon evaluated the refresh sensor, whose run succeeded too --------------------
    def sensor_run() -> str | None:
        results = ui.graphql(RUNS)["runsOrError"]["results"]
        for result in results:
            tags = {t["key"]: t["value"] for t in result["tags"]}
            if tags.get("dagster/sensor_name") == "upcoming_events_refresh":
                return final_status(ui, result["runId"])
        return None

    assert ui.wait_for("the sensor's run", sensor_run, RUN_TIMEOUT_S) == "SUCCESS"
