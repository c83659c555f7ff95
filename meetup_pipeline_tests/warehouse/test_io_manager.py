"""The IO manager inside real Dagster runs: partitions, ranges, metadata, URL choice; it never
loads an input (a child reads its parents in SQL)."""

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from meetup_pipeline.warehouse.embedded import ensure_server, stop_server
from meetup_pipeline.warehouse.io_manager import PostgresIOManager
from meetup_pipeline.warehouse.relations import TableRows, TableSelect
from meetup_pipeline.warehouse.resource import Warehouse, warehouse_from_env
from meetup_pipeline_tests.conftest import reachable_tempdir
from meetup_pipeline_tests.warehouse.tables import event_rows, events_table

DAILY = dg.DailyPartitionsDefinition(start_date="2024-01-01", timezone="America/Los_Angeles")
EVENTS = events_table()
COPY = events_table(name="events_daily_copy")
VARIED = events_table(name="events_varied")


def per_day(day: date) -> int:
    """A different count each day, and none on the 15th."""
    return 0 if day.day == 15 else day.day % 4 + 1


@dg.asset(
    partitions_def=DAILY,
    backfill_policy=dg.BackfillPolicy.single_run(),
    metadata={"partition_expr": "starts_at", "dagster/table_name": "raw.events"},
)
def events(context: dg.AssetExecutionContext) -> TableRows:
    tw = context.partition_time_window
    return TableRows(EVENTS, event_rows(tw.start, tw.end))


@dg.asset(
    partitions_def=DAILY,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=[events],
    metadata={"dagster/table_name": "raw.events_daily_copy"},
)
def events_daily_copy() -> TableSelect:
    return TableSelect(
        COPY,
        "SELECT event_id, starts_at, title, rsvp_count + 100 AS rsvp_count, payload "
        "FROM raw.events WHERE starts_at >= :window_start AND starts_at < :window_end",
    )


@dg.asset(partitions_def=DAILY, backfill_policy=dg.BackfillPolicy.single_run())
def event_titles(events: list) -> None:  # type: ignore[type-arg]
    """Takes its parent as an input, which this IO manager refuses."""
    raise AssertionError("never reached: the input is refused before the body runs")


@dg.asset(partitions_def=DAILY, backfill_policy=dg.BackfillPolicy.single_run())
def events_varied(context: dg.AssetExecutionContext) -> TableRows:
    tw = context.partition_time_window
    rows: list[dict[str, Any]] = []
    day = tw.start
    while day < tw.end:
        rows += event_rows(day, day + timedelta(days=1), per_day=per_day(day.date()))
        day += timedelta(days=1)
    return TableRows(VARIED, [r for r in rows if r["starts_at"] < tw.end])


def defs_for(url: URL | None) -> dg.Definitions:
    warehouse = Warehouse(url=url.render_as_string(hide_password=False)) if url else Warehouse()
    return dg.Definitions(
        assets=[events, events_daily_copy],
        resources={"io_manager": PostgresIOManager(warehouse=warehouse), "warehouse": warehouse},
    )


def count(url: URL, sql: str) -> Any:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql)).scalar_one()
    finally:
        engine.dispose()


def test_single_partition_and_metadata(warehouse_url: URL) -> None:
    defs = defs_for(warehouse_url)
    job = defs.resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(partition_key="2024-03-10")
    assert result.success
    mat = result.asset_materializations_for_node("events")[0]
    assert mat.metadata["dagster/partition_row_count"].value == 3
    assert mat.metadata["dagster/row_count"].value == 3
    assert mat.metadata["dagster/table_name"].value == "raw.events"
    names = [c.name for c in mat.metadata["dagster/column_schema"].value.columns]
    assert names == ["event_id", "starts_at", "title", "rsvp_count", "payload"]
    assert count(warehouse_url, "SELECT sum(rsvp_count) FROM raw.events_daily_copy") == 303


def test_an_input_is_refused_with_the_fix(warehouse_url: URL) -> None:
    """No asset reads rows through the IO manager: asking for them names the fix."""
    warehouse = Warehouse(url=warehouse_url.render_as_string(hide_password=False))
    defs = dg.Definitions(
        assets=[events, event_titles],
        resources={"io_manager": PostgresIOManager(warehouse=warehouse)},
    )
    job = defs.resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(partition_key="2024-03-10", raise_on_error=False)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    message = str(failure.step_failure_data.error)
    assert "assets read their parents in SQL" in message and "deps" in message
    assert count(warehouse_url, "SELECT count(*) FROM raw.events") == 3  # the parent was written


