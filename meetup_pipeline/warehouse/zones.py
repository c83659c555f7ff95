"""The time zones the warehouse has groups in: where a day must have ended before the
schedule and the freshness checks count it as over (`localdays.day_ended_at`)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from meetup_pipeline.localdays import zones_of
from meetup_pipeline.tables import marts
from meetup_pipeline.warehouse.resource import Warehouse


def group_zones(engine: Engine) -> list[str]:
    """The distinct IANA zone names of `marts.dim_group`; [] before any group is known."""
    table = marts.dim_group
    with engine.connect() as conn:
        exists = conn.execute(sa.select(sa.func.to_regclass(table.fullname))).scalar()
        if exists is None:
            return []
        stmt = sa.select(table.c.timezone).distinct().where(table.c.timezone.is_not(None))
        return sorted(conn.execute(stmt).scalars())


def warehouse_zones(warehouse: Warehouse, clock: str) -> list[ZoneInfo]:
    """The zones of the warehouse's groups; the `clock`'s while none is known or the
    warehouse cannot be read (a run would fail on it anyway, and say why)."""
    try:
        names = group_zones(warehouse.get_engine())
    except (sa.exc.SQLAlchemyError, RuntimeError):  # WarehouseUnavailable is a RuntimeError
        names = []
    return zones_of(names, clock)
