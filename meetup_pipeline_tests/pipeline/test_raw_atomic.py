"""The raw layer of a window is all-or-nothing across raw_groups, raw_events, raw_rejects."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from meetup_pipeline.assets.raw import Record, land_window
from meetup_pipeline.meetup.client import _parse
from meetup_pipeline.meetup.models import Event, Group, Reject
from meetup_pipeline.warehouse.relations import Window
from meetup_pipeline.warehouse.resource import Warehouse
from meetup_pipeline.warehouse.writes import WarehouseWriteError
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

    outside = [*_records("third"), _event(99, WINDOW.end + timedelta(days=3))]
    with pytest.raises(WarehouseWriteError, match="outside the window"):
        land_window(warehouse, outside, WINDOW, now, "api")
    assert checksums(engine, ("raw",)) == before
    engine.dispose()
