"""Benchmark of the Meetup client against the sandbox's default world.

Extracts 2015-01-01..2024-12-31 (a ten-year backfill in one run) and one day, and prints
requests, pages, events/s and wall time for each. Two modes:

- ``unpaced``: the sandbox's rate limit is off and the client's budget is huge, so the
  figures measure the client and the (in-process) sandbox themselves;
- ``paced``: Meetup's real 500 points per 60 s on both sides, so the wall time is what a
  backfill against the live API costs in rate-limit waits.

Usage: ``.venv/bin/python bench/extract.py [--mode unpaced|paced|both] [--scale 1]
[--url http://127.0.0.1:8765/gql-ext]`` (``--url`` targets a running ``meetup-sandbox serve``
instead of the in-process app).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx

from meetup_pipeline.defs.resources import SandboxMeetupResource
from meetup_pipeline.meetup.models import Extraction
from meetup_pipeline.meetup.ratelimit import PointsBudget
from meetup_pipeline.meetup.resource import MeetupResource
from meetup_pipeline.sandbox.app import sandbox_transport
from meetup_pipeline.sandbox.config import RateLimitConfig, SandboxConfig

PT = ZoneInfo("America/Los_Angeles")
WINDOWS = {
    "2015-01-01..2024-12-31": (datetime(2015, 1, 1, tzinfo=PT), datetime(2025, 1, 1, tzinfo=PT)),
    "one day (2024-02-14)": (datetime(2024, 2, 14, tzinfo=PT), datetime(2024, 2, 15, tzinfo=PT)),
}


async def _extract(
    start: datetime, end: datetime, paced: bool, scale: float, url: str | None
) -> Extraction:
    points = 500 if paced else 1_000_000
    if url:
        resource = MeetupResource(api_url=url, points_per_minute=points)
        transport: httpx.AsyncBaseTransport | None = None
    else:
        resource = SandboxMeetupResource(points_per_minute=points)
        limit = RateLimitConfig() if paced else RateLimitConfig(enabled=False)
        transport = sandbox_transport(SandboxConfig(scale=scale, rate_limit=limit))
    async with resource.http_client(transport) as http:
        # a private budget per run, so one run's bookings never delay the next
        client = resource.build_client(http, budget=PointsBudget(points))
        return await client.extract_window(start, end)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("unpaced", "paced", "both"), default="both")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--url", help="a running sandbox's /gql-ext URL (default: in-process)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    modes = ["unpaced", "paced"] if args.mode == "both" else [args.mode]
    where = args.url or f"in-process sandbox, seed 42, scale {args.scale:g}"
    print(f"Meetup client benchmark ({where})")
    header = f"{'mode':8} {'window':24} {'groups':>6} {'events':>7} {'requests':>8} "
    header += f"{'pages':>6} {'retries':>7} {'throttled':>9} {'paced':>5} {'wall s':>7} "
    header += f"{'events/s':>9}"
    print(header)
    print("(throttled = RATE_LIMITED/429 answers from the server; paced = requests the")
    print(" client's own 500-points-per-minute budget held back)")
    for mode in modes:
        for label, (start, end) in WINDOWS.items():
            t0 = time.perf_counter()
            result = asyncio.run(_extract(start, end, mode == "paced", args.scale, args.url))
            wall = time.perf_counter() - t0
            s = result.stats
            print(
                f"{mode:8} {label:24} {len(result.groups):>6} {len(result.events):>7} "
                f"{s.requests:>8} {s.pages:>6} {s.retries:>7} {s.rate_limit_waits:>9} "
                f"{s.budget_waits:>5} "
                f"{wall:>7.2f} {len(result.events) / wall:>9.0f}"
            )


if __name__ == "__main__":
    main()