def test_range_in_one_run_across_dst_equals_day_by_day(warehouse_url: URL, pg_server: Any) -> None:
    from meetup_pipeline_tests.conftest import create_database

    job = defs_for(warehouse_url).resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(
        tags={
            "dagster/asset_partition_range_start": "2024-03-01",
            "dagster/asset_partition_range_end": "2024-03-31",
        }
    )
    assert result.success
    mat = result.asset_materializations_for_node("events")
    assert len(mat) == 31  # one materialization event per partition in the range
    assert count(warehouse_url, "SELECT count(*) FROM raw.events") == 93
    assert count(warehouse_url, "SELECT count(*) FROM raw.events_daily_copy") == 93

    other = pg_server.url(create_database(pg_server))
    day_job = defs_for(other).resolve_implicit_global_asset_job_def()
    days = ["2024-03-31", "2024-03-10", "2024-03-01"]  # out of order, DST day included
    days += [f"2024-03-{d:02d}" for d in range(2, 31) if d != 10]
    for day in days:
        assert day_job.execute_in_process(partition_key=day).success
    checksum = (
        "SELECT md5(string_agg(event_id || starts_at::text || title || rsvp_count, ',' "
        "ORDER BY event_id)) FROM raw.events_daily_copy"
    )
    assert count(warehouse_url, checksum) == count(other, checksum)


def test_meetup_warehouse_url_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second real server on its own data directory, selected only by the variable."""
    pgdata = reachable_tempdir("meetup-second-") / "second"
    second = ensure_server(pgdata, databases=("elsewhere",))
    home = tmp_path / "home"  # a fresh MEETUP_HOME: the embedded default must stay unmade
    try:
        url = second.url("elsewhere").set(drivername="postgresql")  # as a user would write it
        monkeypatch.setenv("MEETUP_WAREHOUSE_URL", url.render_as_string(hide_password=False))
        monkeypatch.setenv("MEETUP_HOME", str(home))
        warehouse = warehouse_from_env()
        assert not warehouse.is_embedded
        defs = dg.Definitions(
            assets=[events],
            resources={"io_manager": PostgresIOManager(warehouse=warehouse)},
        )
        job = defs.resolve_implicit_global_asset_job_def()
        assert job.execute_in_process(partition_key="2024-01-02").success
        assert count(second.url("elsewhere"), "SELECT count(*) FROM raw.events") == 3
        assert not (home / "pgdata").exists(), "the embedded server was started anyway"
    finally:
        stop_server(pgdata)


def test_bad_and_unreachable_urls_are_clear(monkeypatch: pytest.MonkeyPatch) -> None:
    from meetup_pipeline.warehouse.resource import WarehouseConfigError, WarehouseUnavailable

    with pytest.raises(WarehouseConfigError, match="must point at PostgreSQL"):
        Warehouse(url="mysql://u:hunter2@h/db").resolved_url()
    with pytest.raises(WarehouseConfigError, match="not a valid database URL"):
        Warehouse(url="::nonsense::").resolved_url()
    warehouse = Warehouse(url="postgresql://u:hunter2@127.0.0.1:9/db?connect_timeout=2")
    with pytest.raises(WarehouseUnavailable, match="MEETUP_WAREHOUSE_URL") as info:
        warehouse.get_engine()
    assert "hunter2" not in str(info.value)
    assert "hunter2" not in warehouse.describe()


def test_each_partition_of_a_range_says_its_own_row_count(warehouse_url: URL) -> None:
    """A range run writes one window; each partition's materialization carries that day's
    rows (the UI's `dagster/partition_row_count`), not the window's, across DST."""
    warehouse = Warehouse(url=warehouse_url.render_as_string(hide_password=False))
    defs = dg.Definitions(
        assets=[events_varied], resources={"io_manager": PostgresIOManager(warehouse=warehouse)}
    )
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        tags={
            "dagster/asset_partition_range_start": "2024-03-01",
            "dagster/asset_partition_range_end": "2024-03-31",
        }
    )
    assert result.success
    mats = result.asset_materializations_for_node("events_varied")
    said = {m.partition: m.metadata["dagster/partition_row_count"].value for m in mats}
    engine = sa.create_engine(warehouse_url)
    with engine.connect() as conn:
        stored = dict(
            conn.execute(
                sa.text(
                    "SELECT (starts_at AT TIME ZONE 'America/Los_Angeles')::date::text, "
                    "count(*) FROM raw.events_varied GROUP BY 1"
                )
            ).all()
        )
    engine.dispose()
    days = [date(2024, 3, d) for d in range(1, 32)]
    assert said == {d.isoformat(): per_day(d) for d in days}
    assert said == {d.isoformat(): stored.get(d.isoformat(), 0) for d in days}
    assert said["2024-03-15"] == 0 and said["2024-03-10"] == 3  # none; the DST day
    assert all(m.metadata["dagster/row_count"].value == sum(said.values()) for m in mats)
