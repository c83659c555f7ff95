"""The raw layer of a window is all-or-nothing across raw_groups, raw_events, raw_rejects,
and streaming a window blocks no other raw write (load-then-swap)."""

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from meetup_pipeline.defs.assets.raw import Record, land_window
from meetup_pipeline.meetup.client import _parse
from meetup_pipeline.meetup.models import Event, Group, Reject
from meetup_pipeline.tables.raw import load_stage, raw_events, raw_groups, raw_rejects
from meetup_pipeline.warehouse.relations import Window
from meetup_pipeline.warehouse.resource import Warehouse
from meetup_pipeline.warehouse.writes import lock_table
from meetup_pipeline_tests.pipeline.conftest import checksums

LA = ZoneInfo("America/Los_Angeles")
WINDOW = Window(datetime(2024, 6, 1, tzinfo=LA), datetime(2024, 6, 3, tzinfo=LA))


def _event(i: int, when: datetime) -> Any:
    node = {
        "id": f"e{i}",
        "title": "t",
        "status": "PAST",
        "dateTime": when.isoformat(),
        "group": {"id": f"g{i % 3}", "urlname": f"u{i % 3}"},
    }
    return _parse(Event, "event", node)


def _records(tag: str, n: int = 20) -> list[Record]:
    groups = [
        _parse(Group, "group", {"id": f"g{k}", "urlname": f"u{k}", "name": tag}) for k in range(3)
    ]
    events = [_event(i, WINDOW.start + timedelta(hours=2 * i)) for i in range(n)]
    rejects = [Reject("event", {"id": f"bad-{tag}"}, "title: Field required", "title")]
    return [*groups, *events, *rejects]  # type: ignore[list-item]


def test_a_failed_raw_write_changes_none_of_the_three_tables(warehouse_url: URL) -> None:
    warehouse = Warehouse(url=warehouse_url.render_as_string(hide_password=False))
    engine = sa.create_engine(warehouse_url)
    now = datetime.now(UTC)
    written = land_window(warehouse, _records("first"), WINDOW, now, "api")
    assert {k: v.written for k, v in written.items()} == {
        "raw_events": 20, "raw_groups": 6, "raw_rejects": 1,
    }  # fmt: skip
    before = checksums(engine, ("raw",))

    def dies_midway() -> Iterator[Record]:
        for k, record in enumerate(_records("second")):
            if k == 15:
                raise RuntimeError("the extraction died")
            yield record

    with pytest.raises(RuntimeError, match="died"):
        land_window(warehouse, dies_midway(), WINDOW, now, "api")
    assert checksums(engine, ("raw",)) == before

    # The extraction spans the window's days in every zone, so it also brings neighbouring
    # days' events: those belong to other partitions and are not landed here (issue 22).
    neighbours = [
        *_records("first"),
        _event(98, datetime(2024, 6, 3, 0, 0, tzinfo=ZoneInfo("Pacific/Kiritimati"))),
        _event(99, datetime(2024, 5, 31, 23, 59, tzinfo=ZoneInfo("Pacific/Pago_Pago"))),
    ]
    land_window(warehouse, neighbours, WINDOW, now, "api")
    assert checksums(engine, ("raw",)) == before
    engine.dispose()


OTHER_DAY = date(2024, 5, 31)


def _write_other_window(conn: sa.Connection) -> None:
    """Another window's raw write, as every raw write starts: the three write locks."""
    conn.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
    for table in sorted((raw_events, raw_groups, raw_rejects), key=lambda t: t.fullname):
        lock_table(conn, table)
    instant = datetime(2024, 5, 31, 19, tzinfo=LA)
    conn.execute(sa.delete(raw_events).where(raw_events.c.partition_date == OTHER_DAY))
    conn.execute(
        sa.insert(raw_events),
        [{"event_id": "other", "group_id": "g0", "starts_at": instant,
          "partition_date": OTHER_DAY, "fetched_at": instant, "source": "api",
          "payload": {"id": "other"}}],
    )  # fmt: skip


def _open_transactions(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND backend_type = 'client backend' AND pid <> pg_backend_pid() "
                    "AND xact_start IS NOT NULL"
                )
            ).scalar_one()
        )


def _stages_left(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.text("SELECT count(*) FROM pg_class WHERE relname = :n"),
                {"n": load_stage().name},
            ).scalar_one()
        )


def test_while_a_window_streams_other_writers_do_not_wait_and_the_old_window_stays(
    warehouse_url: URL,
) -> None:
    """Load-then-swap: records are staged with no transaction open and no raw write lock
    held, so another window's write goes through at once; the old window stays whole
    until the swap, and a failure after some chunks were staged leaves it intact."""
    warehouse = Warehouse(url=warehouse_url.render_as_string(hide_password=False))
    engine = sa.create_engine(warehouse_url)
    now = datetime.now(UTC)
    land_window(warehouse, _records("first"), WINDOW, now, "api")
    before = checksums(engine, ("raw",))
    midway, resume = threading.Event(), threading.Event()

    def slow_api(tag: str, fail: bool = False) -> Iterator[Record]:
        for k, record in enumerate(_records(tag)):
            if k == 15:  # three chunks of 4 staged by now
                midway.set()
                if fail:
                    raise RuntimeError("the extraction died")
                assert resume.wait(60)
            yield record

    with ThreadPoolExecutor(1) as pool:
        landing = pool.submit(land_window, warehouse, slow_api("second"), WINDOW, now, "api", 4)
        try:
            assert midway.wait(60)
            assert _open_transactions(engine) == 0
            assert checksums(engine, ("raw",)) == before  # the old window, nothing of "second"
            with engine.begin() as conn:
                _write_other_window(conn)  # raises LockNotAvailable after 2 s if it waits
        finally:
            resume.set()  # before the pool waits for the landing
        landing.result(timeout=60)
    with engine.connect() as conn:
        names = conn.execute(
            sa.select(sa.func.count()).where(raw_groups.c.payload["name"].astext == "second")
        ).scalar_one()
        other = conn.execute(
            sa.select(sa.func.count()).where(raw_events.c.partition_date == OTHER_DAY)
        ).scalar_one()
    assert names == 6 and other == 1  # the new window and the other one, both whole
    assert _stages_left(engine) == 0

    swapped = checksums(engine, ("raw",))
    with pytest.raises(RuntimeError, match="died"):
        land_window(warehouse, slow_api("third", fail=True), WINDOW, now, "api", 4)
    assert checksums(engine, ("raw",)) == swapped
    assert _stages_left(engine) == 0  # nothing to clean by hand
    engine.dispose()
