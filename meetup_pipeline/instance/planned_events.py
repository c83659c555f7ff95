"""Bulk planned events and range check results for the SQL event-log storage.

Two Dagster behaviours cost or mislead on a single-run backfill of daily partitions:

1. At run creation Dagster writes one ASSET_MATERIALIZATION_PLANNED event per asset per
   partition (about 55,000 for ten years of this graph), each through `store_event`: two
   fresh connections, an INSERT, a NOTIFY and an `asset_keys` upsert. Dagster can instead
   emit one event per asset carrying the whole `partitions_subset`, if the storage says it
   supports that; stock storages store that single event as is, and failed or in-progress
   partitions then lose their status (the UI reads per-partition rows). This mixin says it
   supports it and expands the event back into exactly the per-partition rows Dagster would
   have written, in one transaction: one INSERT per `CHUNK` events (serialized once per
   asset, see `planned_rows`) and one `asset_keys` upsert per asset. Readers see the same
   rows as without the mixin.

2. A partitioned asset check run over a range plans one execution row per partition, but
   its result carries no partition (`AssetCheckResult` has none), so Dagster adds a separate
   partition-less row and leaves the per-partition rows PLANNED: the UI then shows every
   partition as "Skipped". Here that result resolves the run's planned rows of that check
   instead, each pointing at its partition's latest materialization, in one UPDATE. The
   outcome is the window's: a check that failed anywhere in the window marks the window's
   partitions failed.

Dagster 1.13 batches planned events itself when `DAGSTER_EVENT_BATCH_SIZE` is set, but
dagster-postgres 0.29's `store_event_batch` stores a batch of planned events one
`store_event` at a time (only materializations and observations go in one INSERT): with that
batching on, the mixin still cut a ten-year run by at least 7.4x (README, Performance).

Dagster surface used (its behaviour pinned by meetup_pipeline_tests/instance/
test_planned_events.py, its signatures and the Dagster code it mirrors by
meetup_pipeline_tests/test_dagster_private.py):
`supports_partition_subset_in_asset_materialization_planned_events`, `store_event`,
`store_asset_check_event`, `_event_to_row`, `_store_asset_event_tags`,
`_store_asset_event`, `_event_insert_timestamp`, `index_transaction`, and the `event_logs` /
`asset_check_executions` tables.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from dagster import DagsterEventType, EventLogEntry, Field, serialize_value
from dagster_postgres.event_log import PostgresEventLogStorage
from dagster_postgres.utils import get_token_provider_from_config, pg_config, pg_url_from_config

from meetup_pipeline.dagster_private import (
    AssetCheckExecutionRecordStatus,
    AssetCheckExecutionsTable,
    AssetMaterializationPlannedData,
    ConfigurableClassData,
    SqlEventLogStorageTable,
    UserConfigSchema,
)
from meetup_pipeline.instance import startup
from meetup_pipeline.instance.event_batching import EVENT_BATCH_SIZE_FIELD

CHUNK = 1000
PLACEHOLDER = "meetup-planned-partition-placeholder-0c5e"
"""Events per INSERT: big enough to amortise the round trip, small enough for one statement."""


def expand_planned_event(event: EventLogEntry) -> list[EventLogEntry] | None:
    """The per-partition planned events that `event` stands for; None if it is not such a one."""
    dagster_event = event.dagster_event
    if dagster_event is None or (
        dagster_event.event_type != DagsterEventType.ASSET_MATERIALIZATION_PLANNED
    ):
        return None
    planned = dagster_event.event_specific_data
    if not isinstance(planned, AssetMaterializationPlannedData):
        return None
    if planned.partitions_subset is None:
        return None
    return [
        event._replace(
            dagster_event=dagster_event._replace(
                event_specific_data=AssetMaterializationPlannedData(
                    planned.asset_key, partition=key, partitions_subset=None
                )
            )
        )
        for key in planned.partitions_subset.get_partition_keys()
    ]


def _partition(event: EventLogEntry) -> str:
    return str(event.get_dagster_event().event_specific_data.partition)


def planned_rows(
    event_to_row: Callable[[EventLogEntry], dict[str, Any]], events: Sequence[EventLogEntry]
) -> list[dict[str, Any]]:
    """`event_logs` rows for per-partition planned events that differ only in their partition.

    Serializing each event is most of the cost of storing it; these are serialized once,
    with a placeholder for the partition that each row then replaces. If the placeholder
    does not appear exactly once in the text, every event is serialized on its own.
    """
    first = events[0]
    data = first.get_dagster_event().event_specific_data
    template_event = first._replace(
        dagster_event=first.get_dagster_event()._replace(
            event_specific_data=data._replace(partition=PLACEHOLDER)
        )
    )
    template = event_to_row(template_event)
    text = template["event"]
    quoted = json.dumps(PLACEHOLDER)[1:-1]
    if text.count(quoted) != 1:
        return [event_to_row(event) for event in events]
    rows = []
    for event in events:
        key = _partition(event)
        rows.append(
            {**template, "event": text.replace(quoted, json.dumps(key)[1:-1]), "partition": key}
        )
    return rows


BULK_PLANNED_EVENTS_FIELD = Field(
    bool,
    is_required=False,
    default_value=True,
    description=(
        "Write a run's per-partition planned events in bulk (false: one by one, as stock "
        "dagster-postgres does; bench/backfill.py compares the two)."
    ),
)
EVENT_LOG_FIELDS = {
    "event_batch_size": EVENT_BATCH_SIZE_FIELD,
    "bulk_planned_events": BULK_PLANNED_EVENTS_FIELD,
}
"""What both of the project's event-log storages add to their base's config."""


class BulkPlannedEventsMixin:
    """Put before the SQL event-log storage class in the bases; see the module docstring."""

    bulk_planned_events: bool = True

    @property
    def supports_partition_subset_in_asset_materialization_planned_events(self) -> bool:
        return self.bulk_planned_events

    def store_event(self, event: EventLogEntry) -> None:
        expanded = expand_planned_event(event)
        if expanded is None:
            super().store_event(event)  # type: ignore[misc]
        elif expanded:
            self.store_planned_events(expanded)

    def store_planned_events(self, events: Sequence[EventLogEntry]) -> None:
        """Store per-partition planned events of one asset, atomically."""
        this: Any = self
        rows = planned_rows(this._event_to_row, events)
        insert = SqlEventLogStorageTable.insert().returning(
            SqlEventLogStorageTable.c.id, sort_by_parameter_order=True
        )
        ids: list[int] = []
        with this.index_transaction() as conn:
            for start in range(0, len(rows), CHUNK):
                result = conn.execute(insert, rows[start : start + CHUNK])
                ids.extend(int(row[0]) for row in result.fetchall())
            this._store_asset_event_tags(conn, events, ids)
            # One upsert: it records the run id and time of the asset's latest event, the same
            # for every partition of the run.
            this._store_asset_event(conn, events[-1], ids[-1])

    def store_asset_check_event(self, event: EventLogEntry, event_id: int | None) -> None:
        if not self._resolve_planned_partitions(event, event_id):
            super().store_asset_check_event(event, event_id)  # type: ignore[misc]

    def _resolve_planned_partitions(self, event: EventLogEntry, event_id: int | None) -> bool:
        """Give a partition-less check result to the run's per-partition planned rows."""
        dagster_event = event.dagster_event
        if (
            dagster_event is None
            or dagster_event.event_type != DagsterEventType.ASSET_CHECK_EVALUATION
            or not event.run_id
        ):
            return False
        evaluation = dagster_event.asset_check_evaluation_data
        if evaluation.partition is not None:
            return False
        this: Any = self
        checks = AssetCheckExecutionsTable
        events = SqlEventLogStorageTable
        asset_key = evaluation.asset_key.to_string()
        latest_materialization = (
            sa.select(sa.func.max(events.c.id))
            .where(
                events.c.asset_key == asset_key,
                events.c.partition == checks.c.partition,
                events.c.dagster_event_type == DagsterEventType.ASSET_MATERIALIZATION.value,
            )
            .scalar_subquery()
        )
        status = (
            AssetCheckExecutionRecordStatus.SUCCEEDED
            if evaluation.passed
            else AssetCheckExecutionRecordStatus.FAILED
        )
        update = (
            checks.update()
            .where(
                checks.c.asset_key == asset_key,
                checks.c.check_name == evaluation.check_name,
                checks.c.run_id == event.run_id,
                checks.c.partition.is_not(None),
                checks.c.execution_status == AssetCheckExecutionRecordStatus.PLANNED.value,
            )
            .values(
                execution_status=status.value,
                evaluation_event=serialize_value(event),
                evaluation_event_timestamp=this._event_insert_timestamp(event),
                evaluation_event_storage_id=event_id,
                materialization_event_storage_id=latest_materialization,
            )
        )
        with this.index_transaction() as conn:
            return bool(conn.execute(update).rowcount)


class BulkPostgresEventLogStorage(BulkPlannedEventsMixin, PostgresEventLogStorage):
    """dagster-postgres' event log, configured as Dagster documents it, plus the mixin.

    For deployments that use stock dagster-postgres config (`postgres_db` with `scheme`):
    `deploy/dagster.yaml` names it as its event-log storage.
    """

    @classmethod
    def config_type(cls) -> UserConfigSchema:
        return {
            **pg_config(),
            **EVENT_LOG_FIELDS,
        }

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> BulkPostgresEventLogStorage:
        startup.set_event_batch_size(config_value)
        storage = cls(
            inst_data=inst_data,
            postgres_url=pg_url_from_config(config_value),
            should_autocreate_tables=config_value.get("should_autocreate_tables", True),
            token_provider=get_token_provider_from_config(config_value),
        )
        storage.bulk_planned_events = config_value.get("bulk_planned_events", True)
        return storage
