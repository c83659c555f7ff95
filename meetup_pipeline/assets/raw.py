"""The raw layer: one extraction per run window, landed as received.

A single pass over the API serves a whole window (a day or ten years): every group is
discovered once and asked for all its events of the window in one paginated query.
"""

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg

from meetup_pipeline.assets.partitions import daily, single_run
from meetup_pipeline.meetup import Extraction, MeetupResource
from meetup_pipeline.settings import LOCAL_TIMEZONE
from meetup_pipeline.tables import raw
from meetup_pipeline.warehouse.relations import TableRows, Window, table_metadata

LOCAL = ZoneInfo(LOCAL_TIMEZONE)


def local_date(instant: datetime) -> date:
    return instant.astimezone(LOCAL).date()


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
        "raw_rejects": _out(raw.raw_rejects, "Records that failed validation, with the reason."),
    },
    partitions_def=daily,
    backfill_policy=single_run,
    pool="meetup_api",
    can_subset=False,
)
def raw_meetup(context: dg.AssetExecutionContext, meetup: MeetupResource) -> Iterator[dg.Output]:
    """Extract the window from Meetup (or the offline sandbox) and land it unchanged."""
    window = Window.of(context.partition_time_window)
    extraction = meetup.extract_window(window.start, window.end)
    context.log.info(
        "Extracted %d groups, %d events, %d rejects from %s in %.1fs (%d requests)",
        len(extraction.groups),
        len(extraction.events),
        len(extraction.rejects),
        extraction.source,
        extraction.stats.seconds,
        extraction.stats.requests,
    )
    common = {"source": extraction.source, **extraction.stats.as_dict()}
    events, groups, rejects = landed_rows(extraction, window)
    yield dg.Output(TableRows(raw.raw_groups, groups), "raw_groups", metadata=common)
    yield dg.Output(TableRows(raw.raw_events, events), "raw_events", metadata=common)
    yield dg.Output(
        TableRows(raw.raw_rejects, rejects),
        "raw_rejects",
        metadata={**common, "reject_rate": extraction.reject_rate},
    )


def landed_rows(
    extraction: Extraction, window: Window
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows for the three raw tables. A group is landed on each day it hosted events."""
    lineage = {"fetched_at": extraction.fetched_at, "source": extraction.source}
    events: list[dict[str, Any]] = []
    days_by_group: dict[str, set[date]] = defaultdict(set)
    for fetched in extraction.events:
        event = fetched.model
        day = local_date(event.date_time)
        group_id = event.group.id if event.group else None
        if group_id:
            days_by_group[group_id].add(day)
        events.append(
            {
                "event_id": event.id,
                "group_id": group_id,
                "starts_at": event.date_time,
                "partition_date": day,
                **lineage,
                "payload": fetched.raw,
            }
        )
    groups = [
        {
            "group_id": fetched.model.id,
            "urlname": fetched.model.urlname,
            "partition_date": day,
            **lineage,
            "payload": fetched.raw,
        }
        for fetched in extraction.groups
        for day in sorted(days_by_group.get(fetched.model.id, ()))
    ]
    rejects = [
        {
            "entity": reject.entity,
            "record_id": str(reject.payload.get("id"))
            if isinstance(reject.payload, dict)
            else None,
            "partition_date": _reject_day(reject.payload, window),
            **lineage,
            "reason": reject.reason,
            "payload": reject.payload,
        }
        for reject in extraction.rejects
    ]
    return events, groups, rejects


def _reject_day(payload: Any, window: Window) -> date:
    """The day the record claims, if it is a readable date in the window; else day one."""
    try:
        instant = datetime.fromisoformat(payload["dateTime"])
    except (KeyError, TypeError, ValueError):
        return window.start_date
    if instant.tzinfo is None:
        return window.start_date
    day = local_date(instant)
    return day if window.start_date <= day < window.end_date else window.start_date
