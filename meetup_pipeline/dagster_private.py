"""Every private Dagster name the project uses, and why; the only `from dagster._` in the package.

Dagster's public API (`import dagster as dg`) comes first everywhere. What it does not offer
is imported here, once, so that a Dagster upgrade has one place to read and one test to run:
`meetup_pipeline_tests/test_dagster_private.py` checks each name below for exactly what the
project relies on (signatures, attributes, values, and the source of the Dagster code that
`instance/executor.py` re-implements) and names the symbol when the pinned Dagster changes
it. `bench/dagster_next.py` runs that test and a slice of the suite on the newest Dagster
patch release.

Add a name here only with a comment saying why no public name will do, and a check in that
test. Grouped by the module that needs them (hence no import sorting in this file).
"""

# ruff: noqa: F401, I001

# --- Run tags (defs/alerts/, defs/automation/): Dagster's own tag keys, which Dagster reads back.
# `dagster` exports none of them; spelling the strings out would hide a rename.
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,  # a range run's last partition
    ASSET_PARTITION_RANGE_START_TAG,  # a range run's first partition
    BACKFILL_ID_TAG,  # alerts name the backfill a failed run belongs to
    PARTITION_NAME_TAG,  # a single-partition run's partition
    PRIORITY_TAG,  # the daily run outranks backfills for the pool
    RUN_KEY_TAG,  # the daily schedule's run key, set on its own run requests
    RETRY_NUMBER_TAG,  # alerts say which attempt failed
    SCHEDULE_NAME_TAG,  # alerts say which schedule started the run
    SENSOR_NAME_TAG,  # alerts say which sensor started the run
    WILL_RETRY_TAG,  # no alert for a failure that Dagster will retry
)

# Dagster's own test of a cron string, the one its schedules apply: MEETUP_DAILY_CRON is
# refused before any run with the same rule (settings/clock.py).
from dagster._utils.schedules import is_valid_cron_string

# --- The freshness checks (defs/checks/freshness.py): since when the schedule and the
# refresh sensor have been running (their instigator state), and the schedule's next tick
# after a time.
from dagster._core.scheduler.instigation import (
    InstigatorType,
    ScheduleInstigatorData,
    SensorInstigatorData,
)
from dagster._utils.schedules import get_next_cron_tick

# --- Per-partition row counts of a range run (partition_metadata.py): Dagster has no public
# way to give each partition of one output its own metadata; these are the step's metadata
# accumulator and its per-(asset, partition) key.
from dagster._core.execution.context.metadata_logging import (
    AssetMetadataHandle,
    OutputMetadataAccumulator,
)

# --- The prefix of the temporary DAGSTER_HOME the CLIs create when it is unset, whose
# leftovers instance/litter.py removes.
from dagster._cli.utils import TMP_DAGSTER_HOME_PREFIX

# --- Types Dagster hands us but does not export.
# A failure's error as a run-failure event carries it; alerts print its first line
# (defs/alerts/webhook.py).
from dagster._utils.error import SerializableErrorInfo

# An asset check's execution record, as `instance.event_log_storage` returns it, and its
# status: the freshness alert sensor reads both (defs/alerts/freshness.py); the range check results
# write the status (instance/planned_events.py).
from dagster._core.storage.asset_check_execution_record import (
    AssetCheckExecutionRecord,
    AssetCheckExecutionRecordStatus,
)

# --- The run console (console.py), a `python_logs` handler. The attribute under which Dagster
# attaches the Dagster event (and run id, step key) to each log record:
from dagster._core.log_manager import LOG_RECORD_METADATA_ATTR

# Dagster's own console line format, for MEETUP_LOG_LEVEL=debug (every event, as Dagster's
# console logger prints it).
from dagster._utils.log import default_date_format_string, default_format_string

# --- Instance classes (instance/storage.py, instance/launcher.py, instance/planned_events.py).
# Dagster builds the classes that dagster.yaml names with `from_config_value(inst_data,
# config_value)`, `inst_data` being a ConfigurableClassData, and `config_type()` returning a
# UserConfigSchema.
from dagster._serdes import ConfigurableClassData
from dagster._config.config_schema import UserConfigSchema

# The stock local artifact storage and compute log manager, subclassed to live under
# $MEETUP_HOME (instance/storage.py).
from dagster._core.storage.root import LocalArtifactStorage
from dagster._core.storage.local_compute_log_manager import LocalComputeLogManager

# What a launcher's `check_run_worker_health` returns (instance/launcher.py).
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus

# --- Failing a dead run from outside it (instance/recovery.py), as Dagster's run monitoring
# does: `instance.report_run_failed(run, message, JobFailureData(...))`; and the statuses
# after which a run's pool slots may be freed.
from dagster._core.events import JobFailureData, RunFailureReason
from dagster._core.storage.dagster_run import FINISHED_STATUSES

# --- The in-process executor with crash recovery (instance/executor.py). Dagster has no hook
# into a step's pool claims, so the executor is `InProcessExecutor` with `execute`
# re-implemented around a subclass of the claims context; these are the parts it reuses.
from dagster._core.definitions.executor_definition import (
    IN_PROC_CONFIG,  # the stock in_process executor's config schema, kept identical
    _core_in_process_executor_creation,  # that config -> retries, marker, step dependencies
)
from dagster._core.executor.in_process import InProcessExecutor  # the base class
from dagster._core.execution.plan.instance_concurrency_context import (
    InstanceConcurrencyContext,  # pool claims: subclassed to sleep, see signals, reap dead runs
)
from dagster._core.execution.api import ExecuteRunWithPlanIterable  # runs the plan's steps
from dagster._core.execution.context_creation_job import (
    PlanExecutionContextManager,  # builds the step context from the orchestration context
)
from dagster._core.execution.plan.execute_plan import (
    inner_plan_execution_iterator,  # the step loop, given our claims context
)
from dagster._core.execution.context.system import (
    PlanExecutionContext,  # what the step loop receives
    PlanOrchestrationContext,  # what `execute` receives
)
from dagster._core.execution.plan.plan import ExecutionPlan  # `execute`'s other argument
from dagster._core.events import EngineEventData  # the engine events the stock executor emits
from dagster._utils.interrupts import check_captured_interrupt  # SIGTERM/Ctrl-C while blocked

# --- The event-log storage (instance/planned_events.py): the planned event's data, and the
# two tables that the bulk planned events and the range check results write.
from dagster._core.events import AssetMaterializationPlannedData
from dagster._core.storage.event_log.schema import (
    AssetCheckExecutionsTable,
    SqlEventLogStorageTable,
)
