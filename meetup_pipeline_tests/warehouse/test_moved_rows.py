"""A row that moves between windows lives where its newest observation puts it."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from meetup_pipeline.warehouse.policy import WindowReplace, declare
from meetup_pipeline.warehouse.relations import TableRows, TableSelect, Window
from meetup_pipeline.warehouse.writes import write

LA = ZoneInfo("America/Los_Angeles")
META = sa.MetaData()
TS = sa.DateTime(timezone=True)

stage = sa.Table(
    "stg_moving",
    META,
    sa.Column("event_id", sa.Text, nullable=False),
    sa.Column("starts_at", TS, nullable=False),
    sa.Column("observed_at", TS, nullable=False),
    schema="staging",
)
declare(stage, WindowReplace("starts_at"))
fact = sa.Table(
    "fact_moving",
    META,
    sa.Column("event_id", sa.Text, nullable=False),
    sa.Column("starts_at", TS, nullable=False),
    sa.Column("observed_at", TS, nullable=False),
    schema="marts",
)
declare(
    fact,
    WindowReplace("starts_at", moves_between_partitions="event_id", version_column="observed_at"),
)
SELECT = (
    "SELECT event_id, starts_at, observed_at FROM staging.stg_moving "
    "WHERE starts_at >= :window_start AND starts_at < :window_end"
)


@pytest.fixture
def engine(warehouse_url: URL) -> Iterator[sa.Engine]:
    eng = sa.create_engine(warehouse_url)
    yield eng
    eng.dispose()


def day(d: int) -> Window:
    return Window(datetime(2024, 1, d, tzinfo=LA), datetime(2024, 1, d + 1, tzinfo=LA))


def at(d: int, hour: int = 12) -> datetime:
    return datetime(2024, 1, d, hour, tzinfo=LA)


def observed(n: int) -> datetime:
    return datetime(2024, 2, n, tzinfo=UTC)


def stage_day(engine: sa.Engine, d: int, rows: list[tuple[str, datetime, datetime]]) -> None:
    """Staging for day `d` as one extraction left it (other days untouched)."""
    mapped = [{"event_id": e, "starts_at": s, "observed_at": o} for e, s, o in rows]
    write(engine, TableRows(stage, mapped), day(d))


def facts(engine: sa.Engine) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    with engine.connect() as conn:
        for event_id, starts_at in conn.execute(sa.select(fact.c.event_id, fact.c.starts_at)):
            out.setdefault(event_id, []).append(starts_at)
    return out


def test_stale_staging_never_moves_a_rescheduled_event_back(engine: sa.Engine) -> None:
    # Day 15 read on Feb 1: E on the 15th. Then E is rescheduled; day 20 read on Feb 2.
    stage_day(engine, 15, [("E", at(15), observed(1)), ("F", at(15, 9), observed(1))])
    write(engine, TableSelect(fact, SELECT), day(15))
    stage_day(engine, 20, [("E", at(20), observed(2))])
    write(engine, TableSelect(fact, SELECT), day(20))
    assert facts(engine) == {"E": [at(20)], "F": [at(15, 9)]}

    # Rebuilding day 15 from its stale staging (still saying the 15th) changes nothing.
    result = write(engine, TableSelect(fact, SELECT), day(15))
    assert facts(engine) == {"E": [at(20)], "F": [at(15, 9)]}
    assert (result.written, result.window_rows) == (1, 1)

    # A newer reading of day 15 that has E back on the 15th moves it back.
    stage_day(engine, 15, [("E", at(15, 18), observed(3)), ("F", at(15, 9), observed(3))])
    write(engine, TableSelect(fact, SELECT), day(15))
    assert facts(engine) == {"E": [at(15, 18)], "F": [at(15, 9)]}

    # And the now stale day 20 cannot take it again.
    write(engine, TableSelect(fact, SELECT), day(20))
    assert facts(engine) == {"E": [at(15, 18)], "F": [at(15, 9)]}
