"""Atomic window writes: every table written by one function, as its policy says.

`write_window` is the one function that writes a table: the table's declared policy
(`warehouse.policy`) decides whether the window is replaced (delete-then-insert), the rows
merged, or the table rebuilt; the IO manager (`write`) and the raw layer's swap
(`load_then_swap`) both call it, each in one transaction. Like Dagster's `DbIOManager`,
which builds one `TableSlice` in one place, the rows a write replaces are worked out once
(`_window_slice`), from the table's `WindowReplace` policy and the window.

Every write takes a transaction-scoped advisory lock on its table first. Two runs writing
the same (or overlapping) windows therefore serialize instead of interleaving their
DELETE and INSERT, which under READ COMMITTED could leave two copies of a window. A
transaction that writes several tables (the raw layer) takes their locks in name order and
every other one takes a single lock, so no cycle and no deadlock. A writer killed
mid-write never commits, so PostgreSQL discards everything it did.

A streamed write (the raw layer) is load-then-swap: the records are staged in a session
temporary table in short chunked transactions, with no lock on the targets, and only the
final swap (lock, delete, insert, checks) is one transaction. ``bench/raw_write.py`` measured
it against one transaction around the whole stream (2024 at sandbox scale 10): wall time
within a few percent, but the raw write locks held about 1 s instead of the whole 40 s
extraction, during which another window's write waited.

The statements here stay in Python, not in ``sql/``: each is the same for every table and
names the table being written and its columns (identifiers, quoted by SQLAlchemy's
preparer), which come only from the code-owned declarations in ``tables/``; values are
always bound. What a table holds is the ``sql/`` file its SELECT is read from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, assert_never

import sqlalchemy as sa
from psycopg import sql as psql
from sqlalchemy.engine import Connection, Engine

from meetup_pipeline.warehouse.copy import copy_rows, stage_in_chunks
from meetup_pipeline.warehouse.ddl import ensure_table
from meetup_pipeline.warehouse.policy import (
    Merge,
    Rebuild,
    WindowReplace,
    partition_kind_of,
    policy_of,
)
from meetup_pipeline.warehouse.relations import (
    TableRows,
    TableSelect,
    WarehouseWriteError,
    Window,
    WriteResult,
)


def write(engine: Engine, obj: TableRows | TableSelect, window: Window | None) -> WriteResult:
    """Apply DDL, then write `obj` for `window` in one transaction (the IO manager's write)."""
    ensure_table(engine, obj.table)
    with engine.begin() as conn:
        return write_window(conn, obj, window)


def load_then_swap(
    engine: Engine,
    stage: sa.Table,
    rows: Iterable[Mapping[str, Any] | tuple[Any, ...]],
    selects: Sequence[TableSelect],
    window: Window,
    chunk_rows: int,
) -> dict[str, WriteResult]:
    """Stage ``rows`` in the session's temporary ``stage``, then write each of ``selects``
    (SELECTs over the stage) for ``window`` in ONE short transaction: the tables change
    together or not at all, and their locks are held only for the swap, not while the
    stage fills (``stage_in_chunks``). A failure before or during the swap leaves every
    table as it was; the stage goes with the session either way.
    """
    for select in selects:
        ensure_table(engine, select.table)
    with engine.connect() as conn:
        try:
            with conn.begin():
                stage.create(conn)
            stage_in_chunks(conn, stage, rows, chunk_rows)
            with conn.begin():
                for select in sorted(selects, key=lambda s: s.table.fullname):
                    lock_table(conn, select.table)  # all of them first, in name order
                return {select.table.name: write_window(conn, select, window) for select in selects}
        finally:
            _drop_stage(conn, stage)


def _drop_stage(conn: Connection, stage: sa.Table) -> None:
    """Drop the session's stage before the connection goes back to the pool; if the
    session is unusable, discard it (its temporary table goes with it)."""
    try:
        if conn.in_transaction():
            conn.rollback()
        with conn.begin():
            conn.execute(sa.schema.DropTable(stage, if_exists=True))
    except sa.exc.SQLAlchemyError:
        conn.invalidate()


def lock_table(conn: Connection, table: sa.Table) -> None:
    conn.execute(
        sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
        {"k": f"meetup_pipeline.write:{table.schema}.{table.name}"},
    )


@dataclass(frozen=True)
class _WindowSlice:
    """The rows of a table a window write replaces: `column` in [lo, hi)."""

    column: sa.Column[Any]
    lo: Any
    hi: Any
    window: Window

    def where(self) -> sa.ColumnElement[bool]:
        return sa.and_(self.column >= self.lo, self.column < self.hi)


def _window_slice(table: sa.Table, policy: WindowReplace, window: Window) -> _WindowSlice:
    column = table.c[policy.partition_column]
    lo, hi = window.bounds(partition_kind_of(column))
    return _WindowSlice(column, lo, hi, window)


def write_window(
    conn: Connection, obj: TableRows | TableSelect, window: Window | None
) -> WriteResult:
    """Write `obj` for `window` as its table's policy says, in the caller's transaction.

    `WindowReplace`: the window's rows are replaced (the whole table when `window` is
    None), and a row outside the window is refused; `Merge`: upserted, the window only
    binds the SELECT's parameters; `Rebuild`: the whole table, whatever the window.
    """
    table = obj.table
    policy = policy_of(table)
    lock_table(conn, table)
    match policy:
        case WindowReplace():
            part = _window_slice(table, policy, window) if window is not None else None
            return _replace(conn, obj, _params(obj, window), part, policy)
        case Merge():
            return _merge(conn, table, policy, obj, _params(obj, window))
        case Rebuild():  # its SELECT reads every window of its inputs: the whole table
            return _replace(conn, obj, _params(obj, None), None, None)
        case _:
            assert_never(policy)


def _params(obj: TableRows | TableSelect, window: Window | None) -> dict[str, Any]:
    """The window's bind parameters, then the SELECT's own."""
    return {
        **(window.params() if window is not None else {}),
        **(obj.params if isinstance(obj, TableSelect) else {}),
    }


def _replace(
    conn: Connection,
    obj: TableRows | TableSelect,
    params: Mapping[str, Any],
    part: _WindowSlice | None,
    policy: WindowReplace | None,
) -> WriteResult:
    """Delete the window's rows (``part``; None: the whole table), then insert ``obj``."""
    table = obj.table
    _delete(conn, table, part.where() if part is not None else None)
    if isinstance(obj, TableRows):
        within = (part.column.name, part.lo, part.hi) if part is not None else None
        written = copy_rows(conn, table, list(table.columns), obj.rows, within)
        return _result(conn, table, part, written)
    select_sql = obj.sql
    if part is not None and policy is not None and policy.moves_between_partitions:
        select_sql = _delete_moved(conn, table, policy, select_sql, params, part.where())
    written = _insert_select(conn, table, select_sql, params)
    result = _result(conn, table, part, written)
    if part is not None and result.window_rows != written:
        raise WarehouseWriteError(
            f"{table.fullname}: the SELECT produced {written - result.window_rows} rows outside "
            "the window being written; nothing was written"
        )
    return result


def _delete_moved(
    conn: Connection,
    table: sa.Table,
    policy: WindowReplace,
    select_sql: str,
    params: Mapping[str, Any],
    where: sa.ColumnElement[bool],
) -> str:
    """Keep one copy of a row that moved between windows: the newest observation's.

    A rescheduled event moves to another day, and the day it left may not be reloaded for
    a while. Copies outside the window that the incoming rows observed later (or as late)
    are deleted; incoming rows that a copy outside the window observed later are dropped,
    so rebuilding an old day from stale staging never moves an event back. Returns the
    SELECT to insert. Without a `version_column`, the window written last wins.
    """
    assert policy.moves_between_partitions is not None
    key = table.c[policy.moves_between_partitions]
    version_name = policy.version_column
    quote = conn.dialect.identifier_preparer
    names = [key] if version_name is None else [key, table.c[version_name]]
    incoming = (
        sa.text(f"SELECT {', '.join(quote.quote(c.name) for c in names)} FROM ({select_sql}) AS q")
        .columns(*[sa.column(c.name, c.type) for c in names])
        .subquery("incoming")
    )
    moved = sa.delete(table).where(sa.not_(where), table.c[key.name] == incoming.c[key.name])
    if version_name is not None:
        moved = moved.where(table.c[version_name] <= incoming.c[version_name])
    conn.execute(moved, dict(params))
    if version_name is None:
        return select_sql
    # Whatever is left of these keys outside the window was observed later than the
    # incoming row; the window is already empty, so the check looks outside it only.
    k, v, target = quote.quote(key.name), quote.quote(version_name), quote.format_table(table)
    return (
        f"SELECT q.* FROM ({select_sql}) AS q WHERE NOT EXISTS "
        f"(SELECT 1 FROM {target} AS newer WHERE newer.{k} = q.{k} AND newer.{v} > q.{v})"
    )


def _insert_select(
    conn: Connection, table: sa.Table, select_sql: str, params: Mapping[str, Any]
) -> int:
    """INSERT ... SELECT by column name; identifiers quoted by SQLAlchemy's preparer.

    Built as text because SQLAlchemy's `from_select` reports no rowcount on psycopg 3.
    """
    quote = conn.dialect.identifier_preparer
    cols = ", ".join(quote.quote(c.name) for c in table.columns)
    stmt = (
        f"INSERT INTO {quote.format_table(table)} ({cols}) SELECT {cols} FROM ({select_sql}) AS q"
    )
    return int(conn.execute(sa.text(stmt), dict(params)).rowcount)


def _merge(
    conn: Connection,
    table: sa.Table,
    policy: Merge,
    obj: TableRows | TableSelect,
    params: Mapping[str, Any],
) -> WriteResult:
    """Upsert by natural key, type 1: per column, the newest non-null observation wins.

    A null never erases a known attribute (the API drops fields now and then), and an older
    observation only fills what is still unknown, so the result does not depend on load
    order. Rows are staged in a temporary table first and collapsed per key (newest
    non-null per column) before the upsert, as ON CONFLICT requires one row per key.
    """
    stage = sa.Table(
        f"_stage_{table.name}",
        sa.MetaData(),
        *[sa.Column(c.name, c.type) for c in table.columns],
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DROP",
    )
    stage.create(conn)
    if isinstance(obj, TableRows):
        written = copy_rows(
            conn, table, list(table.columns), obj.rows, None, psql.Identifier(stage.name)
        )
    else:
        written = _insert_select(conn, stage, obj.sql, params)
    sql = _merge_sql(conn, table, stage.name, policy.natural_key, policy.version_column)
    conn.execute(sa.text(sql))
    return _result(conn, table, None, written)


def _merge_sql(
    conn: Connection, table: sa.Table, stage: str, key: Sequence[str], version: str
) -> str:
    """INSERT ... ON CONFLICT text; every identifier quoted by SQLAlchemy's preparer."""
    q = conn.dialect.identifier_preparer.quote
    ver = q(version)
    attrs = [q(c.name) for c in table.columns if c.name not in key and c.name != version]
    keys = [q(k) for k in key]
    newest = [
        f"(array_agg({a} ORDER BY {ver} DESC) FILTER (WHERE {a} IS NOT NULL))[1] AS {a}"
        for a in attrs
    ]
    latest = (
        f"SELECT {', '.join([*keys, *newest, f'max({ver}) AS {ver}'])} "
        f"FROM {q(stage)} GROUP BY {', '.join(keys)}"
    )
    target = conn.dialect.identifier_preparer.format_table(table)
    cols = [*keys, *attrs, ver]
    newer = f"t.{ver} <= EXCLUDED.{ver}"
    sets = [
        f"{a} = CASE WHEN {newer} THEN COALESCE(EXCLUDED.{a}, t.{a}) "
        f"ELSE COALESCE(t.{a}, EXCLUDED.{a}) END"
        for a in attrs
    ]
    sets.append(f"{ver} = GREATEST(t.{ver}, EXCLUDED.{ver})")
    fills = [f"(t.{a} IS NULL AND EXCLUDED.{a} IS NOT NULL)" for a in attrs]
    return (
        f"INSERT INTO {target} AS t ({', '.join(cols)}) "
        f"SELECT {', '.join(cols)} FROM ({latest}) AS q "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {', '.join(sets)} "
        f"WHERE {' OR '.join([newer, *fills])}"
    )


def rows_per_day(conn: Connection, table: sa.Table, part: _WindowSlice) -> dict[date, int]:
    """The window's rows per local day: one GROUP BY over the window, whatever its length.

    Table-generic like `_count`, so built with SQLAlchemy Core (identifiers from the
    table's declaration, every value bound) rather than kept as a file in `sql/`.
    """
    day: sa.ColumnElement[Any] = part.column
    if partition_kind_of(part.column) == "timestamp":
        day = sa.cast(sa.func.timezone(part.window.timezone, part.column), sa.Date)
    stmt = sa.select(day.label("day"), sa.func.count()).where(part.where()).group_by(day)
    return {row[0]: int(row[1]) for row in conn.execute(stmt)}


def _count(conn: Connection, table: sa.Table) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def _delete(conn: Connection, table: sa.Table, where: sa.ColumnElement[bool] | None) -> None:
    stmt = sa.delete(table)
    conn.execute(stmt if where is None else stmt.where(where))


def _result(
    conn: Connection, table: sa.Table, part: _WindowSlice | None, written: int
) -> WriteResult:
    total = _count(conn, table)
    if part is None:
        return WriteResult(written=written, window_rows=total, table_rows=total)
    by_day = rows_per_day(conn, table, part)
    return WriteResult(
        written=written, window_rows=sum(by_day.values()), table_rows=total, rows_by_day=by_day
    )
