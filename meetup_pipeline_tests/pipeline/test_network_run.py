"""A Pro network alone through every partitioned asset: a real Dagster run, real PostgreSQL.

The network is asked for the way an operator would in the UI: the run's config overrides the
`region` resource, and the `meetup` resource is left as wired (it says how to reach the API,
not what to ask for). So this proves extraction follows the region resource, the same one
the dashboard reads.
"""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from meetup_pipeline.definitions import make_definitions
from meetup_pipeline.defs.resources import SandboxMeetupResource
from meetup_pipeline.tables import raw
from meetup_pipeline.warehouse.ddl import apply_table
from meetup_pipeline.warehouse.resource import Warehouse

from .conftest import runner_for

REGION = {"resources": {"region": {"config": {"pro_network": "sandbox-network"}}}}
"""A run's override of the `region` resource: the sandbox's Pro network alone, no search."""


def test_a_network_alone_loads_its_chapters_and_events(
    warehouse_url: URL, engine: sa.Engine
) -> None:
    meetup = SandboxMeetupResource()  # how to reach the sandbox, not what to ask it for
    result = runner_for(warehouse_url, meetup)("2024-03-01", "2024-03-14", run_config=REGION)
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
    assert list(sources) == [["network:sandbox-network"]]  # the network's only, no search
    assert countries >= 15 and unknown == 0  # the chapters that met in those two weeks


def test_upcoming_events_follow_the_region_resource_too(
    warehouse_url: URL, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other extracting asset: the next 60 days of the overridden region's network."""
    # the sandbox's clock at the real now: its next 60 days are the asset's
    monkeypatch.setenv("MEETUP_SANDBOX_NOW", datetime.now(UTC).isoformat())
    warehouse = Warehouse(url=warehouse_url.render_as_string(hide_password=False))
    defs = make_definitions(warehouse, SandboxMeetupResource())
    job = dg.define_asset_job("upcoming", selection=dg.AssetSelection.assets("upcoming_events"))
    resolved = dg.Definitions.merge(defs, dg.Definitions(jobs=[job])).resolve_job_def("upcoming")
    assert resolved.execute_in_process(REGION).success
    with engine.connect() as conn:
        urlnames = conn.execute(
            sa.text("SELECT group_urlname, count(*) FROM marts.upcoming_events GROUP BY 1")
        ).all()
    assert len(urlnames) > 5  # several chapters meet in the next 60 days
    assert all(u.startswith("code-coffee-") for u, _ in urlnames), urlnames  # chapters only


def test_a_warehouse_from_before_gets_the_sources_column_added(engine: sa.Engine) -> None:
    """The code-owned DDL adds the new nullable column; rows loaded before read null."""
    with engine.begin() as conn:
        conn.execute(sa.schema.CreateSchema("raw", if_not_exists=True))
        raw.raw_events.create(conn)  # then as declared before the column
        raw.raw_groups.create(conn)
        conn.execute(sa.text("ALTER TABLE raw.raw_events DROP COLUMN sources"))
        conn.execute(sa.text("ALTER TABLE raw.raw_groups DROP COLUMN sources"))
        conn.execute(
            sa.text(
                "INSERT INTO raw.raw_groups (group_id, urlname, partition_date, fetched_at, "
                "source, payload) VALUES ('g1', 'u1', '2024-01-01', now(), 'api', '{}')"
            )
        )
        for table in (raw.raw_events, raw.raw_groups):
            apply_table(conn, table)
        columns = {c["name"] for c in sa.inspect(conn).get_columns("raw_groups", schema="raw")}
        before = conn.execute(sa.text("SELECT sources FROM raw.raw_groups")).scalar_one()
    assert "sources" in columns and before is None
