"""Real Dagster runs of the asset graph on the sandbox and a real PostgreSQL."""

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from meetup_pipeline.definitions import make_definitions
from meetup_pipeline.defs.resources import SandboxMeetupResource
from meetup_pipeline.meetup import MeetupResource
from meetup_pipeline.sandbox.world import build_world
from meetup_pipeline.warehouse.resource import Warehouse

SANDBOX_NOW = "2025-01-01T00:00:00-08:00"
LOAD_TIME_COLUMNS = {"fetched_at", "observed_at", "snapshot_at"}
"""Columns that record when a row was loaded; they differ between two loads by design."""


@pytest.fixture(autouse=True)
def fixed_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEETUP_SANDBOX_NOW", SANDBOX_NOW)
    monkeypatch.setenv("MEETUP_SANDBOX_RATE_LIMIT", "off")
    monkeypatch.delenv("MEETUP_SANDBOX_FAULTS", raising=False)


Runner = Callable[..., dg.ExecuteInProcessResult]


def runner_for(url: URL, meetup: MeetupResource | None = None) -> Runner:
    """Run every partitioned asset (and its checks) over a day or a range, in one run."""
    warehouse = Warehouse(url=url.render_as_string(hide_password=False))
    defs = make_definitions(warehouse, meetup or SandboxMeetupResource())
    partitioned = [a for a in defs.assets or [] if getattr(a, "partitions_def", None)]
    job = dg.define_asset_job("pipeline", selection=dg.AssetSelection.assets(*partitioned))
    resolved = dg.Definitions.merge(defs, dg.Definitions(jobs=[job])).resolve_job_def("pipeline")

    def run(
        start: str,
        end: str | None = None,
        raise_on_error: bool = True,
        run_config: dict[str, Any] | None = None,
    ) -> Any:
        if end is None:
            return resolved.execute_in_process(
                run_config, partition_key=start, raise_on_error=raise_on_error
            )
        tags = {
            "dagster/asset_partition_range_start": start,
            "dagster/asset_partition_range_end": end,
        }
        return resolved.execute_in_process(run_config, tags=tags, raise_on_error=raise_on_error)

    return run


@pytest.fixture
def engine(warehouse_url: URL) -> Iterator[sa.Engine]:
    eng = sa.create_engine(warehouse_url)
    yield eng
    eng.dispose()


def checksums(
    engine: sa.Engine, schemas: tuple[str, ...] = ("raw", "staging", "marts")
) -> dict[str, Any]:
    """md5 over each table's rows (sorted), leaving out load-time columns."""
    out: dict[str, Any] = {}
    inspector = sa.inspect(engine)
    with engine.connect() as conn:
        for schema in schemas:
            for name in sorted(inspector.get_table_names(schema=schema)):
                cols = [
                    c["name"]
                    for c in inspector.get_columns(name, schema=schema)
                    if c["name"] not in LOAD_TIME_COLUMNS
                ]
                quote = engine.dialect.identifier_preparer
                select = ", ".join(quote.quote(c) for c in cols)
                source = f"{quote.quote(schema)}.{quote.quote(name)}"
                sql = (
                    "SELECT md5(string_agg(t::text, ',' ORDER BY t::text)), count(*) "
                    f"FROM (SELECT {select} FROM {source}) AS t"
                )
                out[f"{schema}.{name}"] = tuple(conn.execute(sa.text(sql)).one())
    return out


def oracle_event_ids(start: datetime, end: datetime) -> set[str]:
    """What the sandbox holds for the window, for the groups its search can find."""
    now = datetime.fromisoformat(SANDBOX_NOW)
    world = build_world()
    groups = [g.id for g in world.groups if world.searchable(g, now) and world.in_default_radius(g)]
    return {e.id for e in world.events_between(start, end, now, group_ids=groups)}
