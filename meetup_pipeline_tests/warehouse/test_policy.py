"""Write policies are typed, declared beside each table and checked when declared."""

import subprocess
import sys

import pytest
import sqlalchemy as sa

from meetup_pipeline.tables import marts, raw, staging
from meetup_pipeline.warehouse.ddl import RetiredColumns, retire_columns, retired_columns
from meetup_pipeline.warehouse.policy import (
    Merge,
    PolicyError,
    Rebuild,
    WindowReplace,
    WritePolicy,
    declare,
    policy_of,
)

TS = sa.DateTime(timezone=True)


def thing(*extra: sa.Constraint) -> sa.Table:
    return sa.Table(
        "thing",
        sa.MetaData(),
        sa.Column("thing_id", sa.Text, nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("wall", sa.DateTime),
        sa.Column("seen", TS),
        sa.Column("observed_at", TS, nullable=False),
        *extra,
        schema="marts",
    )


def test_every_declared_table_has_a_typed_policy_and_no_strings_in_info() -> None:
    tables = [t for m in (raw, staging, marts) for t in m.metadata.sorted_tables]
    assert len(tables) == 17
    for table in tables:
        assert isinstance(policy_of(table), WindowReplace | Merge | Rebuild), table.fullname
        for value in table.info.values():
            assert isinstance(value, WindowReplace | Merge | Rebuild | RetiredColumns), value
    assert policy_of(marts.fact_events) == WindowReplace(
        "event_date", moves_between_partitions="event_key", version_column="observed_at"
    )
    assert retired_columns(marts.dim_date) == ("holiday_name", "is_holiday", "is_day_off")
    assert retired_columns(marts.dim_group) == ()


@pytest.mark.parametrize(
    ("table", "policy", "message"),
    [
        (thing(), WindowReplace("nope"), "partition_column 'nope' is not a column"),
        (thing(), WindowReplace("thing_id"), "must be a date or timestamptz"),
        (thing(), WindowReplace("wall"), "must be timestamptz, not timestamp"),
        (thing(), WindowReplace("day", moves_between_partitions="gone"), "'gone' is not"),
        (
            thing(),
            WindowReplace("day", moves_between_partitions="thing_id", version_column="v"),
            "version_column 'v' is not a column",
        ),
        (thing(sa.PrimaryKeyConstraint("thing_id")), Merge(("id",), "observed_at"), "'id'"),
        (thing(), Merge(("thing_id",), "observed_at"), "not the primary key or a unique"),
        (
            thing(sa.PrimaryKeyConstraint("thing_id", "day")),
            Merge(("thing_id",), "observed_at"),
            "not the primary key or a unique",
        ),
        (thing(sa.PrimaryKeyConstraint("thing_id")), Merge(("thing_id",), "seen"), "nullable"),
    ],
)
def test_a_policy_that_does_not_fit_its_table_is_refused(
    table: sa.Table, policy: WritePolicy, message: str
) -> None:
    with pytest.raises(PolicyError, match=message):
        declare(table, policy)
    with pytest.raises(PolicyError, match="has no write policy"):
        policy_of(table)


def test_a_policy_that_contradicts_itself_cannot_be_built() -> None:
    with pytest.raises(PolicyError, match="needs moves_between_partitions"):
        WindowReplace("day", version_column="observed_at")
    with pytest.raises(PolicyError, match="natural_key is empty"):
        Merge((), "observed_at")
    with pytest.raises(PolicyError, match="is in the key"):
        Merge(("thing_id", "observed_at"), "observed_at")


def test_a_unique_constraint_is_a_merge_key_too() -> None:
    table = thing(sa.UniqueConstraint("thing_id", "day"))
    assert declare(table, Merge(("day", "thing_id"), "observed_at")) is table
    assert policy_of(table) == Merge(("day", "thing_id"), "observed_at")


def test_a_table_has_one_policy() -> None:
    table = declare(thing(), WindowReplace("day"))
    assert declare(table, WindowReplace("day")) is table  # the same again is harmless
    with pytest.raises(PolicyError, match="already declared WindowReplace"):
        declare(table, Rebuild())
    assert policy_of(table) == WindowReplace("day")


def test_a_declared_column_cannot_be_retired() -> None:
    with pytest.raises(ValueError, match=r"cannot retire declared columns \['day'\]"):
        retire_columns(thing(), "day", "old")


BAD_TABLES_MODULE = """
import sqlalchemy as sa
from meetup_pipeline.warehouse.policy import Merge, declare

at = sa.Column("at", sa.DateTime(timezone=True), nullable=False)
dim = sa.Table("dim", sa.MetaData(), sa.Column("id", sa.Text), at)
declare(dim, Merge(("id",), version_column="at"))  # no key to merge on
print("imported")
"""


def test_a_bad_declaration_fails_at_import() -> None:
    """A module of tables with a policy that cannot work never loads: no run gets that far."""
    out = subprocess.run(
        [sys.executable, "-c", BAD_TABLES_MODULE], capture_output=True, text=True, timeout=120
    )
    assert out.returncode != 0
    assert "imported" not in out.stdout
    assert "PolicyError: dim: natural_key ('id',) is not the primary key" in out.stderr
