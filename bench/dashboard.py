"""Bench: the dashboard for the default sandbox world over ten years.

Fills a fresh warehouse's marts straight from the simulated world (no API, no Dagster
pipeline: the point is the dashboard's cost, not extraction), then reports the HTML size,
the asset's materialize time, and the load+render time in headless Chromium.

    .venv/bin/python bench/dashboard.py [--years 10] [--scale 1.0] [--keep]

Targets (issue 7): HTML < 5 MB, render < 2 s, materialize < 10 s. Memory (issue 14): the
build's peak Python allocation (tracemalloc) with the default cap
(MEETUP_DASHBOARD_MAX_EVENTS), against the same build carrying every event, measured in the
same run: with `--scale 10` the history outgrows the cap and the capped peak stays put. Uses
MEETUP_WAREHOUSE_URL when set (a fresh database is NOT created then: the marts there are
replaced), otherwise a throwaway embedded PostgreSQL under a temporary directory.
"""

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg
import psycopg
import sqlalchemy as sa
from psycopg import sql

from meetup_pipeline.sandbox.world import ONLINE_VENUE, SimEvent, World, build_world
from meetup_pipeline.tables import marts
from meetup_pipeline.warehouse.relations import TableRows
from meetup_pipeline.warehouse.writes import write

LA = ZoneInfo("America/Los_Angeles")


def key(natural: str) -> int:
    """A signed 64-bit key from an md5, like the marts' SQL does."""
    return int.from_bytes(hashlib.md5(natural.encode()).digest()[:8], "big", signed=True)


def group_rows(world: World, now: datetime) -> list[dict[str, Any]]:
    ts = now.timestamp()
    return [
        {
            "group_key": key(g.id), "group_id": g.id, "urlname": g.urlname, "name": g.name,
            "link": f"https://www.meetup.com/{g.urlname}", "city": g.city.name, "state": "CA",
            "country": "us", "zip": g.city.zip, "lat": g.lat, "lon": g.lon,
            "timezone": g.timezone, "founded_date": datetime.fromtimestamp(g.founded_ts, LA).date(),
            "status": g.status_at(ts), "join_mode": g.join_mode, "is_private": g.is_private,
            "member_count": g.members_at(ts), "topic_category_id": g.category_id,
            "topic_category_name": None, "observed_at": now,
        }
        for g in world.groups
        if g.exists_at(ts)
    ]  # fmt: skip


def venue_rows(world: World, now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "venue_key": key(v.id), "venue_id": v.id, "name": v.name, "address": v.address,
            "city": v.city, "state": v.state, "postal_code": v.postal_code,
            "country": v.country, "lat": v.lat, "lon": v.lon, "venue_type": v.venue_type,
            "observed_at": now,
        }
        for v in world.venues
    ]  # fmt: skip


def _venue_key(e: SimEvent) -> int:
    physical = [v for v in e.venues if v.id != ONLINE_VENUE.id]
    return key(physical[0].id) if physical and e.event_type != "ONLINE" else -1


def fact_row(e: SimEvent, now: datetime) -> dict[str, Any]:
    start = e.date_time
    status = e.status_at(now.timestamp())
    attended = round(e.yes * e.attend_rate) if status == "PAST" else None
    return {
        "event_key": key(e.id), "event_id": e.id,
        "date_key": int(start.strftime("%Y%m%d")), "group_key": key(e.group_id),
        "venue_key": _venue_key(e), "event_date": start.date(),
        "starts_at": start.astimezone(UTC),
        "ends_at": (start + timedelta(minutes=e.duration_min)).astimezone(UTC),
        "local_start": start.replace(tzinfo=None), "title": e.title,
        "event_url": f"https://www.meetup.com/{e.group_urlname}/events/{e.id}/",
        "status": status, "event_type": e.event_type, "is_online": e.event_type == "ONLINE",
        "rsvp_yes_count": e.yes, "rsvp_total_count": e.yes + e.no,
        "waitlist_count": e.waitlist, "attended_count": attended,
        "no_show_count": None if attended is None else e.yes - attended,
        "fee_required": e.fee is not None,
        "fee_amount": Decimal(str(e.fee[0])) if e.fee else None,
        "fee_currency": e.fee[1] if e.fee else None, "duration_minutes": e.duration_min,
        "max_tickets": e.max_tickets, "created_at": datetime.fromtimestamp(e.created_ts, UTC),
        "observed_at": now, "utc_offset_minutes": _offset_minutes(start), "timezone": None,
    }  # fmt: skip


