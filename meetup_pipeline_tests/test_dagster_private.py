"""What the project relies on in each private Dagster name of `meetup_pipeline.dagster_private`.

One test per name or copied piece of Dagster, each named for the symbol: after a Dagster
upgrade a failure reads "Dagster 1.13.x changed `InstanceConcurrencyContext`: ...", saying
what we rely on and where. Two kinds of checks:

- the surface we call or subclass: parameters, attributes, enum members, tag values;
- the source of the Dagster code the project re-implements or whose internals it leans on
  (`PINNED_SOURCES`): a changed hash means "re-read it and our copy, then update the pin".

Also: no module of the package but `dagster_private` imports from `dagster._`.
"""

from __future__ import annotations

import hashlib
import inspect
import re
import textwrap
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.definitions.executor_definition import in_process_executor
from dagster._core.executor.in_process import inprocess_execution_iterator
from dagster._core.instance.runs.run_domain import RunDomain
from dagster_postgres.event_log import PostgresEventLogStorage

from meetup_pipeline import dagster_private as dp

PACKAGE = Path(__file__).resolve().parents[1] / "meetup_pipeline"
VERSION = dg.__version__


def changed(symbol: str, relied_on: str, found: object) -> str:
    return (
        f"Dagster {VERSION} changed `{symbol}`: the project relies on {relied_on}; "
        f"found {found}. See meetup_pipeline/dagster_private.py for who uses it."
    )


def accepts(
    fn: Callable[..., object],
    symbol: str,
    positional: Sequence[str] = (),
    keywords: Sequence[str] = (),
) -> None:
    """`fn` takes `positional` first, in order, and `keywords` by name; nothing else required."""
    params = inspect.signature(fn).parameters
    names = list(params)
    relied = f"parameters ({', '.join([*positional, *keywords])})"
    assert names[: len(positional)] == list(positional), changed(symbol, relied, names)
    missing = [k for k in keywords if k not in params]
    assert not missing, changed(symbol, relied, f"no {missing} in {names}")
    ours = {*positional, *keywords}
    required = [
        name
        for name, p in params.items()
        if name not in ours
        and p.default is inspect.Parameter.empty
        and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]
    assert not required, changed(symbol, relied, f"new required parameters {required}")


def has(obj: object, symbol: str, attributes: Sequence[str]) -> None:
    missing = [a for a in attributes if not hasattr(obj, a)]
    assert not missing, changed(symbol, f"attributes {list(attributes)}", f"no {missing}")


def test_only_dagster_private_imports_dagster_internals() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{n}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "dagster_private.py"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.match(r"\s*(from|import)\s+dagster\._", line)
    ]
    assert not offenders, (
        "private Dagster imports outside meetup_pipeline/dagster_private.py (import them "
        f"there, with a comment saying why, and a check here): {offenders}"
    )


# --- run tags: the values are Dagster's stored contract (console.py spells three of them out).
TAGS = {
    "ASSET_PARTITION_RANGE_START_TAG": "dagster/asset_partition_range_start",
    "ASSET_PARTITION_RANGE_END_TAG": "dagster/asset_partition_range_end",
    "PARTITION_NAME_TAG": "dagster/partition",
    "BACKFILL_ID_TAG": "dagster/backfill",
    "PRIORITY_TAG": "dagster/priority",
    "RUN_KEY_TAG": "dagster/run_key",
    "RETRY_NUMBER_TAG": "dagster/retry_number",
    "SCHEDULE_NAME_TAG": "dagster/schedule_name",
    "SENSOR_NAME_TAG": "dagster/sensor_name",
    "WILL_RETRY_TAG": "dagster/will_retry",
}


@pytest.mark.parametrize("name", sorted(TAGS))
def test_tag(name: str) -> None:
    value = getattr(dp, name)
    assert value == TAGS[name], changed(name, f"the tag key {TAGS[name]!r}", repr(value))


def test_is_valid_cron_string() -> None:
    verdicts = {c: dp.is_valid_cron_string(c) for c in ("15 0 * * *", "nope", "61 0 * * *")}
    assert verdicts == {"15 0 * * *": True, "nope": False, "61 0 * * *": False}, changed(
        "is_valid_cron_string", "True for a cron string, False otherwise", verdicts
    )


def test_instigator_state() -> None:
    members = {t.name for t in dp.InstigatorType}
    assert {"SCHEDULE", "SENSOR"} <= members, changed("InstigatorType", "SCHEDULE, SENSOR", members)
    has(dp.ScheduleInstigatorData, "ScheduleInstigatorData", ["start_timestamp"])
    has(dp.SensorInstigatorData, "SensorInstigatorData", ["last_sensor_start_timestamp"])


