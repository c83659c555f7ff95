"""One readable .sql file per transformation, loaded by name.

Each file is a SELECT over one partition window: `:start_date`/`:end_date` (local dates,
end exclusive: an event's own date) and `:window_start`/`:window_end` (the clock's
instants) are bound by the IO manager; `:local_timezone` (the warehouse's clock) is bound
by `defs/assets/sql_asset.py`. The rules the files share
(`rules.surrogate_key`, `rules.json_array`, `rules.physical_venue`, `rules.is_online`,
`rules.valid_point`, `rules.local_wall`, `rules.utc_offset_minutes`) are SQL functions
created with the DDL (`warehouse/ddl.py`), one definition each. The tables a file reads
(`FROM`/`JOIN schema.table`) are its asset's deps.

Two folders hold the SQL that is no asset's body, loaded the same way by a path:
`raw_swap/` (the raw tables' SELECTs over the session's stage, `defs/assets/raw.py`) and
`checks/` (one file per asset check, named after it; `defs/checks/`).
"""

from functools import cache
from importlib import resources


@cache
def load_sql(name: str) -> str:
    """`sql/<name>.sql`; `name` may name a folder (`checks/fact_events_keys_resolve`)."""
    *folders, stem = name.split("/")
    path = resources.files(__package__).joinpath(*folders, f"{stem}.sql")
    return path.read_text(encoding="utf-8")
