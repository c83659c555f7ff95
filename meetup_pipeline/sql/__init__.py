"""One readable .sql file per transformation, loaded by name.

Each file is a SELECT over one partition window: `:start_date`/`:end_date` (Bay Area
dates, end exclusive) and `:window_start`/`:window_end` (instants) are bound by the IO
manager. Surrogate keys are `('x' || left(md5(natural_id), 16))::bit(64)::bigint`: a
64-bit hash that is the same whenever and in whatever order a row is loaded.
"""

from functools import cache
from importlib import resources


@cache
def load_sql(name: str) -> str:
    return resources.files(__package__).joinpath(f"{name}.sql").read_text(encoding="utf-8")
