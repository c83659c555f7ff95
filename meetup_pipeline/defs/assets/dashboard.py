"""The dashboard asset: one offline HTML file rebuilt from the marts.

Unpartitioned on purpose: the page shows the whole history, so it is rebuilt once after
the marts change (a ten-year backfill is one run), never per day.
"""

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

from meetup_pipeline.dashboard.build import build_dashboard, default_output
from meetup_pipeline.dashboard.queries import TABLES_READ
from meetup_pipeline.defs.assets.marts import AS_OF_KEY, STALE_KEY
from meetup_pipeline.settings.clock import LOCAL_TIMEZONE
from meetup_pipeline.settings.dashboard import DashboardSettings
from meetup_pipeline.settings.region import RegionSettings
from meetup_pipeline.warehouse.resource import Warehouse


@dg.asset(
    deps=sorted(table.name for table in TABLES_READ),  # what the page's queries read
    group_name="dashboard",
    kinds={"html", "postgres"},
    backfill_policy=dg.BackfillPolicy.single_run(),
    description=(
        "Self-contained HTML dashboard (no network needed) of the marts: events over "
        "time with a range brush, map, top groups/events/venues, title word cloud, "
        "weekday x hour heat map, RSVPs and waitlists, online share, upcoming events."
    ),
)
def dashboard(
    context: dg.AssetExecutionContext,
    warehouse: Warehouse,
    dashboard_settings: DashboardSettings,
    region: RegionSettings,
) -> dg.MaterializeResult:
    """Write `<MEETUP_HOME>/dashboard/index.html` atomically and report headline numbers."""
    started = time.perf_counter()
    stale = upcoming_stale_note(context.instance)
    result = build_dashboard(
        warehouse.get_engine(),
        default_output(),
        max_events=dashboard_settings.event_cap(),
        upcoming_note=stale,
        where=region.region(),
    )
    context.log.info(
        "Dashboard written to %s (%s bytes) in %.2f s",
        result.path,
        f"{result.bytes:,}",
        time.perf_counter() - started,
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "summary": dg.MetadataValue.md(result.summary_md()),
            "bytes": dg.MetadataValue.int(result.bytes),
            "events": dg.MetadataValue.int(result.headline.events if result.headline else 0),
            "events_on_page": dg.MetadataValue.int(result.headline.shown if result.headline else 0),
            "upcoming_stale": dg.MetadataValue.bool(stale is not None),
        }
    )


def upcoming_stale_note(instance: dg.DagsterInstance) -> str | None:
    """What the page says when the newest `upcoming_events` materialization kept the
    previous list because its refresh failed (None when the list is current)."""
    event = instance.get_latest_materialization_event(dg.AssetKey("upcoming_events"))
    materialization = event.asset_materialization if event else None
    meta = materialization.metadata if materialization else {}
    failed = meta.get(STALE_KEY)
    if failed is None or not failed.value:
        return None
    as_of = meta.get(AS_OF_KEY)
    if as_of is None or not as_of.value:
        return "No upcoming events yet: the last refresh failed."
    when = datetime.fromisoformat(str(as_of.value)).astimezone(ZoneInfo(LOCAL_TIMEZONE))
    return f"Upcoming events as of {when:%Y-%m-%d %H:%M %Z}: the last refresh failed."
