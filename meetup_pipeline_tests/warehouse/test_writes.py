"""Window writes against a real PostgreSQL: atomicity, idempotency, concurrency, errors."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from meetup_pipeline.warehouse.policy import WindowReplace
from meetup_pipeline.warehouse.relations import TableRows, TableSelect, WarehouseWriteError, Window
from meetup_pipeline.warehouse.writes import write
from meetup_pipeline_tests.warehouse.tables import LA, dim_table, event_rows, events_table

JAN = Window(datetime(2024, 1, 1, tzinfo=LA), datetime(2024, 2, 1, tzinfo=LA))
JAN_15 = Window(datetime(2024, 1, 15, tzinfo=LA), datetime(2024, 1, 16, tzinfo=LA))


def rows_of(engine: sa.Engine, table: sa.Table) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(table).order_by(*table.c))]


@pytest.fixture
def engine(warehouse_url: URL) -> Iterator[sa.Engine]:
    eng = sa.create_engine(warehouse_url)
    yield eng
    eng.dispose()


def test_replace_window_is_idempotent_and_leaves_other_days(engine: sa.Engine) -> None:
    table = events_table()
    write(engine, TableRows(table, event_rows(JAN.start, JAN.end)), JAN)
    first = rows_of(engine, table)
    assert len(first) == 31 * 3
    result = write(engine, TableRows(table, event_rows(JAN_15.start, JAN_15.end, tag="v2")), JAN_15)
    assert (result.written, result.window_rows, result.table_rows) == (3, 3, 93)
    write(engine, TableRows(table, event_rows(JAN_15.start, JAN_15.end, tag="v2")), JAN_15)
    second = rows_of(engine, table)
    assert len(second) == 93
    changed = [r for r in second if r[2].endswith("v2")]
    assert {r[0] for r in changed} == {"2024-01-15-0", "2024-01-15-1", "2024-01-15-2"}
    assert [r for r in second if not r[2].endswith("v2")] == [
        r for r in first if not r[0].startswith("2024-01-15")
    ]


def test_dst_days_are_23_and_25_hours(engine: sa.Engine) -> None:
    table = events_table()
    spring = Window(datetime(2024, 3, 10, tzinfo=LA), datetime(2024, 3, 11, tzinfo=LA))
    fall = Window(datetime(2024, 11, 3, tzinfo=LA), datetime(2024, 11, 4, tzinfo=LA))
    # Python subtracts wall times within one zone; the real length needs instants.
    assert spring.end.astimezone(UTC) - spring.start.astimezone(UTC) == timedelta(hours=23)
    assert fall.end.astimezone(UTC) - fall.start.astimezone(UTC) == timedelta(hours=25)
    whole = Window(datetime(2024, 3, 9, tzinfo=LA), datetime(2024, 11, 5, tzinfo=LA))
    write(engine, TableRows(table, event_rows(whole.start, whole.end)), whole)
    before = rows_of(engine, table)
    for day in (spring, fall):
        result = write(engine, TableRows(table, event_rows(day.start, day.end, tag="x")), day)
        assert result.written == result.window_rows == 3
    after = rows_of(engine, table)
    assert len(after) == len(before)
    rewritten = sorted(r[0] for r in after if r[2].endswith("x"))
    assert rewritten == sorted(f"{d}-{i}" for d in ("2024-03-10", "2024-11-03") for i in range(3))


def test_row_outside_window_is_refused(engine: sa.Engine) -> None:
    table = events_table()
    rows = event_rows(JAN_15.start, JAN_15.end) + event_rows(
        JAN_15.end, JAN_15.end + timedelta(days=1)
    )
    with pytest.raises(WarehouseWriteError, match="outside the window"):
        write(engine, TableRows(table, rows), JAN_15)
    assert rows_of(engine, table) == []


def test_exception_in_the_middle_of_copy_keeps_old_rows(engine: sa.Engine) -> None:
    table = events_table()
    write(engine, TableRows(table, event_rows(JAN.start, JAN.end)), JAN)
    before = rows_of(engine, table)

    def failing() -> Iterator[dict[str, Any]]:
        rows = event_rows(JAN.start, JAN.end, tag="new")
        yield from rows[:40]
        raise RuntimeError("source broke mid-stream")

    with pytest.raises(RuntimeError, match="mid-stream"):
        write(engine, TableRows(table, failing()), JAN)
    assert rows_of(engine, table) == before


def test_bad_value_names_the_column_and_writes_nothing(engine: sa.Engine) -> None:
    table = events_table()
    write(engine, TableRows(table, event_rows(JAN_15.start, JAN_15.end)), JAN_15)
    before = rows_of(engine, table)
    rows = event_rows(JAN_15.start, JAN_15.end, tag="bad")
    rows[1]["rsvp_count"] = "lots"
    with pytest.raises(
        WarehouseWriteError, match=r"row 2 column 'rsvp_count'.*nothing was written"
    ):
        write(engine, TableRows(table, rows), JAN_15)
    assert rows_of(engine, table) == before
    rows[1]["rsvp_count"] = {"not": "an int"}
    with pytest.raises(WarehouseWriteError, match="column 'rsvp_count'"):
        write(engine, TableRows(table, rows), JAN_15)
    rows[1]["rsvp_count"] = 1
    rows[1]["surprise"] = 1
    with pytest.raises(WarehouseWriteError, match="not columns: surprise"):
        write(engine, TableRows(table, rows), JAN_15)
    assert rows_of(engine, table) == before


def test_select_output_runs_inside_postgres(engine: sa.Engine) -> None:
    source = events_table()
    write(engine, TableRows(source, event_rows(JAN.start, JAN.end)), JAN)
    target = events_table(name="events_copy")
    select = """
        SELECT event_id, starts_at, upper(title) AS title, rsvp_count * 10 AS rsvp_count, payload
        FROM raw.events WHERE starts_at >= :window_start AND starts_at < :window_end
    """
    result = write(engine, TableSelect(target, select), JAN_15)
    assert result.written == result.window_rows == 3
    assert sorted(r[3] for r in rows_of(engine, target)) == [0, 10, 20]
    leaky = "SELECT event_id, starts_at, title, rsvp_count, payload FROM raw.events"
    with pytest.raises(WarehouseWriteError, match="outside the window"):
        write(engine, TableSelect(target, leaky), JAN_15)
    assert len(rows_of(engine, target)) == 3


def test_unpartitioned_output_replaces_the_table(engine: sa.Engine) -> None:
    table = events_table()
    write(engine, TableRows(table, event_rows(JAN.start, JAN.end)), None)
    write(engine, TableRows(table, event_rows(JAN_15.start, JAN_15.end)), None)
    assert len(rows_of(engine, table)) == 3


def test_concurrent_writers_to_one_window_leave_one_copy(engine: sa.Engine) -> None:
    table = events_table()
    write(engine, TableRows(table, event_rows(JAN.start, JAN.end)), JAN)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def writer(tag: str) -> None:
        def slow_rows() -> Iterator[dict[str, Any]]:
            for i, row in enumerate(event_rows(JAN.start, JAN.end, tag=tag)):
                if i == 10:
                    time.sleep(0.05)  # hold the window open while the others arrive
                yield row

        try:
            barrier.wait(timeout=30)
            write(engine, TableRows(table, slow_rows()), JAN)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    rows = rows_of(engine, table)
    assert len(rows) == 93
    assert len({r[2][-2:] for r in rows}) == 1, "one writer's window, not a mix"


def test_merge_mode_out_of_order_equals_in_order(warehouse_url: URL, pg_server: Any) -> None:
    from meetup_pipeline_tests.conftest import create_database

    def obs(day: int, members: int, name: str) -> list[dict[str, Any]]:
        at = datetime(2024, 1, day, 12, tzinfo=LA)
        return [
            {"thing_id": "a", "name": name, "members": members, "observed_at": at},
            {"thing_id": f"only-{day}", "name": name, "members": day, "observed_at": at},
        ]

    batches = [obs(1, 10, "old"), obs(2, 20, "mid"), obs(3, 30, "new")]
    results = []
    for order in ([0, 1, 2], [2, 0, 1], [1, 2, 0]):
        eng = sa.create_engine(pg_server.url(create_database(pg_server)))
        table = dim_table()
        for i in order:
            write(eng, TableRows(table, batches[i]), None)
        results.append(rows_of(eng, table))
        eng.dispose()
    assert results[0] == results[1] == results[2]
    assert next(r for r in results[0] if r[0] == "a")[1:3] == ("new", 30)
    assert len(results[0]) == 4


def test_merge_collapses_duplicates_within_a_batch(engine: sa.Engine) -> None:
    table = dim_table()
    at = datetime(2024, 1, 1, tzinfo=LA)
    rows = [
        {"thing_id": "a", "name": "first", "members": 1, "observed_at": at},
        {"thing_id": "a", "name": "second", "members": 2, "observed_at": at + timedelta(hours=1)},
    ]
    write(engine, TableRows(table, rows), None)
    assert rows_of(engine, table) == [("a", "second", 2, at + timedelta(hours=1))]


KILLED_WRITER = r"""
import sys, time
from datetime import datetime
import sqlalchemy as sa
from meetup_pipeline.warehouse.writes import write
from meetup_pipeline.warehouse.relations import TableRows, Window
from meetup_pipeline_tests.warehouse.tables import LA, event_rows, events_table

