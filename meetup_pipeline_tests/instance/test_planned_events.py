"""Bulk planned events and range check results (instance/planned_events.py) on real PostgreSQL.

Each scenario runs twice, bulk path on and off (stock dagster-postgres behaviour), on fresh
databases, and the two must store the same planned rows and show the same partition status.
These tests are the pin on the Dagster surface the mixin uses: an upgrade that changes how
planned events or range check results are written fails here.
"""

from collections import Counter
from collections.abc import Iterator

import dagster as dg
import pytest
import sqlalchemy as sa
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
from dagster._core.storage.asset_check_state import AssetCheckState, bulk_update_asset_check_state
from dagster._core.storage.partition_status_cache import get_and_update_asset_status_cache_value
from sqlalchemy.engine import URL

from meetup_pipeline.instance.planned_events import BulkPostgresEventLogStorage
from meetup_pipeline.warehouse.embedded import EmbeddedServer
from meetup_pipeline_tests.conftest import create_database

DAYS = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-03-01")
RANGE_TAGS = {
    "dagster/asset_partition_range_start": "2024-01-03",
    "dagster/asset_partition_range_end": "2024-01-12",
}
RANGE_KEYS = DAYS.get_partition_keys_in_range(dg.PartitionKeyRange("2024-01-03", "2024-01-12"))


@dg.asset(partitions_def=DAYS, backfill_policy=dg.BackfillPolicy.single_run())
def upstream(context: dg.AssetExecutionContext) -> None:
    context.log.info("upstream %s", context.partition_key_range)


@dg.asset(deps=[upstream], partitions_def=DAYS, backfill_policy=dg.BackfillPolicy.single_run())
def downstream(context: dg.AssetExecutionContext) -> None:
    if context.run.tags.get("fail_downstream") == "yes":
        raise RuntimeError("downstream fails for this run")


@dg.asset_check(asset=upstream, partitions_def=DAYS)
def upstream_ok(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=context.run.tags.get("check") != "fail")


defs = dg.Definitions(assets=[upstream, downstream], asset_checks=[upstream_ok])
JOB = defs.resolve_implicit_global_asset_job_def()
CHECK_KEY = upstream_ok.check_key


def _instance_config(url: URL, bulk: bool) -> dict:
    text = url.set(drivername="postgresql+psycopg2").render_as_string(hide_password=False)
    stock = {"postgres_url": text}
    return {
        "run_storage": {
            "module": "dagster_postgres.run_storage",
            "class": "PostgresRunStorage",
            "config": stock,
        },
        "event_log_storage": {
            "module": "meetup_pipeline.instance.planned_events",
            "class": "BulkPostgresEventLogStorage",
            "config": {**stock, "bulk_planned_events": bulk},
        },
        "schedule_storage": {
            "module": "dagster_postgres.schedule_storage",
            "class": "PostgresScheduleStorage",
            "config": stock,
        },
    }


@pytest.fixture
def instances(pg_server: EmbeddedServer) -> Iterator[dict[bool, dg.DagsterInstance]]:
    """Two instances on two fresh databases: bulk path on (True) and off (False)."""
    with (
        dg.instance_for_test(
            overrides=_instance_config(pg_server.url(create_database(pg_server)), True)
        ) as on,
        dg.instance_for_test(
            overrides=_instance_config(pg_server.url(create_database(pg_server)), False)
        ) as off,
    ):
        assert isinstance(on.event_log_storage, BulkPostgresEventLogStorage)
        assert (
            on.event_log_storage.supports_partition_subset_in_asset_materialization_planned_events
        )
        off_storage = off.event_log_storage
        assert not off_storage.supports_partition_subset_in_asset_materialization_planned_events
        yield {True: on, False: off}


def _planned_rows(instance: dg.DagsterInstance, run_id: str) -> Counter[tuple]:
    storage = instance.event_log_storage
    with storage.index_connection() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(
            sa.text(
                "SELECT asset_key, partition, step_key, event FROM event_logs "
                "WHERE run_id = :run_id AND dagster_event_type = 'ASSET_MATERIALIZATION_PLANNED'"
            ),
            {"run_id": run_id},
        ).all()
    found: Counter[tuple] = Counter()
    for asset_key, partition, step_key, raw in rows:
        entry = dg.deserialize_value(raw, dg.EventLogEntry)
        data = entry.get_dagster_event().event_specific_data
        assert data.partitions_subset is None  # always one row per partition, as stock
        assert data.partition == partition
        found[(asset_key, partition, step_key, entry.get_dagster_event().message)] += 1
    return found


def test_planned_rows_serialize_as_each_event_would() -> None:
    """The serialize-once shortcut gives the very text Dagster's own serialization gives."""
    from dagster._core.events import AssetMaterializationPlannedData, DagsterEvent
    from dagster._core.storage.event_log.sql_event_log import SqlEventLogStorage

    from meetup_pipeline.instance.planned_events import expand_planned_event, planned_rows

    subset = DAYS.subset_with_partition_keys(RANGE_KEYS)
    planned = DagsterEvent.build_asset_materialization_planned_event(
        "job",
        "step",
        AssetMaterializationPlannedData(dg.AssetKey(["a", "b"]), partitions_subset=subset),
    )
    entry = dg.EventLogEntry(
        error_info=None,
        level=10,
        user_message="",
        run_id="r1",
        timestamp=1.0,
        step_key="step",
        job_name="job",
        dagster_event=planned,
    )
    events = expand_planned_event(entry)
    assert events is not None and len(events) == len(RANGE_KEYS)
    to_row = SqlEventLogStorage._event_to_row.__get__(
        BulkPostgresEventLogStorage.__new__(BulkPostgresEventLogStorage)
    )
    assert planned_rows(to_row, events) == [to_row(event) for event in events]


