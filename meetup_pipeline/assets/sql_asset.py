"""A factory for the assets whose whole body is one SQL file run inside PostgreSQL."""

from collections.abc import Sequence

import dagster as dg
import sqlalchemy as sa

from meetup_pipeline.assets.partitions import daily, single_run
from meetup_pipeline.sql import load_sql
from meetup_pipeline.warehouse.relations import TableSelect, table_metadata


def sql_asset(
    table: sa.Table,
    *,
    deps: Sequence[str],
    group_name: str,
    description: str | None = None,
) -> dg.AssetsDefinition:
    """An asset named after `table`, computed by `sql/<table>.sql` over its window."""
    sql = load_sql(table.name)

    @dg.asset(
        name=table.name,
        deps=list(deps),
        partitions_def=daily,
        backfill_policy=single_run,
        group_name=group_name,
        kinds={"postgres", "sql"},
        description=description or table.comment,
        metadata={**table_metadata(table), "sql": dg.MetadataValue.md(f"```sql\n{sql}\n```")},
    )
    def _asset() -> TableSelect:
        return TableSelect(table, sql)

    return _asset
