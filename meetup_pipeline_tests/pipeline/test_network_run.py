"""A Pro network alone through every partitioned asset: a real Dagster run, real PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import URL

from meetup_pipeline.resources import SandboxMeetupResource

from .conftest import runner_for


def test_a_network_alone_loads_its_chapters_and_events(
    warehouse_url: URL, engine: sa.Engine
) -> None:
    meetup = SandboxMeetupResource(pro_network="sandbox-network", search=False)
    result = runner_for(warehouse_url, meetup)("2024-03-01", "2024-03-14")
    assert result.success
    with engine.connect() as conn:
        raw = conn.execute(sa.text("SELECT count(*), count(DISTINCT event_id) FROM raw.raw_events"))
        raw_rows, raw_ids = raw.one()
        sources = conn.execute(sa.text("SELECT DISTINCT sources FROM raw.raw_events")).scalars()
        facts = conn.execute(sa.text("SELECT count(*) FROM marts.fact_events")).scalar_one()
        countries = conn.execute(
            sa.text("SELECT count(DISTINCT country) FROM marts.dim_group WHERE group_key <> -1")
        ).scalar_one()
        unknown = conn.execute(
            sa.text("SELECT count(*) FROM marts.fact_events WHERE group_key = -1")
        ).scalar_one()
    assert raw_rows == raw_ids == facts > 30
    assert list(sources) == [["network:sandbox-network"]]
    assert countries >= 15 and unknown == 0  # the chapters that met in those two weeks
