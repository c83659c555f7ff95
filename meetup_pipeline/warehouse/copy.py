"""Streaming rows into PostgreSQL with COPY: checked row by row, errors named.

A refused value names the table, the row and the column (PostgreSQL's own line when COPY
has streamed ahead of its checks); a full disk says where to free space. Identifiers are
quoted by psycopg's `sql` module from the code-owned declarations; values are always bound.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from itertools import islice
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg import sql as psql
from psycopg.types.json import Jsonb
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.engine import Connection

from meetup_pipeline.warehouse import disk
from meetup_pipeline.warehouse.relations import WarehouseWriteError


def _psycopg(conn: Connection) -> psycopg.Connection[Any]:
    return conn.connection.driver_connection  # type: ignore[return-value]


def _ident(table: sa.Table) -> psql.Composed:
    return psql.SQL(".").join(
        [psql.Identifier(table.schema or "public"), psql.Identifier(table.name)]
    )


def copy_rows(
    conn: Connection,
    target: sa.Table,
    columns: Sequence[sa.Column[Any]],
    rows: Iterable[Mapping[str, Any] | tuple[Any, ...]],
    within: tuple[str, Any, Any] | None = None,
    target_ident: psql.Composable | None = None,
) -> int:
    """Stream rows into `target` with COPY; validate keys and, with ``within`` (a column
    and its window's bounds [lo, hi)), that every row is in the window being written."""
    names = [c.name for c in columns]
    json_idx = [i for i, c in enumerate(columns) if isinstance(c.type, pg.JSONB | sa.JSON)]
    part, lo, hi = within if within is not None else (None, None, None)
    part_idx = names.index(part) if part is not None else None
    stmt = psql.SQL("COPY {} ({}) FROM STDIN").format(
        target_ident or _ident(target), psql.SQL(", ").join(map(psql.Identifier, names))
    )
    n = 0
    row: Any = None
    cursor = _psycopg(conn).cursor()
    try:
        with cursor.copy(stmt) as copy:
            for n, row in enumerate(rows, start=1):
                values = _values(row, names)
                for i in json_idx:
                    if values[i] is not None:
                        values[i] = Jsonb(values[i])
                if part_idx is not None:
                    v = values[part_idx]
                    if v is None or not (lo <= v < hi):
                        raise WarehouseWriteError(
                            f"{target.fullname}: row {n} has {part}={v!r}, outside the window "
                            f"[{lo}, {hi}) being written"
                        )
                copy.write_row(values)
    except WarehouseWriteError:
        raise
    except (psycopg.DataError, psycopg.ProgrammingError, psycopg.IntegrityError, TypeError) as exc:
        raise WarehouseWriteError(_explain(target, columns, exc, n, row)) from None
    except psycopg.OperationalError as exc:
        if disk.is_disk_full(exc):  # COPY goes past SQLAlchemy's error handling
            raise disk.DiskFullError(disk.message(disk.where_for(conn.engine))) from exc
        raise
    finally:
        cursor.close()
    return n


def _values(row: Mapping[str, Any] | tuple[Any, ...], names: list[str]) -> list[Any]:
    if isinstance(row, tuple):
        if len(row) != len(names):
            raise WarehouseWriteError(f"a tuple row has {len(row)} values for {len(names)} columns")
        return list(row)
    try:
        values = [row[name] for name in names]
    except KeyError as exc:
        raise WarehouseWriteError(f"a row has no value for column {exc.args[0]!r}") from None
    if len(row) != len(names):
        unknown = sorted(set(row) - set(names))
        raise WarehouseWriteError(f"a row has keys that are not columns: {', '.join(unknown)}")
    return values


_COPY_CONTEXT = re.compile(r"line (\d+), column (\w+):")


def _explain(
    table: sa.Table, columns: Sequence[sa.Column[Any]], exc: Exception, n: int, row: Any
) -> str:
    """Name the table, row and column that PostgreSQL (or the adapter) refused."""
    diag = getattr(exc, "diag", None)
    message = (getattr(diag, "message_primary", None) or str(exc)).strip().splitlines()[0]
    context = getattr(diag, "context", None) or ""
    match = _COPY_CONTEXT.search(context)
    if match:  # the server reports its own line: COPY streams ahead of its checks
        n, column = int(match.group(1)), match.group(2)
    else:
        column = _guess_column(columns, row)
    where = f" column {column!r}" if column else ""
    return f"{table.fullname}: row {n}{where} was refused ({message}); nothing was written"


def _guess_column(columns: Sequence[sa.Column[Any]], row: Any) -> str | None:
    """Client-side adaptation errors do not say which value failed: find it by type."""
    if row is None:
        return None
    values = list(row) if isinstance(row, tuple) else [row.get(c.name) for c in columns]
    for column, value in zip(columns, values, strict=False):
        if value is None or isinstance(column.type, pg.JSONB | sa.JSON):
            continue
        try:
            expected = column.type.python_type
        except NotImplementedError:
            continue
        if not isinstance(value, expected):
            return column.name
    return None


def stage_in_chunks(
    conn: Connection,
    stage: sa.Table,
    rows: Iterable[Mapping[str, Any] | tuple[Any, ...]],
    chunk_rows: int,
) -> int:
    """COPY ``rows`` into the session's ``stage`` (a temporary table that survives commits),
    ``chunk_rows`` at a time, each chunk in its own short transaction.

    A chunk is gathered BEFORE its transaction opens, so a slow producer (the API) is never
    waited for inside a transaction: no lock is held and VACUUM's horizon is not held back
    while records arrive. Memory is bounded by one chunk. ``conn`` must not be in a
    transaction. Returns the rows staged.
    """
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be >= 1, got {chunk_rows}")
    columns = list(stage.columns)
    it = iter(rows)
    staged = 0
    while chunk := list(islice(it, chunk_rows)):
        with conn.begin():
            staged += copy_rows(conn, stage, columns, chunk, None, psql.Identifier(stage.name))
    return staged
