"""The daily schedule: one run over yesterday plus the 7-day restatement window."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
import sqlalchemy as sa
from dagster._utils.schedules import cron_string_iterator
from sqlalchemy.engine import URL

from meetup_pipeline.definitions import defs, make_definitions
from meetup_pipeline.defs.automation.schedules import (
    DAILY_JOB_NAME,
    DAILY_RUN_PRIORITY,
    DAILY_SCHEDULE_NAME,
    daily_schedule,
    daily_window,
)
from meetup_pipeline.defs.resources import SandboxMeetupResource
from meetup_pipeline.partitions import daily
from meetup_pipeline.tables import marts
from meetup_pipeline.warehouse.ddl import ensure_table
from meetup_pipeline.warehouse.resource import Warehouse

LA = ZoneInfo("America/Los_Angeles")
START = "dagster/asset_partition_range_start"
END = "dagster/asset_partition_range_end"


@pytest.fixture
def warehouse(warehouse_url: URL) -> Warehouse:
    """A real, empty warehouse: no group known yet, so the clock's zone (Bay Area) counts."""
    return Warehouse(url=warehouse_url.render_as_string(hide_password=False))


def tick(
    scheduled: datetime, warehouse: Warehouse, instance: dg.DagsterInstance | None = None
) -> dg.RunRequest | dg.SkipReason:
    """Evaluate the schedule as the daemon does, for one scheduled time."""
    # as a context manager: the instance the context opens from the ref is closed on exit
    with dg.build_schedule_context(
        scheduled_execution_time=scheduled, resources={"warehouse": warehouse}, instance=instance
    ) as context:
        data = daily_schedule.evaluate_tick(context)
    if data.run_requests:
        (request,) = data.run_requests
        return request
    return dg.SkipReason(data.skip_message)


def test_daily_job_is_every_partitioned_asset() -> None:
    repo = defs.get_repository_def()
    job = repo.get_job(DAILY_JOB_NAME)
    assert job.partitions_def == daily
    selected = job.asset_layer.executable_asset_keys
    graph = repo.asset_graph
    partitioned = {k for k in graph.get_all_asset_keys() if graph.get(k).partitions_def == daily}
    # Every daily asset, plus the dashboard when the location has one; not the snapshot.
    assert partitioned <= selected
    assert selected - partitioned <= {dg.AssetKey("dashboard")}
    assert dg.AssetKey("upcoming_events") not in selected
    assert {dg.AssetKey("raw_events"), dg.AssetKey("fact_events")} <= selected


@pytest.mark.parametrize(
    ("scheduled", "first", "last"),
    [
        # An ordinary day, as the daemon passes it (UTC) and as local time.
        (datetime(2025, 1, 1, 8, 15, tzinfo=UTC), "2024-12-24", "2024-12-31"),
        (datetime(2025, 1, 1, 0, 15, tzinfo=LA), "2024-12-24", "2024-12-31"),
        # The day after spring-forward (2025-03-09 has 23 hours): still the calendar days.
        (datetime(2025, 3, 10, 0, 15, tzinfo=LA), "2025-03-02", "2025-03-09"),
        # The day after fall-back (2024-11-03 has 25 hours).
        (datetime(2024, 11, 4, 0, 15, tzinfo=LA), "2024-10-27", "2024-11-03"),
        # The first days after the partitions start: the window is clipped to 2008-01-01.
        (datetime(2008, 1, 2, 0, 15, tzinfo=LA), "2008-01-01", "2008-01-01"),
        (datetime(2008, 1, 5, 0, 15, tzinfo=LA), "2008-01-01", "2008-01-04"),
        (datetime(2008, 1, 9, 0, 15, tzinfo=LA), "2008-01-01", "2008-01-08"),
        (datetime(2008, 1, 10, 0, 15, tzinfo=LA), "2008-01-02", "2008-01-09"),
    ],
)
def test_one_run_over_yesterday_and_the_restatement_window(
    scheduled: datetime, first: str, last: str, warehouse: Warehouse
) -> None:
    request = tick(scheduled, warehouse)
    assert isinstance(request, dg.RunRequest)
    assert request.tags[START] == first
    assert request.tags[END] == last
    assert request.tags["dagster/priority"] == str(DAILY_RUN_PRIORITY)
    assert request.partition_key is None  # a range run, not a single partition
    assert request.run_key == f"daily-{last}"
    keys = daily.get_partition_keys_in_range(dg.PartitionKeyRange(first, last))
    assert keys[0] == first and keys[-1] == last
    assert len(keys) == min(8, (datetime.fromisoformat(last) - datetime(2008, 1, 1)).days + 1)


def test_no_run_before_the_first_day_is_complete(warehouse: Warehouse) -> None:
    result = tick(datetime(2008, 1, 1, 0, 15, tzinfo=LA), warehouse)
    assert isinstance(result, dg.SkipReason)
    assert "2008-01-01" in (result.skip_message or "")
    assert daily_window(datetime(2007, 12, 31, 12, tzinfo=LA)) is None


