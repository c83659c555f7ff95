"""Each SQL asset's upstream assets are exactly the tables its `.sql` file reads; the
dashboard's are exactly the tables its queries read; the SQL that is no asset's body (the
raw swap, the checks) lives in `sql/` beside them, one file per table or check."""

import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa

from meetup_pipeline.dashboard.build import build_dashboard
from meetup_pipeline.dashboard.queries import TABLES_READ
from meetup_pipeline.definitions import defs
from meetup_pipeline.defs.assets import raw
from meetup_pipeline.defs.assets.sql_asset import tables_read
from meetup_pipeline.sql import load_sql
from meetup_pipeline.warehouse.embedded import EmbeddedServer
from meetup_pipeline_tests.conftest import create_database
from meetup_pipeline_tests.dashboard import network_data

SQL_FILES = sorted(
    p.name[: -len(".sql")]
    for p in resources.files("meetup_pipeline.sql").iterdir()
    if p.name.endswith(".sql")
)


def _read_by_hand(name: str) -> set[str]:
    """An independent, cruder parse: every `schema.table` word after FROM or JOIN."""
    text = resources.files("meetup_pipeline.sql").joinpath(f"{name}.sql").read_text()
    text = "\n".join(line.split("--", 1)[0] for line in text.splitlines())
    words = re.findall(r"(?:FROM|JOIN)\s+([\w.]+)(\s*\()?", text, flags=re.I)
    return {w.split(".", 1)[1] for w, call in words if "." in w and not call}


def test_every_sql_asset_depends_on_exactly_the_tables_its_sql_reads() -> None:
    graph = defs.resolve_asset_graph()
    checked = 0
    for name in SQL_FILES:
        key = dg.AssetKey(name)
        assert graph.has(key), f"sql/{name}.sql has no asset"
        parents = {k.to_user_string() for k in graph.get(key).parent_keys}
        read = _read_by_hand(name)
        assert parents == read, f"{name}: deps {sorted(parents)} but its SQL reads {sorted(read)}"
        assert read == {t.split(".", 1)[1] for t in tables_read_of(name)}
        for table in read:
            assert graph.has(dg.AssetKey(table)), f"{name} reads {table}, which is no asset"
        checked += 1
    assert checked == len(SQL_FILES) >= 12


def tables_read_of(name: str) -> set[str]:
    return tables_read(resources.files("meetup_pipeline.sql").joinpath(f"{name}.sql").read_text())


def test_the_parser_sees_joins_and_ignores_functions_and_comments() -> None:
    sql = """
    -- FROM staging.not_this
    SELECT rules.surrogate_key(x) FROM staging.stg_events AS e
    LEFT JOIN marts.dim_group g ON TRUE
    CROSS JOIN LATERAL jsonb_array_elements(rules.json_array(e.payload)) AS v (x)
    CROSS JOIN LATERAL (SELECT 1 FROM rules.some_function(1)) AS f
    """
    assert tables_read(sql) == {"staging.stg_events", "marts.dim_group"}


def _files(folder: str) -> list[str]:
    return sorted(
        p.name[: -len(".sql")]
        for p in resources.files("meetup_pipeline.sql").joinpath(folder).iterdir()
        if p.name.endswith(".sql")
    )


def test_every_check_runs_its_own_sql_file_reading_only_what_precedes_it() -> None:
    """One `sql/checks/<check>.sql` per SQL check, and it reads only its asset, the assets
    computed in the same step, or their ancestors: the graph orders every table it reads."""
    graph = defs.resolve_asset_graph()
    checks = {key.name: key for key in graph.asset_check_keys}
    files = _files("checks")
    assert len(files) >= 5
    for name in files:
        assert name in checks, f"sql/checks/{name}.sql names no asset check"
        asset = checks[name].asset_key
        step = set(defs.resolve_assets_def(asset).keys)
        before = {asset, *step, *(a for k in step for a in graph.get_ancestor_asset_keys(k))}
        sql = load_sql(f"checks/{name}")
        read = {t.split(".", 1)[1] for t in tables_read(sql)}
        assert read, f"{name}: no table read"
        assert {dg.AssetKey(t) for t in read} <= before, f"{name} reads {sorted(read)}"
        assert ":start_date" in sql and "{" not in sql  # bound window, nothing formatted in


def test_the_raw_swap_runs_one_sql_file_per_raw_table() -> None:
    assert _files("raw_swap") == sorted(t.name for t, _ in raw.TARGETS)
    for table, sql in raw.TARGETS:
        assert sql == load_sql(f"raw_swap/{table.name}")
        assert "pg_temp._raw_load" in sql and not tables_read(sql)  # the stage only


@pytest.fixture(scope="module")
def network_engine(pg_server: EmbeddedServer) -> Iterator[sa.Engine]:
    engine = sa.create_engine(pg_server.url(create_database(pg_server, "dashdeps")))
    network_data.fill(engine)  # every part of the page has rows: a network, upcoming events
    yield engine
    engine.dispose()


def test_the_dashboard_depends_on_exactly_the_tables_its_queries_read(
    network_engine: sa.Engine, tmp_path: Path
) -> None:
    """The SQL a real build runs, parsed like the SQL files, against the graph."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    sa.event.listen(network_engine, "before_cursor_execute", record)
    try:
        result = build_dashboard(network_engine, tmp_path / "index.html", network_data.NOW)
    finally:
        sa.event.remove(network_engine, "before_cursor_execute", record)
    assert result.headline is not None and result.headline.events > 0
    read = {t.split(".", 1)[1] for s in statements for t in tables_read(s)}
    parents = {
        k.to_user_string()
        for k in defs.resolve_asset_graph().get(dg.AssetKey("dashboard")).parent_keys
    }
    assert parents == read, f"dashboard: deps {sorted(parents)} but its queries read {sorted(read)}"
    assert {t.name for t in TABLES_READ} == read