def test_get_next_cron_tick() -> None:
    tick = dp.get_next_cron_tick("15 0 * * *", datetime(2026, 1, 1, 12, tzinfo=UTC), "UTC")
    assert tick == datetime(2026, 1, 2, 0, 15, tzinfo=UTC), changed(
        "get_next_cron_tick", "(cron, after, timezone) -> the next tick", tick
    )


def test_partition_metadata_accumulator() -> None:
    handle = dp.AssetMetadataHandle(asset_key=dg.AssetKey("a"), partition_key="p")
    has(handle, "AssetMetadataHandle", ["asset_key", "partition_key"])
    accumulator = dp.OutputMetadataAccumulator(per_output_metadata={handle: {"n": 1}})
    assert dict(accumulator.per_output_metadata) == {handle: {"n": 1}}, changed(
        "OutputMetadataAccumulator", "`per_output_metadata`, a mapping by handle", accumulator
    )
    source = inspect.getsource(dg.StepExecutionContext)
    assert "self._metadata_accumulator" in source, changed(
        "StepExecutionContext", "the `_metadata_accumulator` attribute", "no such attribute"
    )


def test_TMP_DAGSTER_HOME_PREFIX() -> None:
    assert isinstance(dp.TMP_DAGSTER_HOME_PREFIX, str) and dp.TMP_DAGSTER_HOME_PREFIX, changed(
        "TMP_DAGSTER_HOME_PREFIX", "a directory-name prefix", dp.TMP_DAGSTER_HOME_PREFIX
    )


def test_SerializableErrorInfo() -> None:
    try:
        raise ValueError("first line\nsecond")
    except ValueError as exc:
        info = dp.SerializableErrorInfo.from_traceback(
            traceback.TracebackException.from_exception(exc)
        )
    has(info, "SerializableErrorInfo", ["message", "cls_name", "cause", "context"])
    assert "first line" in info.message, changed("SerializableErrorInfo", ".message", info)


def test_AssetCheckExecutionRecord() -> None:
    has(
        dp.AssetCheckExecutionRecord,
        "AssetCheckExecutionRecord",
        ["key", "id", "run_id", "status", "event", "create_timestamp"],
    )
    members = {s.name for s in dp.AssetCheckExecutionRecordStatus}
    wanted = {"PLANNED", "SUCCEEDED", "FAILED"}
    assert wanted <= members, changed("AssetCheckExecutionRecordStatus", wanted, members)


def test_LOG_RECORD_METADATA_ATTR() -> None:
    assert isinstance(dp.LOG_RECORD_METADATA_ATTR, str), changed(
        "LOG_RECORD_METADATA_ATTR", "a record attribute name", dp.LOG_RECORD_METADATA_ATTR
    )


def test_default_format_strings() -> None:
    accepts(dp.default_format_string, "default_format_string")
    accepts(dp.default_date_format_string, "default_date_format_string")
    assert "%(message)s" in dp.default_format_string(), changed(
        "default_format_string", "a logging format", dp.default_format_string()
    )


def test_ConfigurableClassData() -> None:
    data = dp.ConfigurableClassData("module", "Class", "{}")
    has(data, "ConfigurableClassData", ["module_name", "class_name", "config_yaml"])
    assert dp.UserConfigSchema is not None  # a type alias, for annotations only


def test_LocalArtifactStorage() -> None:
    accepts(dp.LocalArtifactStorage, "LocalArtifactStorage", ["base_dir"], ["inst_data"])
    has(dp.LocalArtifactStorage, "LocalArtifactStorage", ["from_config_value", "config_type"])


def test_LocalComputeLogManager() -> None:
    accepts(
        dp.LocalComputeLogManager,
        "LocalComputeLogManager",
        ["base_dir"],
        ["polling_timeout", "inst_data"],
    )


def test_CheckRunHealthResult() -> None:
    accepts(dp.CheckRunHealthResult, "CheckRunHealthResult", ["status", "msg"])
    members = {s.name for s in dp.WorkerStatus}
    assert {"RUNNING", "FAILED"} <= members, changed("WorkerStatus", "RUNNING, FAILED", members)
    accepts(
        dg.DefaultRunLauncher.check_run_worker_health,
        "RunLauncher.check_run_worker_health",
        ["self", "run"],
    )


