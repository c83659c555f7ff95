"""A run waiting for the `meetup_api` slot: it sleeps, answers SIGTERM, and outlives a dead holder.

The slot is held by a run record of this test process (alive, so it must never be
touched) on the site's real Dagster storage; the waiting run is the ordinary CLI.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator

import dagster as dg
import psutil
import pytest
from dagster._core.storage.dagster_run import DagsterRun

from meetup_pipeline.instance.recovery import RunWorker
from meetup_pipeline_tests.chaos.conftest import Site

POOL = "meetup_api"
BLOCKED = f"Step blocked by limit for pool {POOL}"


@pytest.fixture
def instance(site: Site, monkeypatch: pytest.MonkeyPatch) -> Iterator[dg.DagsterInstance]:
    for key, value in site.env.items():
        if key.startswith(("MEETUP_", "DAGSTER_")):
            monkeypatch.setenv(key, value)
    with dg.DagsterInstance.from_config(site.env["DAGSTER_HOME"]) as inst:
        yield inst


def hold_slot(instance: dg.DagsterInstance, worker: RunWorker) -> str:
    """A STARTED run of `worker` holding the pool's only slot."""
    run_id = str(uuid.uuid4())
    instance.add_run(
        DagsterRun(
            job_name="holder", run_id=run_id, status=dg.DagsterRunStatus.STARTED, tags=worker.tags()
        )
    )
    storage = instance.event_log_storage
    storage.initialize_concurrency_limit_to_default(POOL)
    assert storage.claim_concurrency_slot(POOL, run_id, "raw_meetup").is_claimed
    return run_id


def start_run(site: Site) -> tuple[subprocess.Popen[str], list[str]]:
    proc = site.start()
    lines: list[str] = []
    assert proc.stdout is not None
    deadline = time.monotonic() + 180
    for line in proc.stdout:
        lines.append(line)
        if BLOCKED in line or time.monotonic() > deadline:
            break
    assert BLOCKED in lines[-1], "".join(lines)[-3000:]
    return proc, lines


def finish(proc: subprocess.Popen[str], lines: list[str], timeout: float) -> tuple[int, str]:
    try:
        out, _ = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.returncode, "".join(lines) + (out or "")


def test_blocked_run_sleeps_and_answers_sigterm(site: Site, instance: dg.DagsterInstance) -> None:
    holder = hold_slot(instance, RunWorker.current())
    proc, lines = start_run(site)

    cpu = psutil.Process(proc.pid).cpu_percent(interval=3.0)
    assert cpu < 30, f"a run waiting for the pool used {cpu:.0f}% of a core"

    asked = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    code, output = finish(proc, lines, timeout=20)
    took = time.monotonic() - asked
    assert code != 0
    assert took < 10, f"SIGTERM answered after {took:.1f}s"
    waiting = next(r for r in instance.get_runs() if r.run_id != holder)
    assert waiting.status == dg.DagsterRunStatus.FAILURE
    assert "interrupted" in output.lower()
    # The holder is alive: untouched, and it keeps its slot.
    assert instance.get_run_by_id(holder).status == dg.DagsterRunStatus.STARTED
    assert site.held_slots() == [(holder, "raw_meetup")]


def test_holder_dies_while_a_run_waits(site: Site, instance: dg.DagsterInstance) -> None:
    gone = subprocess.Popen(["sleep", "60"])
    holder = hold_slot(instance, RunWorker.current())
    proc, lines = start_run(site)
    started = psutil.Process(gone.pid).create_time()
    # The holder's process is now `sleep`; it dies, as by kill -9.
    instance.add_run_tags(holder, RunWorker(RunWorker.current().host, gone.pid, started).tags())
    gone.kill()
    gone.wait()

    code, output = finish(proc, lines, timeout=180)

    assert code == 0, output[-3000:]
    assert "RUN_SUCCESS" in output
    assert instance.get_run_by_id(holder).status == dg.DagsterRunStatus.FAILURE
    (message,) = site.failure_messages(holder)
    assert f"process {gone.pid} on host" in message and "is gone" in message
    assert site.held_slots() == []
