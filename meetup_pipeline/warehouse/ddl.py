"""Table DDL owned by the code, applied idempotently.

A table declared in code is created when missing. An added *nullable* column is added to an
existing table, so upgrades need no migration step. Anything else (a missing non-null
column, a changed type, nullability, or a column the code no longer knows) is refused with
a message naming the table and column: silently reshaping a warehouse loses data. The one
exception is a column the code retired on purpose (`retire_columns`, declared beside the
table, e.g. dim_date's US-only holidays, replaced by dim_holiday): it is dropped, so the
upgrade is automatic.

The cleaning rules every transformation shares (the surrogate key, the JSON-array guard,
what a physical venue, an online event and a usable coordinate are) are SQL functions in
the `rules` schema, created here with the tables, so that each rule has one definition
that past events (`sql/stg_*.sql`) and upcoming ones (`sql/upcoming_events.sql`) both call.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import CreateColumn

_READY: set[tuple[str, str, str]] = set()
_READY_LOCK = threading.Lock()
_DDL_LOCK_KEY = "meetup_pipeline.ddl"

RULES_SCHEMA = "rules"
RULES: tuple[str, ...] = (
    # The surrogate key of a natural id: 64 bits of its md5, the same whenever and in
    # whatever order a row is loaded, so facts never wait for a sequence.
    """
    CREATE OR REPLACE FUNCTION rules.surrogate_key(natural_id text) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT ('x' || left(md5(natural_id), 16))::bit(64)::bigint $$
    """,
    # A JSON value where an array is expected: the array, or [] for null or anything else.
    """
    CREATE OR REPLACE FUNCTION rules.json_array(value jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN jsonb_typeof(value) = 'array' THEN value ELSE '[]'::jsonb END $$
    """,
    # Meetup's placeholder venue of online events ("Online event", venueType online).
    """
    CREATE OR REPLACE FUNCTION rules.is_online_placeholder(venue jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT lower(COALESCE(venue ->> 'venueType', '')) = 'online'
                 OR COALESCE(venue ->> 'name', '') = 'Online event' $$
    """,
    # A venue one can go to: it has an id and is not the online placeholder.
    """
    CREATE OR REPLACE FUNCTION rules.is_physical_venue(venue jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT venue ->> 'id' IS NOT NULL AND NOT rules.is_online_placeholder(venue) $$
    """,
    # An event's venue: the first physical one of its venues, or null.
    """
    CREATE OR REPLACE FUNCTION rules.physical_venue(venues jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
        SELECT x.venue
        FROM jsonb_array_elements(rules.json_array(venues)) WITH ORDINALITY AS x (venue, n)
        WHERE rules.is_physical_venue(x.venue)
        ORDER BY x.n
        LIMIT 1
    $$
    """,
    # Online: typed ONLINE, or no physical venue but the online placeholder. An event with
    # no venue at all and no type says nothing about where it is, so it is not online.
    """
    CREATE OR REPLACE FUNCTION rules.is_online(event_type text, venues jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
        SELECT upper(btrim(COALESCE(event_type, ''))) = 'ONLINE'
            OR COALESCE((SELECT bool_or(rules.is_online_placeholder(v))
                                AND NOT bool_or(rules.is_physical_venue(v))
                         FROM jsonb_array_elements(rules.json_array(venues)) AS v), false)
    $$
    """,
    # A point that can be a place: both values present and in range, and not (0, 0), the
    # value a form leaves behind. One zero alone is a real place (the equator, Greenwich).
    """
    CREATE OR REPLACE FUNCTION rules.valid_point(lat double precision, lon double precision)
    RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT COALESCE(lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180
                          AND NOT (lat = 0 AND lon = 0), false) $$
    """,
    # An event's own wall time: the date-time as Meetup printed it in the event's offset
    # (a timestamp without time zone ignores the offset of its input, by definition).
    """
    CREATE OR REPLACE FUNCTION rules.local_wall(printed text) RETURNS timestamp
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT CAST(printed AS timestamp) $$
    """,
    # The offset it was printed in, in minutes east of UTC (+05:45 is 345, -10:00 is -600).
    """
    CREATE OR REPLACE FUNCTION rules.utc_offset_minutes(printed text) RETURNS integer
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT (extract(epoch FROM CAST(printed AS timestamp)
                                     - (CAST(printed AS timestamptz) AT TIME ZONE 'UTC'))
                  / 60)::integer $$
    """,
)
"""The shared rules, in dependency order; `CREATE OR REPLACE` keeps them current."""


class SchemaMismatch(RuntimeError):
    """The table in the warehouse disagrees with the table declared in code."""


@dataclass(frozen=True)
class RetiredColumns:
    """Columns an older warehouse has and the code dropped on purpose."""

    names: tuple[str, ...]


_RETIRED = "meetup_pipeline.retired_columns"
"""The one `Table.info` key this module owns."""


def retire_columns(table: sa.Table, *names: str) -> sa.Table:
    """Declare that the DDL drops `names` from an existing `table`; returns the table."""
    declared = sorted(set(names) & set(table.c.keys()))
    if declared:
        raise ValueError(f"{table.fullname}: cannot retire declared columns {declared}")
    table.info[_RETIRED] = RetiredColumns(tuple(names))
    return table


def retired_columns(table: sa.Table) -> tuple[str, ...]:
    retired: RetiredColumns | None = table.info.get(_RETIRED)
    return retired.names if retired is not None else ()


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
        if (key[0], RULES_SCHEMA, "") not in _READY:
            apply_rules(conn)
        apply_table(conn, table)
        _READY.add(key)
        _READY.add((key[0], RULES_SCHEMA, ""))


def apply_rules(conn: Connection) -> None:
    """Create or replace the shared rule functions (idempotent)."""
    conn.execute(sa.schema.CreateSchema(RULES_SCHEMA, if_not_exists=True))
    for statement in RULES:
        conn.execute(sa.text(statement))


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
    for name in retired_columns(table):
        if existing.pop(name, None) is not None:
            column = conn.dialect.identifier_preparer.quote(name)
            conn.execute(sa.text(f"ALTER TABLE {_qualified(conn, table)} DROP COLUMN {column}"))
    if existing:
        names = ", ".join(sorted(existing))
        raise SchemaMismatch(f"{where}: the warehouse has columns the code does not know: {names}")


def _qualified(conn: Connection, table: sa.Table) -> str:
    """Identifiers quoted by SQLAlchemy's preparer, never by hand."""
    return conn.dialect.identifier_preparer.format_table(table)
