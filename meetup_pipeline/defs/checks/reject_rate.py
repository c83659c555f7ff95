"""The reject policy: records refused at the edge warn, and only a schema change blocks.

The check runs inside ``raw_meetup``'s step (a check spec of the multi-asset), after the
window's raw tables are committed, so rejects are always stored. A failed blocking check of
ERROR severity fails that step, and Dagster then builds nothing downstream of the raw
layer; a WARN failure stops nothing.
"""

from __future__ import annotations

import dagster as dg
import sqlalchemy as sa

from meetup_pipeline.partitions import daily
from meetup_pipeline.settings.reject import BLOCK_VAR, WARN_VAR, RejectPolicy
from meetup_pipeline.sql import load_sql
from meetup_pipeline.warehouse.relations import Window

CHECK_NAME = "reject_rate_under_threshold"

SPEC = dg.AssetCheckSpec(
    CHECK_NAME,
    asset="raw_rejects",
    blocking=True,
    partitions_def=daily,  # so the UI shows its outcome per partition, like the other checks
    description=(
        f"Share of the window's records refused at the edge: warns above {WARN_VAR} (1%), "
        f"blocks everything downstream of the raw layer only above {BLOCK_VAR} (25%) with "
        "at least 10 rejects (a schema change)."
    ),
)

COUNTS_SQL = load_sql(f"checks/{CHECK_NAME}")


def evaluate(engine: sa.Engine, window: Window, policy: RejectPolicy) -> dg.AssetCheckResult:
    """The window's reject share as landed (rejects / rejects + events + distinct groups)."""
    with engine.connect() as conn:
        row = conn.execute(sa.text(COUNTS_SQL), window.params()).one()
    total = row.rejects + row.events + row.groups
    rate = row.rejects / total if total else 0.0
    block = rate > policy.block_rate and row.rejects >= policy.block_min
    return dg.AssetCheckResult(
        check_name=CHECK_NAME,
        asset_key="raw_rejects",
        passed=rate <= policy.warn_rate,
        severity=dg.AssetCheckSeverity.ERROR if block else dg.AssetCheckSeverity.WARN,
        metadata={
            "reject_rate": rate,
            "rejects": row.rejects,
            "records": total,
            "warn_rate": policy.warn_rate,
            "block_rate": policy.block_rate,
            "blocks_downstream": block,
        },
    )
