"""A factory for the assets whose whole body is one SQL file run inside PostgreSQL."""

from collections.abc import Sequence

import dagster as dg
import sqlalchemy as sa

from meetup_pipeline.assets.partitions import daily, single_run
from meetup_pipeline.settings import LOCAL_TIMEZONE
from meetup_pipeline.sql import load_sql
from meetup_pipeline.warehouse.relations import TableSelect, table_metadata


def sql_asset(
    table: sa.Table,
    *,
    deps: Sequence[str],
    group_name: str,
    description: str | None = None,
    lineage_from: sa.Table | None = None,
) -> dg.AssetsDefinition:
    """An asset named after `table`, computed by `sql/<table>.sql` over its window.

    `lineage_from` names the table whose same-named columns this one carries through;
    that much column lineage is free to state and shows in the UI.
    """
    sql = load_sql(table.name)
    metadata = {**table_metadata(table), "sql": dg.MetadataValue.md(f"```sql\n{sql}\n```")}
    if lineage_from is not None:
        metadata["dagster/column_lineage"] = column_lineage(table, lineage_from)

    @dg.asset(
        name=table.name,
        deps=list(deps),
        partitions_def=daily,
        backfill_policy=single_run,
        group_name=group_name,
        kinds={"postgres", "sql"},
        description=description or table.comment,
        metadata=metadata,
    )
    def _asset() -> TableSelect:
        return TableSelect(table, sql, {"local_timezone": LOCAL_TIMEZONE})

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
