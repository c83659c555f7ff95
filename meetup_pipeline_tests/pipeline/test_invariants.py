"""The pipeline's promises, each proven with real runs: complete, idempotent, order-free,
atomic and incremental."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from meetup_pipeline_tests.conftest import create_database
from meetup_pipeline_tests.pipeline.conftest import checksums, oracle_event_ids, runner_for

LA = ZoneInfo("America/Los_Angeles")


def scalar(engine: sa.Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar_one()


def test_a_window_is_complete_and_idempotent(engine: sa.Engine, warehouse_url: URL) -> None:
    """Every sandbox event of the window reaches fact_events exactly once; twice = once."""
    run = runner_for(warehouse_url)
    result = run("2024-03-08", "2024-03-12")  # across the spring-forward night
    assert result.success
    checks = result.get_asset_check_evaluations()
    failed = [c.asset_check_key.name for c in checks if not c.passed]
    # a 2024 window loaded by hand, with no schedule on, is not late (defs/checks/freshness.py)
    assert set(failed) <= {"fact_events_row_count_anomaly"}, failed
    expected = oracle_event_ids(datetime(2024, 3, 8, tzinfo=LA), datetime(2024, 3, 13, tzinfo=LA))
    with engine.connect() as conn:
        loaded = [r[0] for r in conn.execute(sa.text("SELECT event_id FROM marts.fact_events"))]
    assert len(loaded) == len(set(loaded))
    assert set(loaded) == expected and len(expected) > 50
    assert scalar(engine, "SELECT count(*) FROM marts.fact_events WHERE group_key = -1") == 0
    assert scalar(engine, "SELECT count(*) FROM marts.dim_date") == 5
    # each partition's materialization says its own day's rows, not the window's (the UI's
    # dagster/partition_row_count), for the raw layer's own write and the IO manager's
    for node, asset, table, day in [
        ("raw_meetup", "raw_events", "raw.raw_events", "partition_date"),
        ("fact_events", "fact_events", "marts.fact_events", "event_date"),
    ]:
        said = {
            m.partition: m.metadata["dagster/partition_row_count"].value
            for m in result.asset_materializations_for_node(node)
            if m.asset_key.to_user_string() == asset
        }
        with engine.connect() as conn:
            rows = conn.execute(sa.text(f"SELECT {day}::text, count(*) FROM {table} GROUP BY 1"))
            stored = dict(rows.all())
        assert said == stored and len(set(said.values())) > 1, (asset, said, stored)

    first = checksums(engine)
    assert run("2024-03-08", "2024-03-12").success
    assert checksums(engine) == first


def test_load_order_does_not_matter(engine: sa.Engine, pg_server: Any) -> None:
    in_one_run = pg_server.url(create_database(pg_server))
    assert runner_for(in_one_run)("2024-01-29", "2024-02-09").success
    run = runner_for(engine.url)
    for start, end in [("2024-02-06", "2024-02-09"), ("2024-01-29", "2024-02-01"),
                       ("2024-02-02", "2024-02-05")]:  # fmt: skip
        assert run(start, end).success
    one = sa.create_engine(in_one_run)
    try:
        assert checksums(engine, ("staging", "marts")) == checksums(one, ("staging", "marts"))
    finally:
        one.dispose()


def test_a_failed_run_leaves_every_window_as_it_was(
    engine: sa.Engine, warehouse_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = runner_for(warehouse_url)
    assert run("2024-02-13", "2024-02-15").success
    before = checksums(engine)
    # Every API call now fails: the extraction gives up, nothing downstream may change.
    monkeypatch.setenv("MEETUP_SANDBOX_FAULTS", "http_5xx=1.0")
    from meetup_pipeline.defs.resources import SandboxMeetupResource

    failing = runner_for(warehouse_url, SandboxMeetupResource(max_attempts=2, deadline_s=20))
    result = failing("2024-02-13", "2024-02-15", raise_on_error=False)
    assert not result.success
    assert checksums(engine) == before


def test_a_one_day_run_touches_one_day(engine: sa.Engine, warehouse_url: URL) -> None:
    run = runner_for(warehouse_url)
    assert run("2024-04-01", "2024-04-10").success
    xmin = "SELECT event_id, xmin::text FROM marts.fact_events"
    with engine.connect() as conn:
        before = dict(conn.execute(sa.text(xmin)).all())
    assert run("2024-04-05").success
    with engine.connect() as conn:
        after = dict(conn.execute(sa.text(xmin)).all())
        day = {
            r[0]
            for r in conn.execute(
                sa.text("SELECT event_id FROM marts.fact_events WHERE event_date = '2024-04-05'")
            )
        }
    assert before.keys() == after.keys()
    rewritten = {k for k in after if after[k] != before[k]}
    assert rewritten == day and day
