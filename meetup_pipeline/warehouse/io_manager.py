"""The partition-aware PostgreSQL IO manager.

Each asset is a table named after the asset (schema from the table's declaration). A
partitioned output replaces exactly the rows of its partition time window; a range
(single-run backfill) replaces the whole range in one transaction; an unpartitioned
output replaces the table. Tables in merge mode are upserted instead (dimensions).
"""

import typing
from typing import Any

import dagster as dg
import sqlalchemy as sa

from meetup_pipeline.partition_metadata import add_partition_row_counts
from meetup_pipeline.warehouse.ddl import ensure_table
from meetup_pipeline.warehouse.relations import (
    Relation,
    TableRows,
    TableSelect,
    Window,
    column_schema,
)
from meetup_pipeline.warehouse.resource import Warehouse
from meetup_pipeline.warehouse.writes import (
    WarehouseWriteError,
    WriteResult,
    merge_rows,
    replace_window_with_rows,
    replace_window_with_select,
)


class PostgresIOManager(dg.ConfigurableIOManager):
    """Persists `TableRows`/`TableSelect` outputs; loads `Relation`s or rows as inputs."""

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
        window = _window(context)
        result = write(self.warehouse.get_engine(), obj, window)
        context.add_output_metadata(
            {
                "dagster/row_count": result.table_rows,
                "dagster/table_name": table.fullname,
                "dagster/column_schema": column_schema(table),
                "rows_written": result.written,
                "warehouse": self.warehouse.describe(),
            }
        )
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
        upstream = context.upstream_output
        meta = dict(upstream.definition_metadata or {}) if upstream is not None else {}
        table_name = meta.get("dagster/table_name")
        if not table_name:
            raise WarehouseWriteError(
                f"input {context.asset_key.to_user_string()} has no dagster/table_name metadata"
            )
        schema, name = str(table_name).split(".", 1)
        window = _window(context) if meta.get("partition_expr") else None
        relation = Relation(
            schema=schema,
            name=name,
            partition_expr=meta.get("partition_expr"),
            partition_kind=meta.get("partition_kind"),
            window=window,
        )
        wanted = context.dagster_type.typing_type
        if wanted is list or typing.get_origin(wanted) is list:
            return read_rows(self.warehouse.get_engine(), relation)
        return relation


def _window(context: dg.OutputContext | dg.InputContext) -> Window | None:
    if not context.has_asset_partitions:
        return None
    try:
        return Window.of(context.asset_partitions_time_window)
    except dg.DagsterInvariantViolationError as exc:
        raise WarehouseWriteError(
            "the Postgres IO manager needs time-window partitions: " + str(exc)
        ) from None


def write(engine: sa.Engine, obj: TableRows | TableSelect, window: Window | None) -> WriteResult:
    """Apply DDL, then write `obj` for `window` in one transaction."""
    table = obj.table
    merge = table.info.get("write_mode") == "merge"
    if table.info.get("write_mode") == "rebuild":
        window = None  # its SELECT reads every window of its inputs: the whole table
    if window is not None and not table.info.get("partition_column") and not merge:
        raise WarehouseWriteError(
            f"{table.fullname} has no partition_column but the output is partitioned"
        )
    ensure_table(engine, table)
    params = {**(window.params() if window else {}), **getattr(obj, "params", {})}
    with engine.begin() as conn:
        if merge:
            rows = obj.rows if isinstance(obj, TableRows) else None
            select_sql = obj.sql if isinstance(obj, TableSelect) else None
            return merge_rows(conn, table, rows, select_sql, params)
        if isinstance(obj, TableRows):
            return replace_window_with_rows(conn, table, obj.rows, window)
        return replace_window_with_select(conn, table, obj.sql, params, window)


MAX_ROWS_IN_PYTHON = 100_000
"""The most rows an input may pull into Python: memory must not grow with the window."""


def read_rows(
    engine: sa.Engine, relation: Relation, limit: int = MAX_ROWS_IN_PYTHON
) -> list[dict[str, Any]]:
    """A parent's rows in the child's window, for the few assets that work in Python.

    Bounded: past ``limit`` rows it refuses (work on a `Relation` in SQL instead) rather
    than let a ten-year window fill the process's memory.
    """
    table = sa.table(relation.name, schema=relation.schema)
    stmt = sa.select(sa.text("*")).select_from(table)
    if relation.window is not None and relation.partition_expr:
        lo, hi = relation.window.bounds(relation.partition_kind or "timestamp")
        column = sa.column(relation.partition_expr)
        stmt = stmt.where(column >= lo, column < hi)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(stmt.limit(limit + 1)).mappings()]
    if len(rows) > limit:
        raise WarehouseWriteError(
            f"{relation.qualified_name}: more than {limit} rows in the window; an input this "
            "large must be read in SQL (take a Relation), not as a Python list"
        )
    return rows
