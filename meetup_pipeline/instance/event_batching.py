"""Dagster's batched event writes, switched on by the event-log storage's config.

A single-run backfill writes one ASSET_MATERIALIZATION event per asset per partition. One
by one, each costs two connections, an INSERT, a NOTIFY and an `asset_keys` upsert (about
27 ms on a loaded 2-core machine: 10 s per asset for one year); batched, a partition
range's events go in one INSERT. Dagster reads the batch size only from the
`DAGSTER_EVENT_BATCH_SIZE` variable, at write time, in the process that writes, so the
event-log storage's factory gives it to its own process (`instance/startup.py`), never an
import. An explicit value in the environment wins; 0 turns batching off.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster import Field, IntSource

BATCH_SIZE_ENV = "DAGSTER_EVENT_BATCH_SIZE"
DEFAULT_EVENT_BATCH_SIZE = 1000

EVENT_BATCH_SIZE_FIELD = Field(
    IntSource,
    is_required=False,
    default_value=DEFAULT_EVENT_BATCH_SIZE,
    description=(
        "Events per batched write (Dagster's DAGSTER_EVENT_BATCH_SIZE, which wins when set). "
        "0 writes every event on its own."
    ),
)


def batch_size(config_value: Mapping[str, Any]) -> int:
    """The configured batch size (`instance/startup.py` gives it to the process)."""
    return int(config_value.get("event_batch_size", DEFAULT_EVENT_BATCH_SIZE))
