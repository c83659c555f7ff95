"""Load-time inputs: what Dagster needs when the code location loads, before any resource.

The clock's zone (`MEETUP_TIMEZONE`) makes the daily partitions and the schedule's zone;
`MEETUP_DAILY_CRON` the schedule's cron. A definition is built from them at import, so
they cannot be run-time resources; they are read once per process, here, and validated
with the other settings (`validation.py`) before the definitions are built.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from meetup_pipeline.dagster_private import is_valid_cron_string
from meetup_pipeline.settings import SettingsError
from meetup_pipeline.settings.env import value

PARTITIONS_START_DATE = "2008-01-01"
TIMEZONE_VAR = "MEETUP_TIMEZONE"
DEFAULT_TIMEZONE = "America/Los_Angeles"

DAILY_CRON = "15 * * * *"
"""Every hour at :15 on the clock (`MEETUP_TIMEZONE`): a day is requested at the first tick
after it has ended everywhere the warehouse has groups (00:15 for a single region)."""
DAILY_CRON_ENV = "MEETUP_DAILY_CRON"
"""Overrides `DAILY_CRON`, e.g. `* * * * *` to see the schedule fire in a test (the first
tick after a day has ended everywhere requests its run; later ticks skip it)."""


def parse_timezone(environ: Mapping[str, str] | None = None) -> str:
    """`MEETUP_TIMEZONE` as a valid IANA name (default America/Los_Angeles)."""
    raw = value(TIMEZONE_VAR, environ)
    if not raw:
        return DEFAULT_TIMEZONE
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"MEETUP_TIMEZONE={raw!r} is not an IANA time zone name: use one such as "
            "Africa/Lagos or Europe/Berlin, or unset it for America/Los_Angeles."
        ) from None
    return raw


def daily_cron(environ: Mapping[str, str] | None = None) -> str:
    """The daily schedule's cron: `MEETUP_DAILY_CRON` if set, else hourly at :15."""
    raw = value(DAILY_CRON_ENV, environ)
    if not raw:
        return DAILY_CRON
    if not is_valid_cron_string(raw):
        raise SettingsError(
            f"{DAILY_CRON_ENV}={raw!r} is not a cron expression (five fields, e.g. "
            f"'{DAILY_CRON}'); fix it or unset it for the default"
        )
    return raw


@cache
def local_timezone() -> str:
    """The warehouse's clock (`MEETUP_TIMEZONE`, default Bay Area): which day the partitions
    call yesterday, when the schedule ticks, how the UI labels times. Not an event's day."""
    return parse_timezone()


def __getattr__(name: str) -> Any:
    """`LOCAL_TIMEZONE`, resolved on first use: importing this module never fails, so a
    command that only needs `meetup_home` still runs, and a CLI can report a bad
    `MEETUP_TIMEZONE` as its one-line error instead of a traceback."""
    if name == "LOCAL_TIMEZONE":
        return local_timezone()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
