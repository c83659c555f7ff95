"""A factory for the assets whose whole body is one SQL file run inside PostgreSQL.

An asset's upstream assets are the tables its SQL reads (`FROM`/`JOIN schema.table`):
they are derived from the file, never restated beside it, so the graph Dagster shows is
the one PostgreSQL runs.
"""

import re
from collections.abc import Mapping
from typing import Any

import dagster as dg
import sqlalchemy as sa

from meetup_pipeline.partitions import daily, single_run
from meetup_pipeline.settings.clock import LOCAL_TIMEZONE
from meetup_pipeline.sql import load_sql
from meetup_pipeline.warehouse.relations import TableSelect, table_metadata

SCHEMAS_OF_ASSETS = ("raw", "staging", "marts")
"""Schemas whose tables are assets; `rules.*` functions are not."""

_TABLE_REFERENCE = re.compile(
    r"\b(?:FROM|JOIN)\s+(?P<schema>[a-z_][a-z0-9_]*)\.(?P<table>[a-z_][a-z0-9_]*)\b(?!\s*\()",
    re.IGNORECASE,
)
_COMMENT = re.compile(r"--[^\n]*")


def tables_read(sql: str) -> set[str]:
    """The asset tables a SELECT reads from, as `schema.table` (comments ignored)."""
    text = _COMMENT.sub("", sql)
    return {
        f"{m['schema'].lower()}.{m['table'].lower()}"
        for m in _TABLE_REFERENCE.finditer(text)
        if m["schema"].lower() in SCHEMAS_OF_ASSETS
    }


def sql_params() -> dict[str, Any]:
    """Parameters every SQL file may use besides the window's."""
    return {"local_timezone": LOCAL_TIMEZONE}


def sql_asset(
    table: sa.Table,
    *,
    group_name: str,
    description: str | None = None,
    lineage_from: sa.Table | None = None,
    params: Mapping[str, Any] | None = None,
) -> dg.AssetsDefinition:
    """An asset named after `table`, computed by `sql/<table>.sql` over its window.

    `lineage_from` names the table whose same-named columns this one carries through;
    that much column lineage is free to state and shows in the UI.
    """
    sql = load_sql(table.name)
    deps = sorted(name.split(".", 1)[1] for name in tables_read(sql))
    metadata = {**table_metadata(table), "sql": dg.MetadataValue.md(f"```sql\n{sql}\n```")}
    if lineage_from is not None:
        metadata["dagster/column_lineage"] = column_lineage(table, lineage_from)
    bound = {**sql_params(), **(params or {})}

    @dg.asset(
        name=table.name,
        deps=deps,
        partitions_def=daily,
        backfill_policy=single_run,
        group_name=group_name,
        kinds={"postgres", "sql"},
        description=description or table.comment,
        metadata=metadata,
    )
    def _asset() -> TableSelect:
        return TableSelect(table, sql, bound)

    return _asset


def column_lineage(table: sa.Table, source: sa.Table) -> dg.TableColumnLineage:
    """Each column of `table` that `source` also has comes from that column."""
    return dg.TableColumnLineage(
        deps_by_column={
            column.name: [
                dg.TableColumnDep(asset_key=dg.AssetKey(source.name), column_name=column.name)
            ]
            for column in table.columns
            if column.name in source.c
        }
    )
