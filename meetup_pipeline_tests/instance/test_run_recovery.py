"""Dead runs on the real instance storage: found, failed with a reason, slots freed.

Runs are run records with the process tags a real run writes; "dead" is a process this
test started and reaped, "alive" is this test process, "elsewhere" another host. Dagster's
own run-monitoring function is called as its daemon calls it.
"""

from __future__ import annotations

import logging
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import psutil
import pytest
import yaml
from dagster._core.events import DagsterEvent
from dagster._core.instance import InstanceRef
from dagster._core.storage.dagster_run import DagsterRun
from dagster._daemon.monitoring.run_monitoring import monitor_started_run

from meetup_pipeline.instance import launcher
from meetup_pipeline.instance.launcher import MeetupRunLauncher
from meetup_pipeline.instance.recovery import RunWorker, reap_dead_runs

REPO_ROOT = Path(__file__).resolve().parents[2]
POOL = f"recovery_test_{uuid.uuid4().hex[:8]}"
"""A pool of its own: other tests use `meetup_api` on the same storage at the same time."""
STORAGE_VARS = (
    "MEETUP_DAGSTER_STORAGE_URL",
    "DAGSTER_POSTGRES_HOST",
    "DAGSTER_HOME",
)


@pytest.fixture
def instance(monkeypatch: pytest.MonkeyPatch) -> Iterator[dg.DagsterInstance]:
    """The committed dagster.yaml on the session's embedded PostgreSQL (MEETUP_HOME)."""
    for name in STORAGE_VARS:
        monkeypatch.delenv(name, raising=False)
    home = tempfile.mkdtemp(prefix="meetup-recovery-dh-")
    ref = InstanceRef.from_dir(home, config_dir=str(REPO_ROOT))
    with dg.DagsterInstance.from_ref(ref) as inst:
        yield inst
        for run in inst.get_runs(filters=dg.RunsFilter(tags={"test": "recovery"})):
            inst.event_log_storage.free_concurrency_slots_for_run(run.run_id)
            inst.delete_run(run.run_id)
        inst.event_log_storage.delete_concurrency_limit(POOL)


def dead_worker() -> RunWorker:
    proc = subprocess.Popen(["true"])
    started = psutil.Process(proc.pid).create_time()
    proc.wait()
    return RunWorker(RunWorker.current().host, proc.pid, started)


def started_run(instance: dg.DagsterInstance, worker: RunWorker | None, slot: bool) -> str:
    run_id = str(uuid.uuid4())
    tags = {"test": "recovery", **(worker.tags() if worker else {})}
    instance.add_run(
        DagsterRun(job_name="j", run_id=run_id, status=dg.DagsterRunStatus.STARTED, tags=tags)
    )
    if slot:
        storage = instance.event_log_storage
        storage.set_concurrency_slots(POOL, 4)
        assert storage.claim_concurrency_slot(POOL, run_id, "raw_meetup").is_claimed
    return run_id


def status(instance: dg.DagsterInstance, run_id: str) -> dg.DagsterRunStatus:
    run = instance.get_run_by_id(run_id)
    assert run is not None
    return run.status


def failure_message(instance: dg.DagsterInstance, run_id: str) -> str:
    (record,) = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.RUN_FAILURE
    ).records
    return record.event_log_entry.message


def held(instance: dg.DagsterInstance, run_id: str) -> int:
    return sum(
        1
        for slot in instance.event_log_storage.get_concurrency_info(POOL).claimed_slots
        if slot.run_id == run_id
    )


def test_committed_configs_monitor_runs_with_the_health_checking_launcher(
    instance: dg.DagsterInstance,
) -> None:
    assert isinstance(instance.run_launcher, MeetupRunLauncher)
    assert instance.run_monitoring_enabled
    assert instance.run_monitoring_max_resume_run_attempts == 0
    assert instance.run_monitoring_settings["free_slots_after_run_end_seconds"] > 0
    deploy = yaml.safe_load((REPO_ROOT / "deploy" / "dagster.yaml").read_text())
    assert deploy["run_launcher"]["class"] == "MeetupRunLauncher"
    assert (
        deploy["run_monitoring"]
        == yaml.safe_load((REPO_ROOT / "dagster.yaml").read_text())["run_monitoring"]
    )


