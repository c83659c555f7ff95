"""How each table is written: one typed policy per table, declared beside it.

Three policies, one per way a table in this warehouse changes:

- `WindowReplace`: the rows of the written window (on `partition_column`) are replaced;
  other windows stay. With `moves_between_partitions`, a row whose key moved to another
  window lives once, where its newest observation (`version_column`) puts it.
- `Merge`: upserted by `natural_key`, per column the newest non-null observation
  (`version_column`) wins; the window only says which rows the SELECT reads.
- `Rebuild`: the whole table is replaced at every write, whatever the run's window (its
  SELECT reads every window of its inputs).

`declare` attaches a policy to a table and checks it against the table's columns and keys,
so a bad combination fails when `tables/` is imported, not in a run; `policy_of` is the
one place a policy is read (the writes, and the metadata the UI shows).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa

PartitionKind = Literal["date", "timestamp"]

_POLICY = "meetup_pipeline.write_policy"
"""The one `Table.info` key this module owns; its value is a typed policy, never a string."""


class PolicyError(ValueError):
    """A table's write policy is missing or does not fit the table."""


@dataclass(frozen=True)
class WindowReplace:
    """Replace the written window's rows; the window is `partition_column`'s date range."""

    partition_column: str
    moves_between_partitions: str | None = None
    """The key of a row that can move to another window (a rescheduled event)."""
    version_column: str | None = None
    """Which copy of a moved row wins: the newest by this column (else the last written)."""

    def __post_init__(self) -> None:
        if self.version_column is not None and self.moves_between_partitions is None:
            raise PolicyError("WindowReplace: version_column needs moves_between_partitions")


@dataclass(frozen=True)
class Merge:
    """Upsert by `natural_key`: per column, the newest non-null observation wins."""

    natural_key: tuple[str, ...]
    version_column: str

    def __post_init__(self) -> None:
        if not self.natural_key:
            raise PolicyError("Merge: natural_key is empty")
        if self.version_column in self.natural_key:
            raise PolicyError(f"Merge: version_column {self.version_column!r} is in the key")


@dataclass(frozen=True)
class Rebuild:
    """Replace the whole table at every write."""


WritePolicy = WindowReplace | Merge | Rebuild


def declare(table: sa.Table, policy: WritePolicy) -> sa.Table:
    """Attach `policy` to `table` after checking that it fits; returns the table."""
    where = table.fullname

    def column(name: str, role: str) -> sa.Column[Any]:
        if name not in table.c:
            raise PolicyError(f"{where}: {role} {name!r} is not a column")
        return table.c[name]

    if isinstance(policy, WindowReplace):
        try:
            partition_kind_of(column(policy.partition_column, "partition_column"))
        except ValueError as exc:
            raise PolicyError(f"{where}: {exc}") from None
        if policy.moves_between_partitions is not None:
            column(policy.moves_between_partitions, "moves_between_partitions")
        if policy.version_column is not None:
            column(policy.version_column, "version_column")
    elif isinstance(policy, Merge):
        for name in policy.natural_key:
            column(name, "natural_key column")
        if column(policy.version_column, "version_column").nullable:
            raise PolicyError(f"{where}: version_column {policy.version_column!r} is nullable")
        # INSERT ... ON CONFLICT (natural_key) needs a unique index on exactly those columns
        unique = [set(table.primary_key.columns.keys())] + [
            {c.name for c in constraint.columns}
            for constraint in table.constraints
            if isinstance(constraint, sa.UniqueConstraint)
        ]
        if set(policy.natural_key) not in unique:
            raise PolicyError(
                f"{where}: natural_key {policy.natural_key} is not the primary key or a "
                "unique constraint, so it cannot be merged on"
            )
    elif not isinstance(policy, Rebuild):
        raise PolicyError(f"{where}: {policy!r} is not a write policy")
    declared = table.info.get(_POLICY)
    if declared is not None and declared != policy:
        raise PolicyError(f"{where}: already declared {declared!r}")
    table.info[_POLICY] = policy
    return table


def policy_of(table: sa.Table) -> WritePolicy:
    """The table's declared write policy."""
    policy = table.info.get(_POLICY)
    if policy is None:
        raise PolicyError(
            f"{table.fullname} has no write policy; declare one beside the table "
            "(warehouse.policy.declare)"
        )
    return policy  # type: ignore[no-any-return]


def partition_kind_of(column: sa.Column[Any]) -> PartitionKind:
    if isinstance(column.type, sa.DateTime):
        if not column.type.timezone:
            raise ValueError(f"partition column {column.name} must be timestamptz, not timestamp")
        return "timestamp"
    if isinstance(column.type, sa.Date):
        return "date"
    raise ValueError(f"partition column {column.name} must be a date or timestamptz")
