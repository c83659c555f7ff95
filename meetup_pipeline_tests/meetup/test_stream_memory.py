"""Extraction memory does not grow with the window (tracemalloc, not a timed test).

What an extraction holds at once is bounded by pages (workers x page size), not by the
window; small pages make both windows' pages full, so only the window differs. The sandbox
runs as a separate process (`meetup-sandbox serve`) so that only the client and
its consumer are traced. The whole-window extraction is measured too, to show that the
measurement does see window-sized data.
"""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from meetup_pipeline.meetup.resource import MeetupResource
from meetup_pipeline_tests.net import free_port, wait_healthy

LA = ZoneInfo("America/Los_Angeles")
SHORT = (datetime(2024, 7, 1, tzinfo=LA), datetime(2025, 1, 1, tzinfo=LA))
LONG = (datetime(2023, 1, 1, tzinfo=LA), datetime(2025, 1, 1, tzinfo=LA))


@pytest.fixture(scope="module")
def api_url() -> Iterator[str]:
    script = Path(sys.executable).with_name("meetup-sandbox")
    command = [str(script)] if script.exists() else [shutil.which("meetup-sandbox") or ""]
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEETUP_SANDBOX_")}
    env["MEETUP_SANDBOX_RATE_LIMIT"] = "off"
    proc = subprocess.Popen(
        [*command, "serve", "--port", str(port), "--now", "2025-01-01T00:00:00-08:00"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield f"{url}/gql-ext"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _peak(work: Callable[[], int]) -> tuple[int, int]:
    """(peak traced bytes, records) of ``work``."""
    gc.collect()
    tracemalloc.start()
    try:
        n = work()
        return tracemalloc.get_traced_memory()[1], n
    finally:
        tracemalloc.stop()


@pytest.mark.slow
def test_peak_allocation_stays_flat_as_the_window_grows(api_url: str) -> None:
    meetup = MeetupResource(api_url=api_url, points_per_minute=10**9, page_size=10)

    def stream(window: tuple[datetime, datetime]) -> Callable[[], int]:
        return lambda: sum(1 for _ in meetup.stream_window(*window))

    def whole(window: tuple[datetime, datetime]) -> Callable[[], int]:
        def extract() -> int:
            e = meetup.extract_window(*window)
            return len(e.groups) + len(e.events) + len(e.rejects)

        return extract

    stream(SHORT)()  # warm-up: imports and first-use caches are not the window's
    short_peak, short_n = _peak(stream(SHORT))
    long_peak, long_n = _peak(stream(LONG))
    whole_peak, _ = _peak(whole(SHORT))
    assert long_n > 3 * short_n  # the window really grew
    assert whole_peak > 2 * short_peak, (whole_peak, short_peak)  # the probe sees the data
    assert long_peak <= 1.3 * short_peak, (
        f"peak grew with the window: {short_peak / 1e6:.1f} MB for {short_n} records, "
        f"{long_peak / 1e6:.1f} MB for {long_n}"
    )
