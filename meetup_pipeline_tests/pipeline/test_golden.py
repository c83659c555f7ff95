"""The Bay Area default keeps exactly the warehouse it had before local days (issue 22).

`fixtures/golden/bay_area.json` was generated from the code before events were dated by
their own offset (one `MEETUP_TIMEZONE` for every day): for each table of the three
layers, its columns then and an md5 over its rows (sorted, load-time columns left out).
This test builds the same window on today's code and compares those same columns, so
added columns are allowed and nothing that was there may change.

Regenerate only on purpose: `MEETUP_GOLDEN_WRITE=1 pytest .../test_golden.py`.
"""

import json
import os
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from meetup_pipeline_tests.pipeline.conftest import LOAD_TIME_COLUMNS, runner_for

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "golden" / "bay_area.json"
WINDOW = ("2024-03-01", "2024-03-12")  # across the spring-forward night (2024-03-10)
WALL_CLOCK_COLUMNS = {"marts.fact_group_snapshots": {"snapshot_date", "date_key"}}
"""The day a snapshot was observed is the test's own wall-clock day, not the window's."""


def table_columns(engine: sa.Engine) -> dict[str, list[str]]:
    inspector = sa.inspect(engine)
    out: dict[str, list[str]] = {}
    for schema in ("raw", "staging", "marts"):
        for name in sorted(inspector.get_table_names(schema=schema)):
            table = f"{schema}.{name}"
            skip = LOAD_TIME_COLUMNS | WALL_CLOCK_COLUMNS.get(table, set())
            out[table] = [
                c["name"]
                for c in inspector.get_columns(name, schema=schema)
                if c["name"] not in skip
            ]
    return out


def digest(engine: sa.Engine, table: str, columns: list[str]) -> dict[str, Any]:
    quote = engine.dialect.identifier_preparer
    schema, name = table.split(".")
    select = ", ".join(quote.quote(c) for c in columns)
    sql = (
        "SELECT md5(string_agg(t::text, ',' ORDER BY t::text)), count(*) "
        f"FROM (SELECT {select} FROM {quote.quote(schema)}.{quote.quote(name)}) AS t"
    )
    with engine.connect() as conn:
        md5, rows = conn.execute(sa.text(sql)).one()
    return {"columns": columns, "md5": md5, "rows": rows}


@pytest.mark.slow
def test_bay_area_default_keeps_its_marts(engine: sa.Engine, warehouse_url: URL) -> None:
    assert runner_for(warehouse_url)(*WINDOW).success
    if os.environ.get("MEETUP_GOLDEN_WRITE") == "1":
        tables = {t: digest(engine, t, cols) for t, cols in table_columns(engine).items()}
        GOLDEN.write_text(json.dumps({"window": WINDOW, "tables": tables}, indent=1) + "\n")
        pytest.skip(f"wrote {GOLDEN}")
    golden = json.loads(GOLDEN.read_text())
    assert tuple(golden["window"]) == WINDOW
    now = table_columns(engine)
    for table, want in golden["tables"].items():
        assert table in now, f"{table} is gone"
        assert digest(engine, table, want["columns"]) == want, table