window = Window(datetime(2024, 1, 1, tzinfo=LA), datetime(2024, 2, 1, tzinfo=LA))
engine = sa.create_engine(sys.argv[1])

def rows():
    for i, row in enumerate(event_rows(window.start, window.end, tag="killed")):
        if i == 50:
            print("halfway", flush=True)
            time.sleep(600)
        yield row

write(engine, TableRows(events_table(), rows()), window)
"""


def test_sigkilled_writer_leaves_the_window_as_it_was(
    engine: sa.Engine, warehouse_url: URL
) -> None:
    table = events_table()
    write(engine, TableRows(table, event_rows(JAN.start, JAN.end)), JAN)
    before = rows_of(engine, table)
    url = warehouse_url.render_as_string(hide_password=False)
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "halfway"
        with engine.connect() as conn:  # the writer holds its lock mid-COPY
            held = conn.execute(
                sa.text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")
            ).scalar_one()
        assert held == 1
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert rows_of(engine, table) == before
    result = write(engine, TableRows(table, event_rows(JAN.start, JAN.end, tag="next")), JAN)
    assert result.window_rows == 93
    assert all(r[2].endswith("next") for r in rows_of(engine, table))


def test_a_row_that_moved_to_another_day_exists_once(engine: sa.Engine) -> None:
    moving = WindowReplace("starts_at", moves_between_partitions="event_id")
    table = events_table(name="moving", policy=moving)
    source = events_table()
    write(engine, TableRows(source, event_rows(JAN.start, JAN.end)), JAN)
    select = (
        "SELECT event_id, starts_at, title, rsvp_count, payload FROM raw.events "
        "WHERE starts_at >= :window_start AND starts_at < :window_end"
    )
    write(engine, TableSelect(table, select), JAN)
    # The 2024-01-15 event number 1 is rescheduled to 2024-01-20 noon.
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE raw.events SET starts_at = :t WHERE event_id = '2024-01-15-1'"),
            {"t": datetime(2024, 1, 20, 12, tzinfo=LA)},
        )
    jan_20 = Window(datetime(2024, 1, 20, tzinfo=LA), datetime(2024, 1, 21, tzinfo=LA))
    write(engine, TableSelect(table, select), jan_20)
    rows = rows_of(engine, table)
    assert len(rows) == 93
    moved = [r for r in rows if r[0] == "2024-01-15-1"]
    assert len(moved) == 1 and moved[0][1] == datetime(2024, 1, 20, 12, tzinfo=LA)