def _offset_minutes(start: datetime) -> int:
    return int((start.utcoffset() or timedelta(0)).total_seconds() // 60)


def upcoming_row(e: SimEvent, world: World, now: datetime) -> dict[str, Any]:
    venue = next((v for v in e.venues if v.id != ONLINE_VENUE.id), None)
    online = e.event_type == "ONLINE"
    return {
        "event_id": e.id, "title": e.title,
        "event_url": f"https://www.meetup.com/{e.group_urlname}/events/{e.id}/",
        "starts_at": e.date_time.astimezone(UTC), "local_start": e.date_time.replace(tzinfo=None),
        "status": e.status_at(now.timestamp()), "is_online": online, "group_id": e.group_id,
        "group_name": e.group_name, "group_urlname": e.group_urlname,
        "venue_name": None if online or venue is None else venue.name,
        "city": venue.city if venue and not online else e.city,
        "lat": venue.lat if venue and not online else None,
        "lon": venue.lon if venue and not online else None,
        "rsvp_yes_count": e.yes, "waitlist_count": e.waitlist,
        "fee_amount": Decimal(str(e.fee[0])) if e.fee else None,
        "fee_currency": e.fee[1] if e.fee else None, "snapshot_at": now,
        "utc_offset_minutes": _offset_minutes(e.date_time),
    }  # fmt: skip


def fill_marts(engine: sa.Engine, world: World, years: int, now: datetime) -> int:
    """Write the world's events of the last `years` years (and what is announced) to the marts."""
    start = now - timedelta(days=round(365.25 * years))
    events = world.events_between(start, now + timedelta(days=120), now)
    write(engine, TableRows(marts.dim_group, group_rows(world, now)), None)
    write(engine, TableRows(marts.dim_venue, venue_rows(world, now)), None)
    write(engine, TableRows(marts.fact_events, [fact_row(e, now) for e in events]), None)
    future = [upcoming_row(e, world, now) for e in events if e.start_ts >= now.timestamp()]
    write(engine, TableRows(marts.upcoming_events, future), None)
    return len(events)


def render_seconds(path: Path, runs: int = 3) -> tuple[list[float], float]:
    """Wall times from navigation to the page's `data-ready` flag in headless Chromium,
    and the in-page time of one cross-filter update (a city chosen in the filter)."""
    from playwright.sync_api import sync_playwright

    out: list[float] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            started = time.perf_counter()
            page.goto(path.as_uri())
            page.wait_for_selector("body[data-ready='1']")
            out.append(time.perf_counter() - started)
            update_ms = page.evaluate(
                """() => { const s = document.getElementById('city'); s.value = s.options[1].value;
                const t = performance.now(); s.dispatchEvent(new Event('change'));
                return performance.now() - t; }"""
            )
            page.close()
        browser.close()
    return out, update_ms


def build_peaks(engine: sa.Engine, out: Path, now: datetime) -> tuple[int, int]:
    """Peak bytes allocated by one build with the default cap, then with no cap."""
    from meetup_pipeline.dashboard.build import build_dashboard

    peaks = []
    for cap in (None, 10**9):
        tracemalloc.start()
        build_dashboard(engine, out, now, max_events=cap)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    return peaks[0], peaks[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="meetup-bench-"))
    root.chmod(0o711)  # the embedded server's user (as root) must enter it
    os.environ["MEETUP_HOME"] = str(root)
    url = os.environ.get("MEETUP_WAREHOUSE_URL", "").strip()
    from meetup_pipeline.defs.resources import settings_resources
    from meetup_pipeline.warehouse.embedded import ensure_server, stop_server

    server = None
    if not url:
        server = ensure_server(root / "pgdata", databases=())
        name = f"bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(server.conninfo("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        url = server.url(name).render_as_string(hide_password=False)
    try:
        from meetup_pipeline.defs.assets.dashboard import dashboard
        from meetup_pipeline.warehouse.resource import Warehouse

        warehouse = Warehouse(url=url)
        now = datetime.now(UTC).replace(microsecond=0)
        t0 = time.perf_counter()
        world = build_world(seed=42, scale=args.scale)
        n = fill_marts(warehouse.get_engine(), world, args.years, now)
        print(f"filled marts: {n:,} events ({time.perf_counter() - t0:.1f} s)")

        t0 = time.perf_counter()
        result = dg.materialize(
            [dashboard], resources={"warehouse": warehouse, **settings_resources()}
        )
        materialize_s = time.perf_counter() - t0
        assert result.success
        meta = result.asset_materializations_for_node("dashboard")[0].metadata
        path = Path(meta["path"].value)
        size = path.stat().st_size
        renders, update_ms = render_seconds(path)
        print(f"events on the page: {meta['events_on_page'].value:,} of {meta['events'].value:,}")
        print(f"html: {path} {size / 1e6:.2f} MB (target < 5 MB)")
        print(f"materialize: {materialize_s:.2f} s (dg.materialize, target < 10 s)")
        print(
            "load+render in headless Chromium: "
            + ", ".join(f"{s:.2f}" for s in renders)
            + f" s (best {min(renders):.2f} s, target < 2 s)"
        )
        print(f"one cross-filter update (city filter, every view redrawn): {update_ms:.0f} ms")
        capped, every = build_peaks(warehouse.get_engine(), root / "peak.html", now)
        print(
            f"build peak allocation: {capped / 1e6:.1f} MB with the cap, {every / 1e6:.1f} MB "
            f"carrying every event (ratio {capped / every:.2f})"
        )
        ok = size < 5e6 and min(renders) < 2 and materialize_s < 10
        print("OK" if ok else "OVER TARGET")
        return 0 if ok else 1
    finally:
        if server is not None:
            stop_server(root / "pgdata")
        if args.keep:
            print(f"kept {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