def _status(instance: dg.DagsterInstance, key: str) -> dict[str, list[str]]:
    value = get_and_update_asset_status_cache_value(instance, dg.AssetKey(key), DAYS)
    assert value is not None
    return {
        "materialized": sorted(
            value.deserialize_materialized_partition_subsets(DAYS).get_partition_keys()
        ),
        "failed": sorted(value.deserialize_failed_partition_subsets(DAYS).get_partition_keys()),
        "in_progress": sorted(
            value.deserialize_in_progress_partition_subsets(DAYS).get_partition_keys()
        ),
    }


def test_created_range_run_has_one_planned_row_per_partition_in_progress(
    instances: dict[bool, dg.DagsterInstance],
) -> None:
    seen = {}
    for bulk, instance in instances.items():
        run = instance.create_run_for_job(JOB, tags=RANGE_TAGS, status=dg.DagsterRunStatus.STARTED)
        rows = _planned_rows(instance, run.run_id)
        assert sum(rows.values()) == 2 * len(RANGE_KEYS)
        assert {r[1] for r in rows} == set(RANGE_KEYS)
        seen[bulk] = (rows, _status(instance, "upstream"), _status(instance, "downstream"))
        assert seen[bulk][1]["in_progress"] == RANGE_KEYS
        assert seen[bulk][2]["in_progress"] == RANGE_KEYS
        # The asset table's last run is this run, as after stock planned events.
        (record,) = instance.get_asset_records([dg.AssetKey("downstream")])
        assert record.asset_entry.last_run_id == run.run_id
    assert seen[True] == seen[False]


def test_run_failing_part_way_marks_failed_partitions_failed(
    instances: dict[bool, dg.DagsterInstance],
) -> None:
    seen = {}
    for bulk, instance in instances.items():
        result = JOB.execute_in_process(
            instance=instance, tags={**RANGE_TAGS, "fail_downstream": "yes"}, raise_on_error=False
        )
        assert not result.success
        seen[bulk] = (_status(instance, "upstream"), _status(instance, "downstream"))
        upstream_status, downstream_status = seen[bulk]
        assert upstream_status == {"materialized": RANGE_KEYS, "failed": [], "in_progress": []}
        assert downstream_status == {"materialized": [], "failed": RANGE_KEYS, "in_progress": []}
    assert seen[True] == seen[False]


def _check_rows(instance: dg.DagsterInstance, run_id: str) -> dict[str | None, str]:
    records = instance.event_log_storage.get_asset_check_execution_history(CHECK_KEY, limit=1000)
    return {r.partition: r.status.value for r in records if r.run_id == run_id}


@pytest.mark.parametrize(("outcome", "status"), [("pass", "SUCCEEDED"), ("fail", "FAILED")])
def test_range_check_result_resolves_every_partition(
    instances: dict[bool, dg.DagsterInstance], outcome: str, status: str
) -> None:
    instance = instances[True]
    result = JOB.execute_in_process(instance=instance, tags={**RANGE_TAGS, "check": outcome})
    assert result.success
    # One row per partition of the range, each with the range's outcome; no extra row.
    assert _check_rows(instance, result.run_id) == dict.fromkeys(RANGE_KEYS, status)
    latest = instance.event_log_storage.get_latest_asset_check_execution_by_key([CHECK_KEY])
    assert latest[CHECK_KEY].status.value == status
    assert latest[CHECK_KEY].run_id == result.run_id

    # Dagster's own per-partition check status (what the UI's partition bar reads).
    state = bulk_update_asset_check_state(
        instance, [(CHECK_KEY, DAYS)], {CHECK_KEY: AssetCheckState.empty()}
    )[CHECK_KEY]
    by_status = {
        s.value: sorted(sub.subset_value.get_partition_keys()) for s, sub in state.subsets.items()
    }
    assert by_status.get(status) == RANGE_KEYS
    assert not by_status.get("IN_PROGRESS")


def test_stock_storage_leaves_range_check_partitions_planned(pg_server: EmbeddedServer) -> None:
    """What the mixin corrects: if this starts failing, Dagster resolves ranges itself."""
    config = _instance_config(pg_server.url(create_database(pg_server)), False)
    config["event_log_storage"] = {
        "module": "dagster_postgres.event_log",
        "class": "PostgresEventLogStorage",
        "config": config["run_storage"]["config"],
    }
    with dg.instance_for_test(overrides=config) as instance:
        result = JOB.execute_in_process(instance=instance, tags=RANGE_TAGS)
        assert result.success
        rows = _check_rows(instance, result.run_id)
    assert rows.pop(None) == AssetCheckExecutionRecordStatus.SUCCEEDED.value
    assert rows == dict.fromkeys(RANGE_KEYS, AssetCheckExecutionRecordStatus.PLANNED.value)
