"""Dagster's default run launcher, able to tell run monitoring that a run's process is dead.

With a daemon (`dagster dev`, the Compose `daemon` service), Dagster's run monitoring
asks the run launcher about every STARTED run. `DefaultRunLauncher` cannot answer
(`supports_check_run_worker_health` is False), so a run whose process was killed stays
STARTED, holds its pool slot and one of the `max_concurrent_runs` run slots: with four
such runs, the queue launches nothing again. This launcher answers from the process that
each run records (`recovery.RunWorker`): FAILED when that process is provably gone from
this host, RUNNING otherwise (another host, or nothing recorded yet: never touch what
cannot be proven dead) - except a run STARTED for `UNRECORDED_GRACE_SECONDS` with no
process recorded: every run records one as it starts, so its process died first.
Monitoring then marks the run FAILED with our reason, and `free_slots_after_run_end_seconds`
frees its pool slots.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from dagster import DagsterRun, DefaultRunLauncher

from meetup_pipeline.dagster_private import (
    CheckRunHealthResult,
    ConfigurableClassData,
    WorkerStatus,
)
from meetup_pipeline.instance.recovery import RunWorker, WorkerState, dead_run_message

UNRECORDED_GRACE_SECONDS = 120.0
"""A run records its process as it starts (`MeetupRunStorage`, else the executor's first
act, milliseconds later); STARTED this long with none recorded, its process died first."""


def run_worker_health(
    run: DagsterRun, started_at: float | None = None, now: float | None = None
) -> CheckRunHealthResult:
    worker = RunWorker.from_tags(run.tags)
    if worker is None:
        age = (now or time.time()) - started_at if started_at is not None else None
        if age is not None and age > UNRECORDED_GRACE_SECONDS:
            return CheckRunHealthResult(
                WorkerStatus.FAILED,
                f"The run has been {run.status.value} for {age:.0f}s and its process never "
                "recorded itself (every run does as it starts): the process died as the run "
                "started (e.g. kill -9). Marked FAILED by run monitoring; nothing it was "
                "writing was committed (every write is atomic per window), so re-running "
                "it is safe.",
            )
        return CheckRunHealthResult(WorkerStatus.RUNNING, "no run process recorded yet")
    state = worker.state()
    if state is WorkerState.DEAD:
        message = dead_run_message(run, worker, None, by="the daemon's run monitoring")
        return CheckRunHealthResult(WorkerStatus.FAILED, message)
    return CheckRunHealthResult(WorkerStatus.RUNNING, f"{worker.describe()}: {state.value}")


class MeetupRunLauncher(DefaultRunLauncher):
    """`DefaultRunLauncher` plus `check_run_worker_health` from the recorded run process."""

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData, config_value: Mapping[str, Any]
    ) -> MeetupRunLauncher:
        return cls(inst_data=inst_data)

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        record = self._instance.get_run_record_by_id(run.run_id)
        started_at = None
        if record is not None:
            started_at = record.start_time or record.create_timestamp.timestamp()
        return run_worker_health(run, started_at)
