"""DDL owned by code: created on demand, nullable additions applied, other drift refused."""

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from meetup_pipeline.warehouse.ddl import SchemaMismatch, apply_table, ensure_table, retire_columns


@pytest.fixture
def engine(warehouse_url: URL) -> Iterator[sa.Engine]:
    eng = sa.create_engine(warehouse_url)
    yield eng
    eng.dispose()


def things(*extra: sa.Column, id_type: type[sa.types.TypeEngine] = sa.Text) -> sa.Table:
    return sa.Table(
        "things",
        sa.MetaData(),
        sa.Column("id", id_type(), nullable=False),
        sa.Column("name", sa.Text),
        *extra,
        schema="staging",
    )


def apply(engine: sa.Engine, table: sa.Table) -> None:
    with engine.begin() as conn:
        apply_table(conn, table)


def columns(engine: sa.Engine) -> list[str]:
    return [c["name"] for c in sa.inspect(engine).get_columns("things", schema="staging")]


def test_creates_schema_and_table_once(engine: sa.Engine) -> None:
    ensure_table(engine, things())
    ensure_table(engine, things())
    apply(engine, things())
    assert columns(engine) == ["id", "name"]


def test_every_column_type_the_project_uses_reapplies_cleanly(engine: sa.Engine) -> None:
    from meetup_pipeline.tables import marts, raw, staging

    tables = [*raw.metadata.tables.values(), *staging.metadata.tables.values()]
    tables += list(marts.metadata.tables.values())
    for _ in range(2):
        for table in tables:
            apply(engine, table)


def test_adds_a_nullable_column_and_keeps_rows(engine: sa.Engine) -> None:
    apply(engine, things())
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO staging.things VALUES ('a', 'x')"))
    apply(engine, things(sa.Column("members", sa.Integer)))
    assert columns(engine) == ["id", "name", "members"]
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT * FROM staging.things")).all() == [("a", "x", None)]


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        (
            things(sa.Column("members", sa.Integer, nullable=False)),
            "'members' is declared NOT NULL",
        ),
        (things(id_type=sa.Integer), "'id' is TEXT in the warehouse but INTEGER in code"),
        (
            sa.Table(
                "things", sa.MetaData(), sa.Column("id", sa.Text, nullable=False), schema="staging"
            ),
            "columns the code does not know: name",
        ),
    ],
)
def test_other_mismatches_name_table_and_column(
    engine: sa.Engine, changed: sa.Table, message: str
) -> None:
    apply(engine, things())
    with pytest.raises(SchemaMismatch, match=r"staging\.things") as info:
        apply(engine, changed)
    assert message in str(info.value)


def test_a_retired_column_is_dropped_and_the_rest_kept(engine: sa.Engine) -> None:
    """dim_date's US-only holiday columns, in a warehouse built before dim_holiday."""
    old = things(sa.Column("holiday_name", sa.Text), sa.Column("is_holiday", sa.Boolean))
    apply(engine, old)
    with engine.begin() as conn:
        conn.execute(sa.insert(old), [{"id": "a", "name": "x", "holiday_name": "h"}])
    new = things()
    retire_columns(new, "holiday_name", "is_holiday", "never_there")
    apply(engine, new)
    apply(engine, new)  # again: nothing left to drop
    assert columns(engine) == ["id", "name"]
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT id, name FROM staging.things")).all() == [("a", "x")]
    with pytest.raises(SchemaMismatch, match="columns the code does not know: stray"):
        apply(engine, things(sa.Column("stray", sa.Text)))
        apply(engine, new)
