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
WINDOW = ("2024-02-15", "2024-03-12")
"""Presidents' Day (2024-02-19) and the spring-forward night (2024-03-10)."""
WALL_CLOCK_COLUMNS = {"marts.fact_group_snapshots": {"snapshot_date", "date_key"}}
"""The day a snapshot was observed is the test's own wall-clock day, not the window's."""
RETIRED = {"marts.dim_date": ["holiday_name", "is_holiday", "is_day_off"]}
"""US-only holiday columns that `marts.dim_holiday` (every country, issue 22) replaces: the
golden keeps the rest of the table's digest and the old holidays' dates and names."""
HOLIDAYS_SQL = (
    "SELECT date_day::text, holiday_name, is_holiday, is_day_off FROM marts.dim_date "
    "WHERE is_holiday OR is_day_off ORDER BY date_day"
)


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
        columns = table_columns(engine)
        tables = {t: digest(engine, t, cols) for t, cols in columns.items()}
        for table, retired in RETIRED.items():
            kept = [c for c in columns[table] if c not in retired]
            tables[f"{table} without {','.join(retired)}"] = digest(engine, table, kept)
        with engine.connect() as conn:
            holidays = [list(r) for r in conn.execute(sa.text(HOLIDAYS_SQL))]
        golden = {"window": WINDOW, "tables": tables, "us_holidays": holidays}
        GOLDEN.write_text(json.dumps(golden, indent=1) + "\n")
        pytest.skip(f"wrote {GOLDEN}")
    golden = json.loads(GOLDEN.read_text())
    assert tuple(golden["window"]) == WINDOW
    now = table_columns(engine)
    for key, want in golden["tables"].items():
        table = key.split(" without ")[0]
        assert table in now, f"{table} is gone"
        missing = set(want["columns"]) - set(now[table])
        if missing and missing <= set(RETIRED.get(table, ())) and key == table:
            continue  # compared without them, under "<table> without ..."
        assert not missing, f"{table} lost {sorted(missing)}"
        assert digest(engine, table, want["columns"]) == want, key
    # dim_date's US holidays live on in dim_holiday, same days and names, for the US groups
    first, last = WINDOW
    with engine.connect() as conn:
        us = conn.execute(
            sa.text(
                "SELECT date_day::text, holiday_name, is_observed FROM marts.dim_holiday "
                "WHERE country = 'US' AND date_day BETWEEN :first AND :last ORDER BY date_day"
            ),
            {"first": first, "last": last},
        ).all()
    was = [
        (day, name, is_day_off and not is_holiday)
        for day, name, is_holiday, is_day_off in golden["us_holidays"]
    ]
    assert [tuple(r) for r in us] == was and was
