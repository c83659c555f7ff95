"""`bridge_group_topic` holds each group's topics as last listed, whatever the load order."""

import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from meetup_pipeline.sql import load_sql
from meetup_pipeline.tables import marts, staging
from meetup_pipeline.warehouse.relations import TableRows, TableSelect, Window
from meetup_pipeline.warehouse.writes import write

BRIDGE_SQL = load_sql("bridge_group_topic")
LA = ZoneInfo("America/Los_Angeles")

# (partition day in January 2024, fetched on day N of February, {group: topics listed})
WINDOWS = {
    10: (1, {"g1": ["a", "b", "c"], "g2": ["x"]}),
    11: (5, {"g1": ["a", "b"], "g2": ["x", "y"]}),  # g1 dropped c, g2 added y
    12: (3, {"g1": ["a", "b", "c", "d"]}),  # an older observation, loaded last or first
    13: (9, {"g3": ["t"]}),  # g1 and g2 not listed in this window: nothing erased
}


def window(d: int) -> Window:
    return Window(datetime(2024, 1, d, tzinfo=LA), datetime(2024, 1, d + 1, tzinfo=LA))


@pytest.fixture
def engine(warehouse_url: URL) -> Iterator[sa.Engine]:
    eng = sa.create_engine(warehouse_url)
    yield eng
    eng.dispose()


def load_window(engine: sa.Engine, d: int) -> None:
    """Staging for day `d` as its extraction left it, then the bridge's run for that day."""
    fetched, topics = WINDOWS[d]
    rows = [
        {
            "group_id": g,
            "topic_id": t,
            "partition_date": date(2024, 1, d),
            "observed_at": datetime(2024, 2, fetched, tzinfo=UTC),
        }
        for g, ts in topics.items()
        for t in ts
    ]
    write(engine, TableRows(staging.stg_group_topics, rows), window(d))
    write(engine, TableSelect(marts.bridge_group_topic, BRIDGE_SQL, {}), window(d))


def bridge(engine: sa.Engine) -> dict[str, list[str]]:
    b = marts.bridge_group_topic
    out: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for g, t in conn.execute(sa.select(b.c.group_id, b.c.topic_id).order_by(b.c.topic_id)):
            out.setdefault(g, []).append(t)
    return out


EXPECTED = {"g1": ["a", "b"], "g2": ["x", "y"], "g3": ["t"]}


@pytest.mark.parametrize("order", [(10, 11, 12, 13), (13, 12, 11, 10), (12, 10, 13, 11)])
def test_a_dropped_topic_leaves_the_bridge_in_any_load_order(
    engine: sa.Engine, order: tuple[int, ...]
) -> None:
    for d in order:
        load_window(engine, d)
    assert bridge(engine) == EXPECTED
    load_window(engine, order[0])  # re-running a window changes nothing
    assert bridge(engine) == EXPECTED


def test_keys_and_observation_times(engine: sa.Engine) -> None:
    for d in WINDOWS:
        load_window(engine, d)
    b = marts.bridge_group_topic
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(b.c.group_id, b.c.topic_id, b.c.group_key, b.c.topic_key, b.c.observed_at)
        ).all()
        key = conn.execute(sa.text("SELECT rules.surrogate_key('g1')")).scalar_one()
    assert {r.group_key for r in rows if r.group_id == "g1"} == {key}
    newest = {r.group_id: r.observed_at for r in rows}
    assert newest["g1"] == datetime(2024, 2, 5, tzinfo=UTC)
    assert newest["g3"] - newest["g2"] == timedelta(days=4)
    assert len(list(itertools.chain(*EXPECTED.values()))) == len(rows)
