"""The time zones the warehouse has groups in: where a day must have ended before the
schedule and the freshness checks count it as over (`localdays.day_ended_at`)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from meetup_pipeline.tables import marts


def group_zones(engine: Engine) -> list[str]:
    """The distinct IANA zone names of `marts.dim_group`; [] before any group is known."""
    table = marts.dim_group
    with engine.connect() as conn:
        exists = conn.execute(sa.select(sa.func.to_regclass(table.fullname))).scalar()
        if exists is None:
            return []
        stmt = sa.select(table.c.timezone).distinct().where(table.c.timezone.is_not(None))
        return sorted(conn.execute(stmt).scalars())