def test_JobFailureData() -> None:
    accepts(dp.JobFailureData, "JobFailureData", ["error"], ["failure_reason"])
    assert hasattr(dp.RunFailureReason, "UNEXPECTED_TERMINATION"), changed(
        "RunFailureReason", "UNEXPECTED_TERMINATION", list(dp.RunFailureReason)
    )
    accepts(
        dg.DagsterInstance.report_run_failed,
        "DagsterInstance.report_run_failed",
        ["self", "dagster_run", "message", "job_failure_data"],
    )


def test_FINISHED_STATUSES() -> None:
    wanted = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE}
    wanted.add(dg.DagsterRunStatus.CANCELED)
    assert wanted <= set(dp.FINISHED_STATUSES), changed(
        "FINISHED_STATUSES", "SUCCESS, FAILURE, CANCELED", dp.FINISHED_STATUSES
    )


# --- the executor (instance/executor.py)


def test_core_in_process_executor_creation() -> None:
    assert "retries" in dp.IN_PROC_CONFIG.config_type.fields, changed(
        "IN_PROC_CONFIG", "a `retries` field", list(dp.IN_PROC_CONFIG.config_type.fields)
    )
    core = dp._core_in_process_executor_creation({"retries": {"enabled": {}}})
    assert isinstance(core, dp.InProcessExecutor), changed(
        "_core_in_process_executor_creation", "returning an InProcessExecutor", type(core)
    )
    has(core, "InProcessExecutor", ["retries", "marker_to_close", "step_dependency_config"])
    accepts(
        dp.InProcessExecutor,
        "InProcessExecutor",
        keywords=["retries", "marker_to_close", "step_dependency_config"],
    )
    accepts(
        dp.InProcessExecutor.execute,
        "InProcessExecutor.execute",
        ["self", "plan_context", "execution_plan"],
    )


def test_InstanceConcurrencyContext() -> None:
    instance = dg.DagsterInstance.ephemeral()
    run = dg.DagsterRun(job_name="fence", run_id="fence-run")
    context = dp.InstanceConcurrencyContext(instance, run)
    relied = "`_instance`, `_run_id`, `_pending_claims` (set), `_pending_timeouts` (dict)"
    state = {k: type(v).__name__ for k, v in vars(context).items()}
    assert context._instance is instance, changed("InstanceConcurrencyContext", relied, state)
    assert context._run_id == "fence-run", changed("InstanceConcurrencyContext", relied, state)
    assert isinstance(context._pending_claims, set), changed(
        "InstanceConcurrencyContext", relied, state
    )
    assert isinstance(context._pending_timeouts, dict), changed(
        "InstanceConcurrencyContext", relied, state
    )
    accepts(
        dp.InstanceConcurrencyContext.claim,
        "InstanceConcurrencyContext.claim",
        ["self", "concurrency_key", "step_key", "step_priority"],
    )
    accepts(
        dp.InstanceConcurrencyContext.interval_to_next_pending_claim_check,
        "InstanceConcurrencyContext.interval_to_next_pending_claim_check",
        ["self"],
    )


def test_plan_execution() -> None:
    accepts(
        dp.ExecuteRunWithPlanIterable,
        "ExecuteRunWithPlanIterable",
        keywords=["execution_plan", "iterator", "execution_context_manager"],
    )
    fields = [
        "job",
        "retry_mode",
        "execution_plan",
        "run_config",
        "dagster_run",
        "instance",
        "raise_on_error",
        "output_capture",
    ]
    accepts(
        dp.PlanExecutionContextManager,
        "PlanExecutionContextManager",
        keywords=[*fields, "step_dependency_config"],
    )
    has(dp.PlanOrchestrationContext, "PlanOrchestrationContext", [*fields, "run_id"])
    has(dp.PlanExecutionContext, "PlanExecutionContext", ["instance", "dagster_run"])
    accepts(
        dp.inner_plan_execution_iterator,
        "inner_plan_execution_iterator",
        ["job_context", "execution_plan", "instance_concurrency_context"],
    )
    has(dp.ExecutionPlan, "ExecutionPlan", ["step_keys_to_execute"])
    accepts(dp.EngineEventData.in_process, "EngineEventData.in_process", ["pid"])
    accepts(dp.EngineEventData, "EngineEventData")
    accepts(
        dg.DagsterEvent.engine_event,
        "DagsterEvent.engine_event",
        ["plan_context", "message", "event_specific_data"],
    )
    accepts(dp.check_captured_interrupt, "check_captured_interrupt")
    assert dp.check_captured_interrupt() is False, changed(
        "check_captured_interrupt", "False without a signal", dp.check_captured_interrupt()
    )


