"""Runs whose process died: found, reported FAILED with a reason, their pool slots freed.

Dagster keeps a run STARTED, and a `meetup_api` pool slot claimed, until the run's own
process says otherwise. A process killed with `kill -9` (or one that loses its storage
when the embedded PostgreSQL server dies) never says anything, and every later run waits
for that slot forever. Dagster's run monitoring only helps with a daemon and a run
launcher that can check its workers (the default launcher cannot), and never for
`dagster asset materialize`.

So every run records which process executes it (host, pid and the process's start
time, so that a reused pid is not mistaken for the run) as run tags, and before a run
claims a pool slot, and while it waits for one, it looks for STARTED runs whose process
is provably gone *on this host*: those are reported FAILED with a message saying so, and
their slots are freed. A run on another host, or one that recorded nothing yet, is
never touched: we cannot prove it is dead.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

import psutil
from dagster import DagsterInstance, DagsterRun, DagsterRunStatus, RunsFilter

from meetup_pipeline.dagster_private import (
    FINISHED_STATUSES,
    JobFailureData,
    RunFailureReason,
)

log = logging.getLogger(__name__)

HOST_TAG = "meetup/worker_host"
PID_TAG = "meetup/worker_pid"
STARTED_TAG = "meetup/worker_started"
START_TOLERANCE_SECONDS = 1.0
"""Two processes with the same pid started this far apart are different processes."""

WATCHED_STATUSES = [DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]


class WorkerState(Enum):
    ALIVE = "alive"
    DEAD = "dead"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class RunWorker:
    """The process that executes a run, as recorded in the run's tags."""

    host: str
    pid: int
    started: float

    @classmethod
    def current(cls) -> RunWorker:
        pid = os.getpid()
        return cls(host=socket.gethostname(), pid=pid, started=psutil.Process(pid).create_time())

    @classmethod
    def from_tags(cls, tags: Mapping[str, str]) -> RunWorker | None:
        try:
            return cls(
                host=tags[HOST_TAG], pid=int(tags[PID_TAG]), started=float(tags[STARTED_TAG])
            )
        except (KeyError, ValueError):
            return None

    def tags(self) -> dict[str, str]:
        return {HOST_TAG: self.host, PID_TAG: str(self.pid), STARTED_TAG: f"{self.started:.3f}"}

    def state(self) -> WorkerState:
        """DEAD only when provable: same host, and the pid is gone, a zombie or reused."""
        if self.host != socket.gethostname():
            return WorkerState.UNKNOWN
        try:
            process = psutil.Process(self.pid)
            if process.status() == psutil.STATUS_ZOMBIE:
                return WorkerState.DEAD
            if abs(process.create_time() - self.started) > START_TOLERANCE_SECONDS:
                return WorkerState.DEAD
        except psutil.NoSuchProcess:
            return WorkerState.DEAD
        except psutil.Error:
            return WorkerState.UNKNOWN
        return WorkerState.ALIVE

    def describe(self) -> str:
        return f"process {self.pid} on host {self.host}"


def record_current_worker(instance: DagsterInstance, run_id: str) -> RunWorker:
    """Tag `run_id` with this process, so that others can tell when it is gone."""
    worker = RunWorker.current()
    instance.add_run_tags(run_id, worker.tags())
    return worker


def dead_run_message(
    run: DagsterRun, worker: RunWorker, by_run_id: str | None, by: str | None = None
) -> str:
    by = by or (f"run {by_run_id}" if by_run_id else "meetup_pipeline's run recovery")
    return (
        f"The run's {worker.describe()} is gone: it was killed (e.g. kill -9, out of memory) "
        f"or crashed (e.g. its storage, the embedded PostgreSQL server, stopped) while the run "
        f"was {run.status.value}, so it could not report its own end. Marked FAILED by {by}, "
        "and its pool slots freed; the partitions it was writing were never committed "
        "(every write is atomic per window), so re-running them is safe."
    )


def reap_dead_runs(instance: DagsterInstance, current_run_id: str | None = None) -> list[str]:
    """Fail every watched run whose process is provably dead; free slots of ended runs.

    Returns the ids of the runs marked FAILED. Safe to call from many processes at once:
    a run is re-read just before it is reported, and reporting a finished run is skipped.
    """
    reaped: list[str] = []
    for record in instance.get_run_records(filters=RunsFilter(statuses=WATCHED_STATUSES)):
        run = record.dagster_run
        if run.run_id == current_run_id:
            continue
        worker = RunWorker.from_tags(run.tags)
        if worker is None or worker.state() is not WorkerState.DEAD:
            continue
        fresh = instance.get_run_by_id(run.run_id)
        if fresh is None or fresh.status not in WATCHED_STATUSES:
            continue
        message = dead_run_message(fresh, worker, current_run_id)
        instance.report_run_failed(
            fresh,
            message,
            JobFailureData(error=None, failure_reason=RunFailureReason.UNEXPECTED_TERMINATION),
        )
        log.warning("Run %s: %s", run.run_id, message)
        reaped.append(run.run_id)
    free_slots_of_ended_runs(instance)
    return reaped


def free_slots_of_ended_runs(instance: DagsterInstance) -> list[str]:
    """Free pool slots (claimed or queued) of runs that ended.

    Dagster's own run monitoring does this with a daemon (`free_slots_after_run_end_seconds`);
    without one, a run that was marked FAILED from outside would keep its slot.
    """
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return []
    freed: list[str] = []
    for run_id in storage.get_concurrency_run_ids():
        run = instance.get_run_by_id(run_id)
        if run is not None and run.status in FINISHED_STATUSES:
            storage.free_concurrency_slots_for_run(run_id)
            freed.append(run_id)
    return freed
