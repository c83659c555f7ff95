"""The raw layer: one extraction per run window, landed as received (sanitized at the edge).

A single pass over the API serves a whole window (a day or ten years): every group is
discovered once and asked for all its events of the window in one paginated query.

Memory does not grow with the window: the client yields records page by page and they are
COPYed, in bounded chunks as they arrive, into one session temporary table; then the window
of ``raw_groups``, ``raw_events`` and ``raw_rejects`` is replaced from it in ONE short
transaction, through the warehouse resource (three outputs through the IO manager would be
three transactions, and would need the whole window in memory). The swap writes each table
with the same `write_window` as the IO manager, by the table's policy, in one transaction:
the three tables change together or not at all; the outputs only carry the metadata.
Load-then-swap: no transaction and no write lock stays open while the API is paged
(``bench/raw_write.py``).
"""

from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

import dagster as dg

from meetup_pipeline.defs.checks import reject_rate
from meetup_pipeline.localdays import in_window, instants_covering, local_date
from meetup_pipeline.meetup import Event, MeetupResource, Reject
from meetup_pipeline.meetup.stream import Record
from meetup_pipeline.partition_metadata import add_partition_row_counts
from meetup_pipeline.partitions import daily, single_run
from meetup_pipeline.settings.region import RegionSettings
from meetup_pipeline.settings.reject import RejectPolicySettings
from meetup_pipeline.sql import load_sql
from meetup_pipeline.tables import raw
from meetup_pipeline.warehouse.relations import (
    TableSelect,
    Window,
    WriteResult,
    table_metadata,
    write_metadata,
)
from meetup_pipeline.warehouse.resource import Warehouse
from meetup_pipeline.warehouse.writes import load_then_swap


def _out(table: Any, description: str) -> dg.AssetOut:
    return dg.AssetOut(
        description=description,
        group_name="raw",
        kinds={"postgres", "python"},
        metadata=table_metadata(table),
    )


@dg.multi_asset(
    outs={
        "raw_groups": _out(raw.raw_groups, "Groups that hosted events on the day (JSON)."),
        "raw_events": _out(raw.raw_events, "Every event starting on the day, as received (JSON)."),
        "raw_rejects": _out(
            raw.raw_rejects, "Records refused at the edge, with the field and the reason."
        ),
    },
    partitions_def=daily,
    backfill_policy=single_run,
    pool="meetup_api",
    can_subset=False,
    check_specs=[reject_rate.SPEC],
)
def raw_meetup(
    context: dg.AssetExecutionContext,
    meetup: MeetupResource,
    warehouse: Warehouse,
    reject_policy: RejectPolicySettings,
    region: RegionSettings,
) -> Iterator[dg.Output | dg.AssetCheckResult]:
    """Extract the region's sources for the window from Meetup (or the offline sandbox)
    and land it in one swap."""
    window = Window.of(context.partition_time_window)
    policy = reject_policy.policy()  # a bad setting (or run config) fails before extracting
    sources = region.sources()  # what to ask for: the region resource's, not `meetup`'s
    # the window's days in every zone (land_window keeps the events local to the window);
    # closed on every path: a failed write or an interrupt stops the extraction at once,
    # not whenever garbage collection reaches the abandoned stream
    instants = instants_covering(window.start_date, window.end_date)
    with meetup.stream_window(*instants, sources=sources) as stream:
        results = land_window(warehouse, stream, window, stream.fetched_at, stream.source)
    context.log.info(
        "Extracted %d groups, %d events, %d rejects from %s in %.1fs (%d requests)",
        stream.counts["group"],
        stream.counts["event"],
        stream.counts["reject"],
        stream.source,
        stream.stats.seconds,
        stream.stats.requests,
    )
    common = {"source": stream.source, **stream.stats.as_dict()}
    step, keys = context.get_step_execution_context(), context.partition_keys
    for table in (raw.raw_groups, raw.raw_events, raw.raw_rejects):
        result = results[table.name]
        meta = {**common, **write_metadata(table, result, warehouse.describe())}
        if result.rows_by_day is not None:  # each partition's own rows
            add_partition_row_counts(step, dg.AssetKey(table.name), keys, result.rows_by_day)
        if table is raw.raw_rejects:
            meta["reject_rate"] = stream.reject_rate
        yield dg.Output(None, table.name, metadata=meta)
    yield reject_rate.evaluate(warehouse.get_engine(), window, policy)


TARGETS = tuple(
    (table, load_sql(f"raw_swap/{table.name}"))
    for table in (raw.raw_events, raw.raw_groups, raw.raw_rejects)
)
"""Each raw table and its SELECT over the stage (`sql/raw_swap/<table>.sql`)."""

STAGE_CHUNK_ROWS = 500
"""Records staged per transaction: about a second of extraction and a few MB in memory
(2,000 cost 14 MB of peak RSS over one transaction in bench/raw_write.py)."""


def land_window(
    warehouse: Warehouse,
    records: Iterable[Record],
    window: Window,
    fetched_at: datetime,
    source: str,
    chunk_rows: int = STAGE_CHUNK_ROWS,
) -> dict[str, WriteResult]:
    """Replace the window of the three raw tables with ``records``: load, then swap.

    The records are staged in chunks on one session with no lock on the raw tables, so
    another window's write never waits for this extraction; the swap is one short
    transaction. A failure before or during the swap leaves the old window as it was.
    """
    params = {**window.params(), "fetched_at": fetched_at, "source": source}
    selects = [TableSelect(table, sql, params) for table, sql in TARGETS]
    rows = stage_rows(records, window)
    engine = warehouse.get_engine()
    return load_then_swap(engine, raw.load_stage(), rows, selects, window, chunk_rows)


def stage_rows(records: Iterable[Record], window: Window) -> Iterator[tuple[Any, ...]]:
    """One row of ``raw.load_stage()`` per record of the window, in the order received.

    An event (or a rejected one whose ``dateTime`` is readable) is the window's if its
    local date, in its own offset, is: the extraction covers the window's days in every
    zone, so it also brings neighbouring days' events, which belong to other partitions.
    """
    first, end = window.start_date, window.end_date
    for seq, record in enumerate(records):
        if isinstance(record, Reject):
            reject_day = _reject_day(record.payload, window)
            if reject_day is None:
                continue
            yield (
                seq, "reject", record.record_id, None, None, None,
                reject_day, record.entity, record.field, record.reason, record.payload, None,
            )  # fmt: skip
        elif isinstance(record.model, Event):
            event = record.model
            day = local_date(event.date_time)
            if not in_window(day, first, end):
                continue
            yield (
                seq, "event", event.id, event.group.id, None, event.date_time, day,
                None, None, None, record.raw, list(record.sources) or None,
            )  # fmt: skip
        else:
            group = record.model
            yield (
                seq, "group", group.id, None, group.urlname, None, None,
                None, None, None, record.raw, list(record.sources) or None,
            )  # fmt: skip


def _reject_day(payload: Any, window: Window) -> date | None:
    """The local day the record claims if readable (None: another window's), else day one.

    A reject without a readable ``dateTime`` has no day to go by: it lands on the window's
    first day, and since neighbouring windows' extractions overlap (each spans its days in
    every zone), such a record can land in both windows that fetched it.
    """
    try:
        instant = datetime.fromisoformat(payload["dateTime"])
    except (KeyError, TypeError, ValueError):
        return window.start_date
    if instant.utcoffset() is None:
        return window.start_date
    day = local_date(instant)
    return day if in_window(day, window.start_date, window.end_date) else None
