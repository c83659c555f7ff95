"""The production topology, driven as a user drives it: through the webserver's GraphQL.

One topology for the module (conftest.py): Debian's PostgreSQL with a password-only,
non-superuser role; the code server (the image's CMD), the daemon and the webserver
(compose's commands) with deploy/dagster.yaml. The tests run in file order and share it:
the schedule's and sensor's runs and the backfill first, then the runs killed and
terminated (on a quiet instance, so that nothing but the daemon can notice them), then a
restart of the webserver and the daemon, then a search for the password in everything
the topology wrote.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
import psutil
import pytest
import yaml

from meetup_pipeline_tests.topology import deploy
from meetup_pipeline_tests.topology.harness import Topology
from meetup_pipeline_tests.topology.postgres import ROLE
from meetup_pipeline_tests.topology.ui import Ui

pytestmark = pytest.mark.topology

BACKFILL_DAYS = [(date(2024, 12, 1) + timedelta(days=i)).isoformat() for i in range(31)]
LONG_RANGE = ("2015-01-01", "2024-12-31")
"""Ten years of extraction: a run that holds the `meetup_api` slot for a minute or more."""
RAW = ["raw_events", "raw_groups", "raw_rejects"]
RUN_TIMEOUT_S = 300
ACTIVE = ("QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING")
INSTANCE = yaml.safe_load((deploy.DEPLOY / "dagster.yaml").read_text())
MONITORING = INSTANCE["run_monitoring"]
MONITORING_TIMEOUT_S = (
    MONITORING["poll_interval_seconds"] * 3 + MONITORING["free_slots_after_run_end_seconds"] + 60
)
"""Safety net: three monitoring polls plus the slot delay, and a minute for a loaded host."""


@pytest.fixture(scope="module")
def ui(topology: Topology) -> Ui:
    def loaded() -> Ui | None:
        found = Ui.of(topology)
        return found if found and found.partitioned else None

    return topology.wait_for("the code location in the webserver", loaded, 120)


def event_messages(topology: Topology, run_id: str, *types: str) -> list[str]:
    with topology.connect("dagster") as conn:
        rows = conn.execute(
            "SELECT dagster_event_type, event FROM event_logs WHERE run_id = %s ORDER BY id",
            (run_id,),
        ).fetchall()
    return [event for kind, event in rows if not types or kind in types]


def event_types(topology: Topology, run_id: str) -> list[str]:
    with topology.connect("dagster") as conn:
        rows = conn.execute(
            "SELECT dagster_event_type FROM event_logs WHERE run_id = %s "
            "AND dagster_event_type IS NOT NULL ORDER BY id",
            (run_id,),
        ).fetchall()
    return [row[0] for row in rows]


def slot_rows(topology: Topology, run_id: str) -> int:
    """Claimed slots and pending claims of `run_id` in any pool."""
    with topology.connect("dagster") as conn:
        claimed = conn.execute(
            "SELECT count(*) FROM concurrency_slots WHERE run_id = %s", (run_id,)
        ).fetchone()
        pending = conn.execute(
            "SELECT count(*) FROM pending_steps WHERE run_id = %s", (run_id,)
        ).fetchone()
    return (claimed[0] if claimed else 0) + (pending[0] if pending else 0)


def wait_quiet(topology: Topology, ui: Ui) -> None:
    """Switch the every-minute schedule off (the schedule test does it first when it runs),
    then wait until no run is queued or in progress."""
    schedule = ui.instigators("daily_schedule", "upcoming_events_refresh")["scheduleOrError"]
    if schedule["scheduleState"]["status"] == "RUNNING":
        ui.stop_schedule(schedule["id"])
    topology.wait_for(
        "no active runs",
        lambda: not [r for r in ui.runs() if r["status"] in ACTIVE],
        RUN_TIMEOUT_S,
    )


def long_run(ui: Ui) -> str:
    """Ten years of raw extraction as one run (the dialog's "single run"), never retried."""
    run = ui.launch_run(
        RAW,
        {
            "dagster/asset_partition_range_start": LONG_RANGE[0],
            "dagster/asset_partition_range_end": LONG_RANGE[1],
            "dagster/max_retries": "0",
        },
    )
    return str(run["runId"])


def worker_holding_slot(topology: Topology, ui: Ui, run_id: str) -> int | None:
    """The pid of `run_id`'s process once it holds the `meetup_api` slot."""
    run = ui.run(run_id)
    assert run["status"] not in ("SUCCESS", "FAILURE", "CANCELED"), run["status"]
    pid = run["tags"].get("meetup/worker_pid")
    with topology.connect("dagster") as conn:
        held = conn.execute(
            "SELECT count(*) FROM concurrency_slots WHERE run_id = %s AND concurrency_key = %s",
            (run_id, "meetup_api"),
        ).fetchone()
    return int(pid) if pid and held and held[0] else None


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


# --- launched from the UI, queued, dequeued by the daemon, run by the code server -------------


def test_daily_schedule_fires_from_the_daemon(topology: Topology, ui: Ui) -> None:
    """MEETUP_DAILY_CRON="* * * * *": the first tick is at the next minute boundary. The
    schedule is then switched off as in the UI (its default is RUNNING), so that it fires
    once; the restart test checks that this state survives."""

    def scheduled() -> list[dict]:
        return [r for r in ui.runs() if r["tags"].get("dagster/schedule_name") == "daily_schedule"]

    (first,) = topology.wait_for("the schedule's first run", scheduled, 180, interval=0.5)
    schedule = ui.instigators("daily_schedule", "upcoming_events_refresh")["scheduleOrError"]
    ui.stop_schedule(schedule["id"])
    assert [r["runId"] for r in scheduled()] == [first["runId"]]

    status = topology.wait_for(
        "the scheduled run", lambda: ui.final_status(first["runId"]), RUN_TIMEOUT_S
    )
    assert status == "SUCCESS"
    run = ui.run(first["runId"])
    assert run["tags"]["meetup/run_kind"] == "daily"
    assert run["tags"]["dagster/priority"] == "10"
    start = date.fromisoformat(run["tags"]["dagster/asset_partition_range_start"])
    end = date.fromisoformat(run["tags"]["dagster/asset_partition_range_end"])
    assert (end - start).days == 7
    schedule = ui.instigators("daily_schedule", "upcoming_events_refresh")["scheduleOrError"]
    assert schedule["cronSchedule"] == "* * * * *"
    assert schedule["scheduleState"]["status"] == "STOPPED"
    assert any(run["runId"] in t["runIds"] for t in schedule["scheduleState"]["ticks"])


def test_ui_backfill_is_queued_dequeued_and_fills_the_warehouse(topology: Topology, ui: Ui) -> None:
    started = time.monotonic()
    backfill_id = ui.launch_backfill(list(ui.partitioned), BACKFILL_DAYS)

    done = topology.wait_for(
        "the backfill to complete",
        lambda: (b := ui.backfill(backfill_id))["status"] != "REQUESTED" and b,
        RUN_TIMEOUT_S,
        interval=2,
    )
    assert done["status"] == "COMPLETED_SUCCESS", done
    (run,) = done["runs"]  # one run for the 31 days (BackfillPolicy.single_run)
    assert run["status"] == "SUCCESS"
    details = ui.run(run["runId"])
    assert details["tags"]["dagster/backfill"] == backfill_id
    assert details["tags"]["dagster/asset_partition_range_start"] == BACKFILL_DAYS[0]
    assert details["tags"]["dagster/asset_partition_range_end"] == BACKFILL_DAYS[-1]

    # The run coordinator queued it; only the daemon takes runs off the queue (Dagster 1.13
    # records no DEQUEUED event: the daemon's dequeue is the STARTING event).
    kinds = event_types(topology, run["runId"])
    order = ["PIPELINE_ENQUEUED", "PIPELINE_STARTING", "PIPELINE_START", "PIPELINE_SUCCESS"]
    assert [k for k in kinds if k in order] == order, kinds
    # Its own process, not one of the three services.
    worker = int(details["tags"]["meetup/worker_pid"])
    assert worker not in {p.pid for p in topology.procs.values()}

    with topology.connect("meetup") as conn:
        days = conn.execute(
            "SELECT count(*) FROM marts.dim_date WHERE date_day BETWEEN %s AND %s",
            (BACKFILL_DAYS[0], BACKFILL_DAYS[-1]),
        ).fetchone()
        raw_days = conn.execute(
            "SELECT count(DISTINCT partition_date), min(partition_date), max(partition_date) "
            "FROM raw.raw_events"
        ).fetchone()
        facts = conn.execute(
            "SELECT count(*), min(event_date), max(event_date) FROM marts.fact_events"
        ).fetchone()
    assert days == (31,)
    assert raw_days is not None and raw_days[0] >= 25, raw_days  # nearly every day has events
    assert facts is not None and facts[0] > 0, facts
    assert facts[1] >= date(2024, 12, 1) and facts[2] <= date(2024, 12, 31), facts
    print(f"31-day backfill: launched to COMPLETED_SUCCESS in {time.monotonic() - started:.0f}s")


def test_sensor_tick_launches_the_upcoming_events_refresh(topology: Topology, ui: Ui) -> None:
    def sensor_run() -> str | None:
        for run in ui.runs():
            if run["tags"].get("dagster/sensor_name") == "upcoming_events_refresh":
                return run["runId"] if ui.final_status(run["runId"]) else None
        return None

    run_id = topology.wait_for("the sensor's run", sensor_run, RUN_TIMEOUT_S)
    assert ui.final_status(run_id) == "SUCCESS"
    materialized = event_messages(topology, run_id, "ASSET_MATERIALIZATION")
    assert any('"upcoming_events"' in m for m in materialized), materialized


# --- failures: a dead run, a terminated run -------------------------------------------------


def test_killed_run_is_failed_by_run_monitoring_and_the_queue_moves_on(
    topology: Topology, ui: Ui
) -> None:
    """`docker kill` of the user-code container: the run's process and the code server die
    together (SIGKILL), so only run monitoring in the daemon can see the run is dead."""
    wait_quiet(topology, ui)  # no other run may claim a slot (and reap the dead one itself)
    first = long_run(ui)
    pid = topology.wait_for(
        "the run to hold the meetup_api slot",
        lambda: worker_holding_slot(topology, ui, first),
        RUN_TIMEOUT_S,
        interval=0.5,
    )
    code_server = topology.procs["user-code"]
    # the run executes in its own process, started by the code server
    assert code_server.pid in {p.pid for p in psutil.Process(pid).parents()}

    # Behind it, a run whose only root step needs the same pool: the queue holds it.
    behind = ui.launch_run(["upcoming_events"], {"dagster/max_retries": "0"})["runId"]
    assert ui.run(behind)["status"] == "QUEUED"

    topology.crash_service("user-code")
    killed_at = time.monotonic()
    topology.wait_for("the run's process to be gone", lambda: gone(pid), 30)
    topology.start_service("user-code")  # compose's `restart: unless-stopped`

    status = topology.wait_for(
        "run monitoring to fail the run", lambda: ui.final_status(first), MONITORING_TIMEOUT_S
    )
    assert status == "FAILURE"
    failures = event_messages(topology, first, "PIPELINE_FAILURE")
    assert any("Detected run worker status" in f and "is gone" in f for f in failures), [
        json.loads(f)["dagster_event"]["event_specific_data"] for f in failures
    ]
    topology.wait_for(
        "the dead run's pool slot to be freed",
        lambda: slot_rows(topology, first) == 0,
        MONITORING_TIMEOUT_S,
    )
    freed_after = time.monotonic() - killed_at

    assert (
        topology.wait_for(
            "the queued run behind it", lambda: ui.final_status(behind), RUN_TIMEOUT_S
        )
        == "SUCCESS"
    )
    first_end = ui.run(first)["endTime"]
    assert ui.run(behind)["startTime"] > first_end  # it waited for the dead run's slot
    print(f"kill -9: run FAILED and its slot freed {freed_after:.0f}s after the kill")


def test_terminate_from_the_ui_ends_canceled_within_the_timeout(topology: Topology, ui: Ui) -> None:
    wait_quiet(topology, ui)
    run_id = long_run(ui)
    pid = topology.wait_for(
        "the run to be mid-step",
        lambda: worker_holding_slot(topology, ui, run_id),
        RUN_TIMEOUT_S,
        interval=0.5,
    )
    ui.terminate(run_id)
    asked = time.monotonic()
    timeout = MONITORING["cancel_timeout_seconds"]
    status = topology.wait_for(
        "the run to end",
        lambda: ui.final_status(run_id),
        timeout + MONITORING["poll_interval_seconds"] * 2,
    )
    took = time.monotonic() - asked
    assert status == "CANCELED"
    assert took < timeout, f"CANCELED after {took:.0f}s, over cancel_timeout_seconds={timeout}"
    assert "PIPELINE_CANCELING" in event_types(topology, run_id)
    topology.wait_for("the run's process to exit", lambda: gone(pid), 60)
    topology.wait_for(
        "the canceled run's slot to be freed", lambda: slot_rows(topology, run_id) == 0, 120
    )
    print(f"terminate: CANCELED {took:.0f}s after terminateRuns")


# --- restarts lose nothing --------------------------------------------------------------------


def _state(ui: Ui) -> dict:
    runs = {r["runId"]: r["status"] for r in ui.runs()}
    schedule_and_sensor = ui.instigators("daily_schedule", "upcoming_events_refresh")
    alert = ui.instigators("daily_schedule", "run_failure_alert")["sensorOrError"]
    return {
        "runs": runs,
        "schedule": schedule_and_sensor["scheduleOrError"]["scheduleState"],
        "refresh": schedule_and_sensor["sensorOrError"]["sensorState"],
        "alert": alert["sensorState"],
    }


def _record_id(cursor: str | None) -> int:
    assert cursor, "no cursor"
    return int(json.loads(cursor)["record_id"])


def test_restarting_webserver_and_daemon_loses_nothing(topology: Topology, ui: Ui) -> None:
    wait_quiet(topology, ui)
    before = _state(ui)
    assert len(before["runs"]) >= 5
    assert before["schedule"]["ticks"] and before["refresh"]["ticks"]
    alert_cursor = _record_id(before["alert"]["typeSpecificData"]["lastCursor"])
    assert alert_cursor > 0  # the failure sensor has processed the failed run

    topology.stop_service("webserver")
    topology.stop_service("daemon")
    topology.start_service("daemon")
    topology.start_service("webserver")

    after = _state(ui)
    assert {k: after["runs"].get(k) for k in before["runs"]} == before["runs"]
    # switched off in the UI; a lost state would be back to the code's default, RUNNING
    assert after["schedule"]["status"] == before["schedule"]["status"] == "STOPPED"
    ticks = {t["tickId"] for t in after["schedule"]["ticks"]}
    assert {t["tickId"] for t in before["schedule"]["ticks"]} <= ticks
    assert {t["tickId"] for t in before["refresh"]["ticks"]} <= {
        t["tickId"] for t in after["refresh"]["ticks"]
    }
    assert _record_id(after["alert"]["typeSpecificData"]["lastCursor"]) >= alert_cursor
    # the refresh sensor's run is still the one of this 3-hour bucket: no duplicate
    refresh_runs = [
        r for r in ui.runs() if r["tags"].get("dagster/sensor_name") == "upcoming_events_refresh"
    ]
    assert len(refresh_runs) == 1, refresh_runs


# --- secrets and roles ----------------------------------------------------------------------


def _dump(topology: Topology, database: str) -> str:
    cluster = topology.cluster
    done = subprocess.run(
        [
            *(str(cluster.bindir / "pg_dump"), "-h", "127.0.0.1", "-p", str(cluster.port)),
            *("-U", ROLE, "-d", database, "--no-owner"),
        ],
        env={**os.environ, "PGPASSWORD": cluster.password},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_the_password_appears_nowhere_and_the_role_is_not_a_superuser(
    topology: Topology, ui: Ui
) -> None:
    password = topology.cluster.password
    forms = {password, base64.b64encode(password.encode()).decode()}
    texts: dict[str, str] = {}
    for path in topology.log_paths():
        texts[f"log {path.name}"] = path.read_text(errors="replace")
    for database in ("dagster", "meetup"):
        texts[f"database {database}"] = _dump(topology, database)
    for path in Path(topology.layout.meetup_home).rglob("*"):
        if path.is_file():
            texts[f"file {path}"] = path.read_bytes().decode(errors="replace")
    for page in ("/", "/runs", "/locations", "/deployment/config", "/server_info"):
        texts[f"page {page}"] = httpx.get(topology.base_url + page, timeout=30).text
    texts["GraphQL instance"] = json.dumps(
        topology.graphql("{ instance { info runLauncher { name } } }")
    )
    for run in ui.runs():
        texts[f"run {run['runId']}"] = json.dumps(
            topology.graphql(
                "query($id: ID!) { runOrError(runId: $id) { ... on Run { runConfigYaml "
                "tags { key value } } } }",
                {"id": run["runId"]},
            )
        )
    for proc in topology.procs.values():
        for p in [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]:
            texts[f"argv of {p.pid}"] = " ".join(p.cmdline())

    assert len(texts["database dagster"]) > 100_000  # events of every run above
    assert any(k.startswith("file ") and k.endswith(".html") for k in texts)  # the dashboard
    leaks = sorted(name for name, text in texts.items() if any(f in text for f in forms))
    assert not leaks, f"the database password appears in: {leaks}"

    # A managed database's role: it owns its databases and nothing more.
    with topology.connect("meetup") as conn:
        role = conn.execute(
            "SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls FROM pg_roles "
            "WHERE rolname = current_user"
        ).fetchone()
        owners = conn.execute(
            "SELECT datname, pg_get_userbyid(datdba) FROM pg_database "
            "WHERE datname IN ('dagster', 'meetup') ORDER BY 1"
        ).fetchall()
    assert role == (False, False, False, False)
    assert owners == [("dagster", ROLE), ("meetup", ROLE)]
    # One role for both, as deploy/.env.example and docs/deployment.md say.
    env = topology.env
    assert env["DAGSTER_POSTGRES_USER"] == ROLE
    assert env["MEETUP_WAREHOUSE_URL"].startswith(f"postgresql://{ROLE}:")
