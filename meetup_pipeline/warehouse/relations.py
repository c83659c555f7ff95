"""What assets hand to the IO manager, and the metadata Dagster shows about a table.

An asset returns `TableRows` (Python records, bulk-loaded with COPY) or `TableSelect` (a
SELECT that runs inside PostgreSQL as `INSERT ... SELECT`, so transformations never pull
rows through Python); the raw layer hands `TableSelect`s over its load stage to the same
write (see `defs/assets/raw.py`). No asset takes another's rows as an input: a child reads
its parents in SQL, so the IO manager only writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import dagster as dg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from meetup_pipeline.warehouse.policy import PartitionKind, WindowReplace, policy_of


class WarehouseWriteError(RuntimeError):
    """A write was refused; nothing was written."""


@dataclass(frozen=True)
class WriteResult:
    written: int
    window_rows: int
    table_rows: int
    rows_by_day: dict[date, int] | None = None
    """Rows of the window per local day (days with none left out); None when the write
    was not by window (a merged or rebuilt table has no rows of its own per day)."""


@dataclass(frozen=True)
class Window:
    """A half-open time window [start, end) of whole days on the warehouse's clock.

    Both bounds are tz-aware; what the pipeline uses are the dates [start_date, end_date):
    an event's partition is its own local date (localdays.py), and the instants a window
    of days spans in every zone are `localdays.instants_covering(start_date, end_date)`.
    """

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("window bounds must be time-zone aware")
        if not self.start < self.end:
            raise ValueError(f"empty window: {self.start} .. {self.end}")

    @classmethod
    def of(cls, time_window: dg.TimeWindow) -> Window:
        return cls(start=time_window.start, end=time_window.end)

    @property
    def timezone(self) -> str:
        """The IANA name of the window's zone: the days are local days there."""
        return str(getattr(self.start.tzinfo, "key", None) or self.start.tzname())

    @property
    def start_date(self) -> date:
        return self.start.date()

    @property
    def end_date(self) -> date:
        return self.end.date()

    def params(self) -> dict[str, Any]:
        """Bind parameters every transformation may use."""
        return {
            "window_start": self.start,
            "window_end": self.end,
            "start_date": self.start_date,
            "end_date": self.end_date,
        }

    def bounds(self, kind: PartitionKind) -> tuple[Any, Any]:
        return (self.start_date, self.end_date) if kind == "date" else (self.start, self.end)


@dataclass(frozen=True)
class TableRows:
    """Python records for `table`: mappings keyed by column name, or tuples in column order."""

    table: sa.Table
    rows: Iterable[Mapping[str, Any] | tuple[Any, ...]]


@dataclass(frozen=True)
class TableSelect:
    """A SELECT producing `table`'s columns (by name) for the output's window.

    The text may use `:window_start`, `:window_end` (timestamptz) and `:start_date`,
    `:end_date` (local dates); the IO manager binds them.
    """

    table: sa.Table
    sql: str
    params: Mapping[str, Any] = field(default_factory=dict)


def table_metadata(table: sa.Table) -> dict[str, Any]:
    """Definition metadata for an asset stored in `table`: shown in the UI before any run."""
    meta: dict[str, Any] = {
        "dagster/table_name": f"{table.schema}.{table.name}",
        "dagster/column_schema": column_schema(table),
    }
    policy = policy_of(table)
    if isinstance(policy, WindowReplace):  # Dagster's name for the column a window filters
        meta["partition_expr"] = policy.partition_column
    return meta


def write_metadata(table: sa.Table, result: WriteResult, warehouse: str) -> dict[str, Any]:
    """What a materialization says about its write, from the IO manager or the raw swap."""
    return {
        "dagster/row_count": result.table_rows,
        "dagster/table_name": table.fullname,
        "dagster/column_schema": column_schema(table),
        "rows_written": result.written,
        "warehouse": warehouse,
    }


def column_schema(table: sa.Table) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=c.name,
                type=str(c.type.compile(dialect=postgresql.dialect())).lower(),
                description=c.comment,
                constraints=dg.TableColumnConstraints(nullable=bool(c.nullable)),
            )
            for c in table.columns
        ]
    )