# --- the event-log storage (instance/planned_events.py)


def test_planned_event_storage() -> None:
    data = dp.AssetMaterializationPlannedData(dg.AssetKey("a"), partition="p")
    has(data, "AssetMaterializationPlannedData", ["asset_key", "partition", "partitions_subset"])
    assert data._replace(partition="q").partition == "q"
    events = {c.name for c in dp.SqlEventLogStorageTable.c}
    wanted = {"id", "asset_key", "partition", "dagster_event_type", "event"}
    assert wanted <= events, changed("SqlEventLogStorageTable", wanted, events)
    checks = {c.name for c in dp.AssetCheckExecutionsTable.c}
    wanted = {
        "asset_key",
        "check_name",
        "run_id",
        "partition",
        "execution_status",
        "evaluation_event",
        "evaluation_event_timestamp",
        "evaluation_event_storage_id",
        "materialization_event_storage_id",
    }
    assert wanted <= checks, changed("AssetCheckExecutionsTable", wanted, checks)
    storage = PostgresEventLogStorage
    for method, params in {
        "store_event": ["self", "event"],
        "store_asset_check_event": ["self", "event", "event_id"],
        "_event_to_row": ["self", "event"],
        "_store_asset_event_tags": ["self", "conn", "events", "event_ids"],
        "_store_asset_event": ["self", "conn", "event", "event_id"],
        "_event_insert_timestamp": ["self", "event"],
        "index_transaction": ["self"],
    }.items():
        accepts(getattr(storage, method), f"PostgresEventLogStorage.{method}", params)
    has(
        storage,
        "EventLogStorage",
        ["supports_partition_subset_in_asset_materialization_planned_events"],
    )


# --- Dagster code that the project re-implements, or whose internals it leans on. A new hash
# is not necessarily a break: read the new source beside ours, fix ours if needed, then pin.
PINNED_SOURCES: dict[str, tuple[object, str, str]] = {
    "InProcessExecutor.execute": (
        dp.InProcessExecutor.execute,
        "ca46d6333244ff5c",
        "RecoveringInProcessExecutor.execute (instance/executor.py) re-implements it",
    ),
    "inprocess_execution_iterator": (
        inprocess_execution_iterator,
        "f1aa59fb87c1692a",
        "recovering_execution_iterator (instance/executor.py) re-implements it",
    ),
    "in_process_executor": (
        in_process_executor.executor_creation_fn,
        "01346a453e0f6c99",
        "recovering_in_process_executor (instance/executor.py) builds the executor the same way",
    ),
    "InstanceConcurrencyContext.claim": (
        dp.InstanceConcurrencyContext.claim,
        "96321815c8854111",
        "RecoveringConcurrencyContext.claim drops `_pending_timeouts[step_key]` to claim again "
        "at once, which works only while claim() reads that dict as the time of the next try",
    ),
    "InstanceConcurrencyContext.interval_to_next_pending_claim_check": (
        dp.InstanceConcurrencyContext.interval_to_next_pending_claim_check,
        "5808de5ad94d14c7",
        "RecoveringConcurrencyContext overrides it because it returns min([0, ...]), never "
        "positive (a busy loop); if Dagster fixed it, the override may go",
    ),
    "PostgresEventLogStorage.store_event_batch": (
        PostgresEventLogStorage.store_event_batch,
        "b907c7480f8283a2",
        "with DAGSTER_EVENT_BATCH_SIZE set, planned events reach BulkPlannedEventsMixin."
        "store_event only through this method's fallback to store_event for them",
    ),
    "RunDomain.get_materialization_planned_events_for_asset": (
        RunDomain.get_materialization_planned_events_for_asset,
        "ecd0febc006e6b16",
        "expand_planned_event (instance/planned_events.py) must give the very per-partition "
        "events this gives when the storage does not take a partitions subset",
    ),
}


def source_hash(obj: object) -> str:
    text = textwrap.dedent(inspect.getsource(obj))  # type: ignore[arg-type]
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@pytest.mark.parametrize("symbol", sorted(PINNED_SOURCES))
def test_pinned_source(symbol: str) -> None:
    obj, pinned, why = PINNED_SOURCES[symbol]
    found = source_hash(obj)
    assert found == pinned, (
        f"Dagster {VERSION} changed the source of `{symbol}` (hash {found}, pinned {pinned}): "
        f"{why}. Read both, update ours if needed, then pin {found} in this test."
    )
