"""One readable .sql file per transformation, loaded by name.

Each file is a SELECT over one partition window: `:start_date`/`:end_date` (local dates,
end exclusive: an event's own date) and `:window_start`/`:window_end` (the clock's
instants) are bound by the IO manager; `:local_timezone` (the warehouse's clock) is bound
by `assets/sql_asset.py`. The rules the files share
(`rules.surrogate_key`, `rules.json_array`, `rules.physical_venue`, `rules.is_online`,
`rules.valid_point`, `rules.local_wall`, `rules.utc_offset_minutes`) are SQL functions
created with the DDL (`warehouse/ddl.py`), one definition each. The tables a file reads
(`FROM`/`JOIN schema.table`) are its asset's deps.
"""

from functools import cache
from importlib import resources


@cache
def load_sql(name: str) -> str:
    return resources.files(__package__).joinpath(f"{name}.sql").read_text(encoding="utf-8")
