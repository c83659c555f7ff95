"""The daily schedule: one run over yesterday plus the 7-day restatement window."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
import sqlalchemy as sa
from dagster._utils.schedules import cron_string_iterator
from sqlalchemy.engine import URL

from meetup_pipeline.assets.partitions import daily
from meetup_pipeline.definitions import defs, make_definitions
from meetup_pipeline.resources import SandboxMeetupResource
from meetup_pipeline.schedules import (
    DAILY_JOB_NAME,
    DAILY_RUN_PRIORITY,
    daily_schedule,
    daily_window,
)
from meetup_pipeline.warehouse.resource import Warehouse

LA = ZoneInfo("America/Los_Angeles")
START = "dagster/asset_partition_range_start"
END = "dagster/asset_partition_range_end"


def tick(scheduled: datetime) -> dg.RunRequest | dg.SkipReason:
    """Evaluate the schedule as the daemon does, for one scheduled time."""
    context = dg.build_schedule_context(scheduled_execution_time=scheduled)
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
    scheduled: datetime, first: str, last: str
) -> None:
    request = tick(scheduled)
    assert isinstance(request, dg.RunRequest)
    assert request.tags[START] == first
    assert request.tags[END] == last
    assert request.tags["dagster/priority"] == str(DAILY_RUN_PRIORITY)
    assert request.partition_key is None  # a range run, not a single partition
    assert request.run_key == f"daily-{last}"
    keys = daily.get_partition_keys_in_range(dg.PartitionKeyRange(first, last))
    assert keys[0] == first and keys[-1] == last
    assert len(keys) == min(8, (datetime.fromisoformat(last) - datetime(2008, 1, 1)).days + 1)


def test_no_run_before_the_first_day_is_complete() -> None:
    result = tick(datetime(2008, 1, 1, 0, 15, tzinfo=LA))
    assert isinstance(result, dg.SkipReason)
    assert "2008-01-01" in (result.skip_message or "")
    assert daily_window(datetime(2007, 12, 31, 12, tzinfo=LA)) is None


def test_ticks_are_at_0015_bay_area_time_across_dst() -> None:
    assert daily_schedule.execution_timezone == "America/Los_Angeles"
    start = datetime(2025, 3, 7, tzinfo=LA).timestamp()
    ticks = cron_string_iterator(start, daily_schedule.cron_schedule, "America/Los_Angeles")
    local = [next(ticks).astimezone(LA) for _ in range(4)]
    assert [(t.day, t.hour, t.minute) for t in local] == [
        (7, 0, 15),
        (8, 0, 15),
        (9, 0, 15),
        (10, 0, 15),
    ]
    # 2025-03-09 has 23 hours, so the UTC gap before the 10th's tick is 23 h.
    assert local[3].timestamp() - local[2].timestamp() == timedelta(hours=23).total_seconds()


def test_scheduled_request_runs_the_whole_window_in_one_run(warehouse_url: URL) -> None:
    """The real daily job, over the fall-back week, from the schedule's own run request."""
    request = tick(datetime(2024, 11, 4, 0, 15, tzinfo=LA))
    assert isinstance(request, dg.RunRequest)
    warehouse = Warehouse(url=warehouse_url.render_as_string(hide_password=False))
    job = make_definitions(warehouse, SandboxMeetupResource()).resolve_job_def(DAILY_JOB_NAME)
    with dg.DagsterInstance.ephemeral() as instance:
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
