"""Streaming the raw layer changes nothing: the same window of the same world gives the
same raw, staging and marts tables as landing a whole in-memory extraction."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg
import sqlalchemy as sa

from meetup_pipeline.definitions import make_definitions
from meetup_pipeline.defs.assets.raw import land_window, raw_meetup
from meetup_pipeline.defs.resources import SandboxMeetupResource
from meetup_pipeline.warehouse.relations import Window
from meetup_pipeline.warehouse.resource import Warehouse
from meetup_pipeline_tests.conftest import create_database
from meetup_pipeline_tests.pipeline.conftest import checksums, runner_for

LA = ZoneInfo("America/Los_Angeles")
FIRST, LAST = "2024-01-01", "2024-02-29"
WINDOW = Window(datetime(2024, 1, 1, tzinfo=LA), datetime(2024, 3, 1, tzinfo=LA))
RANGE = {"dagster/asset_partition_range_start": FIRST, "dagster/asset_partition_range_end": LAST}


def _downstream_of_raw(url: str) -> Any:
    defs = make_definitions(Warehouse(url=url), SandboxMeetupResource())
    partitioned = [a for a in defs.assets or [] if getattr(a, "partitions_def", None)]
    selection = dg.AssetSelection.assets(*partitioned) - dg.AssetSelection.assets(raw_meetup)
    job = dg.define_asset_job("after_raw", selection=selection)
    return dg.Definitions.merge(defs, dg.Definitions(jobs=[job])).resolve_job_def("after_raw")


def test_marts_equal_those_of_a_whole_in_memory_extraction(
    engine: sa.Engine, pg_server: Any
) -> None:
    assert runner_for(engine.url)(FIRST, LAST).success  # streamed

    url = pg_server.url(create_database(pg_server))
    whole = SandboxMeetupResource().extract_window(WINDOW.start, WINDOW.end)  # one list per kind
    records = [*whole.groups, *whole.events, *whole.rejects]
    warehouse = Warehouse(url=url.render_as_string(hide_password=False))
    land_window(warehouse, records, WINDOW, whole.fetched_at, whole.source)
    job = _downstream_of_raw(url.render_as_string(hide_password=False))
    assert job.execute_in_process(tags=RANGE).success

    other = sa.create_engine(url)
    try:
        streamed, in_memory = checksums(engine), checksums(other)
    finally:
        other.dispose()
    assert streamed == in_memory
    assert streamed["marts.fact_events"][1] == len(whole.events) > 300
