"""Each SQL asset's upstream assets are exactly the tables its `.sql` file reads."""

import re
from importlib import resources

import dagster as dg

from meetup_pipeline.assets.sql_asset import tables_read
from meetup_pipeline.definitions import defs

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
