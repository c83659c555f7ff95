"""Table DDL owned by the code, applied idempotently.

A table declared in code is created when missing. An added *nullable* column is added to an
existing table, so upgrades need no migration step. Anything else (a missing non-null
column, a changed type, nullability, or a column the code no longer knows) is refused with
a message naming the table and column: silently reshaping a warehouse loses data.
"""

from __future__ import annotations

import threading

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import CreateColumn

_READY: set[tuple[str, str, str]] = set()
_READY_LOCK = threading.Lock()
_DDL_LOCK_KEY = "meetup_pipeline.ddl"


class SchemaMismatch(RuntimeError):
    """The table in the warehouse disagrees with the table declared in code."""


def _type_name(type_: sa.types.TypeEngine, dialect: sa.engine.Dialect) -> str:
    name = type_.compile(dialect=dialect).upper()
    aliases = {
        "TIMESTAMP WITHOUT TIME ZONE": "TIMESTAMP",
        "TIME WITHOUT TIME ZONE": "TIME",
        "FLOAT": "DOUBLE PRECISION",  # PostgreSQL's float without precision is float8
        "FLOAT(53)": "DOUBLE PRECISION",
    }
    return aliases.get(name, name)


def ensure_table(engine: Engine, table: sa.Table) -> None:
    """Create or upgrade `table`; a no-op after the first success in this process."""
    key = (engine.url.render_as_string(hide_password=True), table.schema or "", table.name)
    if key in _READY:
        return
    with _READY_LOCK, engine.begin() as conn:
        # DDL is transactional in PostgreSQL; the lock stops two processes racing to create.
        conn.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
            {"k": _DDL_LOCK_KEY},
        )
        apply_table(conn, table)
        _READY.add(key)


def apply_table(conn: Connection, table: sa.Table) -> None:
    if table.schema:
        conn.execute(sa.schema.CreateSchema(table.schema, if_not_exists=True))
    inspector = sa.inspect(conn)
    if not inspector.has_table(table.name, schema=table.schema):
        table.create(conn)
        return
    existing = {c["name"]: c for c in inspector.get_columns(table.name, schema=table.schema)}
    dialect = conn.dialect
    where = f"{table.schema}.{table.name}" if table.schema else table.name
    for column in table.columns:
        found = existing.pop(column.name, None)
        if found is None:
            if not column.nullable:
                raise SchemaMismatch(
                    f"{where}: column {column.name!r} is declared NOT NULL in code but missing "
                    "in the warehouse; add it by hand (with a default) or rebuild the table"
                )
            ddl = CreateColumn(column).compile(dialect=dialect)
            conn.execute(sa.text(f"ALTER TABLE {_qualified(conn, table)} ADD COLUMN {ddl}"))
            continue
        want, have = _type_name(column.type, dialect), _type_name(found["type"], dialect)
        if want != have:
            raise SchemaMismatch(
                f"{where}: column {column.name!r} is {have} in the warehouse but {want} in code"
            )
        if bool(found["nullable"]) != bool(column.nullable):
            raise SchemaMismatch(
                f"{where}: column {column.name!r} nullability differs "
                f"(warehouse nullable={found['nullable']}, code nullable={column.nullable})"
            )
    if existing:
        names = ", ".join(sorted(existing))
        raise SchemaMismatch(f"{where}: the warehouse has columns the code does not know: {names}")


def _qualified(conn: Connection, table: sa.Table) -> str:
    """Identifiers quoted by SQLAlchemy's preparer, never by hand."""
    return conn.dialect.identifier_preparer.format_table(table)
