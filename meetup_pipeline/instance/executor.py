"""Dagster's in-process executor, made safe to leave alone around the `meetup_api` pool.

Four things differ from `dagster.in_process_executor`, everything else is Dagster's:

- The run records its process (`recovery.record_current_worker`) before anything else,
  and fails runs whose process is provably dead before it claims a pool slot and every
  `REAP_INTERVAL_SECONDS` while it waits for one (`recovery.reap_dead_runs`), so a
  killed run never holds the slot for later runs.
- A step blocked on a pool sleeps between claims. Dagster 1.13's
  `InstanceConcurrencyContext.interval_to_next_pending_claim_check` returns
  `min([0, ...])`, which is never positive, so the executor's wait loop never slept and
  spun a core at 60-95% for as long as the pool was taken.
- The process exits without a last garbage collection of its heap (`quick_exit`),
  removes the empty temporary Dagster homes killed runs left in its folder, and its own
  once the run has started, so a kill leaves none (`litter`).
- A blocked run answers SIGTERM and Ctrl-C: the CLI only records the signal while a run
  executes (`capture_interrupts`), and nothing in the wait loop looked at it. Each claim
  attempt now does, and the run ends FAILED ("Execution was interrupted") within
  `MAX_WAIT_SECONDS`.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
from dagster import DagsterEvent, DagsterExecutionInterruptedError

from meetup_pipeline.dagster_private import (
    IN_PROC_CONFIG,
    EngineEventData,
    ExecuteRunWithPlanIterable,
    ExecutionPlan,
    InProcessExecutor,
    InstanceConcurrencyContext,
    PlanExecutionContext,
    PlanExecutionContextManager,
    PlanOrchestrationContext,
    _core_in_process_executor_creation,
    check_captured_interrupt,
    inner_plan_execution_iterator,
)
from meetup_pipeline.instance import litter, quick_exit, recovery

log = logging.getLogger(__name__)

MAX_WAIT_SECONDS = 1.0
"""Longest sleep of a blocked run between looks at signals (claims back off up to 15 s)."""
REAP_INTERVAL_SECONDS = 10.0
"""How often a blocked run looks for dead runs that may hold the slot it waits for."""


class RecoveringConcurrencyContext(InstanceConcurrencyContext):
    """Pool claims that sleep while blocked, see signals, and clear dead runs' slots."""

    def __init__(self, instance: dg.DagsterInstance, dagster_run: dg.DagsterRun) -> None:
        super().__init__(instance, dagster_run)
        self._next_reap = 0.0

    def claim(self, concurrency_key: str, step_key: str, step_priority: int = 0) -> bool:
        if check_captured_interrupt():
            raise DagsterExecutionInterruptedError(
                f"Interrupted while step {step_key} waited for pool {concurrency_key}."
            )
        if time.monotonic() >= self._next_reap:
            self._next_reap = time.monotonic() + REAP_INTERVAL_SECONDS
            if recovery.reap_dead_runs(self._instance, self._run_id):
                # A slot may be ours now: ask again at once instead of after the back-off.
                self._pending_timeouts.pop(step_key, None)
        return super().claim(concurrency_key, step_key, step_priority)

    def interval_to_next_pending_claim_check(self) -> float:
        if not self._pending_claims:
            return 0.0
        now = time.time()
        waits = [ready_at - now for ready_at in self._pending_timeouts.values()]
        return max(0.0, min([MAX_WAIT_SECONDS, *waits]))


def recovering_execution_iterator(
    job_context: PlanExecutionContext,
    execution_plan: ExecutionPlan,
    instance_concurrency_context: InstanceConcurrencyContext | None = None,
) -> Iterator[DagsterEvent]:
    with RecoveringConcurrencyContext(
        job_context.instance, job_context.dagster_run
    ) as concurrency_context:
        yield from inner_plan_execution_iterator(job_context, execution_plan, concurrency_context)


class RecoveringInProcessExecutor(InProcessExecutor):
    """`InProcessExecutor.execute` with the run's process recorded and the claims above."""

    def execute(
        self, plan_context: PlanOrchestrationContext, execution_plan: ExecutionPlan
    ) -> Iterator[DagsterEvent]:
        instance = plan_context.instance
        run_id = plan_context.run_id
        quick_exit.install()
        worker = recovery.record_current_worker(instance, run_id)
        litter.remove_abandoned_temporary_homes(Path.cwd())
        litter.remove_own_temporary_homes(Path.cwd(), worker.started)
        reaped = recovery.reap_dead_runs(instance, run_id)
        if reaped:
            yield DagsterEvent.engine_event(
                plan_context,
                f"Marked {len(reaped)} run(s) whose process was gone as FAILED and freed "
                f"their pool slots: {', '.join(reaped)}",
                EngineEventData(),
            )
        yield DagsterEvent.engine_event(
            plan_context,
            f"Executing steps in process (pid: {os.getpid()})",
            event_specific_data=EngineEventData.in_process(
                os.getpid(), execution_plan.step_keys_to_execute
            ),
        )
        started = time.monotonic()
        yield from iter(
            ExecuteRunWithPlanIterable(
                execution_plan=plan_context.execution_plan,
                iterator=recovering_execution_iterator,
                execution_context_manager=PlanExecutionContextManager(
                    job=plan_context.job,
                    retry_mode=plan_context.retry_mode,
                    execution_plan=plan_context.execution_plan,
                    run_config=plan_context.run_config,
                    dagster_run=plan_context.dagster_run,
                    instance=instance,
                    raise_on_error=plan_context.raise_on_error,
                    output_capture=plan_context.output_capture,
                    step_dependency_config=self.step_dependency_config,
                ),
            )
        )
        yield DagsterEvent.engine_event(
            plan_context,
            f"Finished steps in process (pid: {os.getpid()}) in "
            f"{time.monotonic() - started:.2f}s ({worker.describe()})",
            event_specific_data=EngineEventData.in_process(
                os.getpid(), execution_plan.step_keys_to_execute
            ),
        )


@dg.executor(name="in_process", config_schema=IN_PROC_CONFIG)
def recovering_in_process_executor(init_context: dg.InitExecutorContext) -> InProcessExecutor:
    """`dagster.in_process_executor` (same name and config) with crash recovery; see above."""
    core = _core_in_process_executor_creation(init_context.executor_config)
    return RecoveringInProcessExecutor(
        retries=core.retries,
        marker_to_close=core.marker_to_close,
        step_dependency_config=core.step_dependency_config,
    )