@dg.op
def _noop() -> None:
    pass


@dg.job
def _launched_by_the_schedule() -> None:
    _noop()


def test_bay_area_runs_once_a_day_at_0015_across_dst(warehouse: Warehouse) -> None:
    """Hourly ticks; for a single region only the 00:15 tick asks for a run (yesterday)."""
    assert daily_schedule.execution_timezone == "America/Los_Angeles"
    start = datetime(2025, 3, 8, 23, 30, tzinfo=LA).timestamp()
    ticks = cron_string_iterator(start, daily_schedule.cron_schedule, "America/Los_Angeles")
    local = [next(ticks).astimezone(LA) for _ in range(27)]
    assert all(t.minute == 15 for t in local)
    requested = []
    with dg.instance_for_test() as instance:
        for moment in local:
            result = tick(moment, warehouse, instance)
            if isinstance(result, dg.RunRequest):
                requested.append((moment.day, moment.hour, result.tags[END]))
                # what the daemon does with the request: a run tagged with its key
                instance.create_run_for_job(
                    _launched_by_the_schedule,
                    tags={"dagster/run_key": result.run_key,
                          "dagster/schedule_name": DAILY_SCHEDULE_NAME},
                )  # fmt: skip
            else:
                assert "requested at an earlier tick" in (result.skip_message or "")
    # 2025-03-09 has 23 hours (02:00 does not exist): still one run per day, at 00:15
    assert requested == [(9, 0, "2025-03-08"), (10, 0, "2025-03-09")]


def add_groups(warehouse: Warehouse, zones: list[str | None]) -> None:
    engine = warehouse.get_engine()
    ensure_table(engine, marts.dim_group)
    rows = [
        {"group_key": i, "group_id": f"g{i}", "urlname": f"g{i}", "name": f"g{i}",
         "timezone": zone, "observed_at": datetime(2024, 1, 1, tzinfo=UTC)}
        for i, zone in enumerate(zones)
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(sa.insert(marts.dim_group), rows)


def test_a_day_is_run_once_it_has_ended_everywhere_the_groups_are(warehouse: Warehouse) -> None:
    """Groups in Tokyo, Honolulu and an unknown zone: 2024-12-31 ends last in Honolulu
    (UTC-10), at 02:00 on the Bay Area clock; before that the newest whole day is the 30th."""
    add_groups(warehouse, ["Asia/Tokyo", "Pacific/Honolulu", None])
    before = tick(datetime(2025, 1, 1, 1, 15, tzinfo=LA), warehouse)
    after = tick(datetime(2025, 1, 1, 2, 15, tzinfo=LA), warehouse)
    assert isinstance(before, dg.RunRequest) and isinstance(after, dg.RunRequest)
    assert (before.tags[START], before.tags[END]) == ("2024-12-23", "2024-12-30")
    assert (after.tags[START], after.tags[END]) == ("2024-12-24", "2024-12-31")
    # never newer than the partitions' own newest day (yesterday on the clock)
    add_groups_east = datetime(2025, 1, 1, 23, 15, tzinfo=LA)  # Tokyo's Jan 2 ended, not LA's
    assert daily_window(add_groups_east, [ZoneInfo("Asia/Tokyo")]) == ("2024-12-24", "2024-12-31")


def test_scheduled_request_runs_the_whole_window_in_one_run(
    warehouse_url: URL, warehouse: Warehouse
) -> None:
    """The real daily job, over the fall-back week, from the schedule's own run request."""
    request = tick(datetime(2024, 11, 4, 0, 15, tzinfo=LA), warehouse)
    assert isinstance(request, dg.RunRequest)
    job = make_definitions(warehouse, SandboxMeetupResource()).resolve_job_def(DAILY_JOB_NAME)
    with dg.instance_for_test() as instance:
        result = job.execute_in_process(tags=dict(request.tags), instance=instance)
        assert result.success
        assert len(instance.get_run_records()) == 1
    partitions = {
        e.partition
        for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey("fact_events")
    }
    assert partitions == {f"2024-10-{d}" for d in range(27, 32)} | {
        f"2024-11-0{d}" for d in range(1, 4)
    }
    engine = sa.create_engine(warehouse_url)
    try:
        with engine.connect() as conn:
            days = conn.execute(
                sa.text("SELECT min(event_date), max(event_date), count(*) FROM marts.fact_events")
            ).one()
            dates = conn.execute(sa.text("SELECT count(*) FROM marts.dim_date")).scalar_one()
    finally:
        engine.dispose()
    assert days[2] > 0
    assert str(days[0]) >= "2024-10-27" and str(days[1]) <= "2024-11-03"
    assert dates == 8
