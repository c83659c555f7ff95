"""The partition-aware PostgreSQL IO manager: it writes, it never reads.

Each asset is a table named after the asset (schema from the table's declaration); how a
write replaces or merges rows is the table's declared policy (`warehouse.policy`), applied
by `writes.write_window`. No asset takes another's rows as an input: a child reads its
parents in SQL (its `deps`), so loading an input is refused with the fix.
"""

from typing import Any

import dagster as dg

from meetup_pipeline.partition_metadata import add_partition_row_counts
from meetup_pipeline.warehouse.relations import (
    TableRows,
    TableSelect,
    WarehouseWriteError,
    Window,
    write_metadata,
)
from meetup_pipeline.warehouse.resource import Warehouse
from meetup_pipeline.warehouse.writes import write


class PostgresIOManager(dg.ConfigurableIOManager):
    """Persists `TableRows`/`TableSelect` outputs by their table's write policy."""

    warehouse: dg.ResourceDependency[Warehouse]

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """An unreachable warehouse fails the run at setup, before any extraction."""
        self.warehouse.get_engine()

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        if obj is None:
            return
        if not isinstance(obj, TableRows | TableSelect):
            raise WarehouseWriteError(
                f"asset {context.asset_key.to_user_string()} returned {type(obj).__name__}; "
                "return TableRows or TableSelect"
            )
        table = obj.table
        if table.name != context.asset_key.path[-1]:
            raise WarehouseWriteError(
                f"asset {context.asset_key.to_user_string()} returned rows for table "
                f"{table.fullname}; an asset writes the table named after it"
            )
        result = write(self.warehouse.get_engine(), obj, _window(context))
        context.add_output_metadata(write_metadata(table, result, self.warehouse.describe()))
        if result.rows_by_day is not None:
            # each partition's own rows; a merged or rebuilt table has none of its own per
            # day and says only its `dagster/row_count`
            add_partition_row_counts(
                context.step_context,
                context.asset_key,
                context.asset_partition_keys,
                result.rows_by_day,
            )

    def load_input(self, context: dg.InputContext) -> Any:
        raise WarehouseWriteError(
            f"an input was asked of {context.asset_key.to_user_string()}: assets read their "
            "parents in SQL; declare the parent in `deps` instead of taking it as an argument"
        )


def _window(context: dg.OutputContext) -> Window | None:
    if not context.has_asset_partitions:
        return None
    try:
        return Window.of(context.asset_partitions_time_window)
    except dg.DagsterInvariantViolationError as exc:
        raise WarehouseWriteError(
            "the Postgres IO manager needs time-window partitions: " + str(exc)
        ) from None