def test_reap_fails_only_provably_dead_runs_and_frees_their_slots(
    instance: dg.DagsterInstance,
) -> None:
    me = RunWorker.current()
    dead = started_run(instance, dead_worker(), slot=True)
    reused = started_run(instance, RunWorker(me.host, me.pid, me.started - 3600), slot=False)
    alive = started_run(instance, me, slot=True)
    elsewhere = started_run(instance, RunWorker("another-host", 1, 0.0), slot=False)
    unrecorded = started_run(instance, None, slot=False)

    reaped = reap_dead_runs(instance, current_run_id="the-reaper")

    assert set(reaped) == {dead, reused}
    for run_id in (dead, reused):
        assert status(instance, run_id) == dg.DagsterRunStatus.FAILURE
        message = failure_message(instance, run_id)
        assert "is gone: it was killed" in message and "by run the-reaper" in message
    assert held(instance, dead) == 0
    for run_id in (alive, elsewhere, unrecorded):
        assert status(instance, run_id) == dg.DagsterRunStatus.STARTED
    assert held(instance, alive) == 1
    assert reap_dead_runs(instance) == []  # nothing twice


def test_dagster_run_monitoring_fails_a_dead_run(instance: dg.DagsterInstance) -> None:
    """The daemon's own function, with the health check of the configured launcher."""
    dead = started_run(instance, dead_worker(), slot=False)
    alive = started_run(instance, RunWorker.current(), slot=False)
    logger = logging.getLogger("test-monitoring")
    for run_id in (dead, alive):
        record = instance.get_run_record_by_id(run_id)
        assert record is not None
        monitor_started_run(instance, None, record, logger)  # type: ignore[arg-type]
    assert status(instance, dead) == dg.DagsterRunStatus.FAILURE
    assert "is gone" in failure_message(instance, dead)
    assert status(instance, alive) == dg.DagsterRunStatus.STARTED


def test_a_run_is_started_only_with_its_process_recorded(instance: dg.DagsterInstance) -> None:
    """The run storage writes the process with the STARTED status: a run killed at once
    after its start (before the executor records anything) is still provably dead."""
    run_id = str(uuid.uuid4())
    instance.add_run(
        DagsterRun(
            job_name="j",
            run_id=run_id,
            status=dg.DagsterRunStatus.NOT_STARTED,
            tags={"test": "recovery"},
        )
    )
    start = DagsterEvent(
        event_type_value=dg.DagsterEventType.RUN_START.value, job_name="j", message="started"
    )
    instance.report_dagster_event(start, run_id)
    run = instance.get_run_by_id(run_id)
    assert run is not None and run.status == dg.DagsterRunStatus.STARTED
    assert RunWorker.from_tags(run.tags) == RunWorker.current()


def test_run_monitoring_fails_a_run_started_long_ago_with_no_process_recorded(
    instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run whose process died before recording itself (another storage, or an old
    run): not "healthy" for ever, but FAILED once the grace for recording has passed."""
    unrecorded = started_run(instance, None, slot=False)
    logger = logging.getLogger("test-monitoring")
    record = instance.get_run_record_by_id(unrecorded)
    assert record is not None
    monitor_started_run(instance, None, record, logger)  # type: ignore[arg-type]
    assert status(instance, unrecorded) == dg.DagsterRunStatus.STARTED  # within the grace

    monkeypatch.setattr(launcher, "UNRECORDED_GRACE_SECONDS", -1.0)
    monitor_started_run(instance, None, record, logger)  # type: ignore[arg-type]
    assert status(instance, unrecorded) == dg.DagsterRunStatus.FAILURE
    assert "never recorded itself" in failure_message(instance, unrecorded)
