"""Process-wide settings that do not belong to any single resource: where local state
lives, and the region (search centre, keywords, time zone, name) the pipeline covers.

The region is read from the environment once per process: the time zone shapes the
partitions definition, which Dagster needs when the code location loads. Defaults are the
2018 project's Bay Area dating search, so an unset environment changes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from pydantic import BaseModel, ConfigDict

from meetup_pipeline.meetup.resource import DEFAULT_QUERIES as RESOURCE_QUERIES
from meetup_pipeline.meetup.resource import DEFAULT_RADIUS_MILES as RESOURCE_RADIUS_MILES
from meetup_pipeline.meetup.resource import PALO_ALTO_94305

DEFAULT_TIMEZONE = "America/Los_Angeles"
DEFAULT_REGION_NAME = "Bay Area"
DEFAULT_CENTRE = PALO_ALTO_94305
"""Zip 94305 (Stanford / Palo Alto), the 2018 project's search centre."""
DEFAULT_RADIUS_MILES = RESOURCE_RADIUS_MILES
DEFAULT_QUERIES: tuple[str, ...] = tuple(RESOURCE_QUERIES)
"""`MeetupResource`'s own defaults: one definition of the Bay Area dating search."""

MAX_RADIUS_MILES = 500.0

ENV = {
    "lat": "MEETUP_SEARCH_LAT",
    "lon": "MEETUP_SEARCH_LON",
    "radius_miles": "MEETUP_SEARCH_RADIUS_MILES",
    "queries": "MEETUP_SEARCH_QUERIES",
    "topic_category_id": "MEETUP_SEARCH_TOPIC_CATEGORY",
    "timezone": "MEETUP_TIMEZONE",
    "region_name": "MEETUP_REGION_NAME",
}

PARTITIONS_START_DATE = "2008-01-01"


class SettingsError(click.ClickException, ValueError):
    """A bad setting; the message is one line that names the variable and the fix.

    A `click.ClickException`: raised while a click CLI runs (Dagster's and `dg` load the
    code location inside theirs), it prints as one `Error: ...` line, no traceback.
    """


class Region(BaseModel):
    """What the pipeline covers: where to search, for what, and whose days to count."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lat: float = DEFAULT_CENTRE[0]
    lon: float = DEFAULT_CENTRE[1]
    radius_miles: float = DEFAULT_RADIUS_MILES
    queries: tuple[str, ...] = DEFAULT_QUERIES
    topic_category_id: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    region_name: str = DEFAULT_REGION_NAME

    @property
    def is_default_topic(self) -> bool:
        return self.queries == DEFAULT_QUERIES and self.topic_category_id is None

    def search_fields(self) -> dict[str, Any]:
        """`MeetupResource` fields for the search."""
        return {
            "lat": self.lat,
            "lon": self.lon,
            "radius_miles": self.radius_miles,
            "queries": list(self.queries),
            "topic_category_id": self.topic_category_id,
        }


def _env(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def _number(env: Mapping[str, str], field: str, low: float, high: float, default: float) -> float:
    var = ENV[field]
    raw = env.get(var, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:  # NaN fails too
        raise SettingsError(f"{var}={raw!r} is not a number from {low:g} to {high:g}.")
    return value


def parse_timezone(environ: Mapping[str, str] | None = None) -> str:
    """`MEETUP_TIMEZONE` as a valid IANA name (default America/Los_Angeles)."""
    raw = _env(environ).get(ENV["timezone"], "").strip()
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


def parse_region(environ: Mapping[str, str] | None = None) -> Region:
    """Every region setting from the environment, or `SettingsError` for the first bad one."""
    env = _env(environ)
    lat = _number(env, "lat", -90.0, 90.0, DEFAULT_CENTRE[0])
    lon = _number(env, "lon", -180.0, 180.0, DEFAULT_CENTRE[1])
    radius = _number(env, "radius_miles", 0.1, MAX_RADIUS_MILES, DEFAULT_RADIUS_MILES)
    queries = DEFAULT_QUERIES
    if raw := env.get(ENV["queries"], "").strip():
        queries = tuple(dict.fromkeys(q.strip() for q in raw.split(",") if q.strip()))
        if not queries:
            raise SettingsError(
                f"MEETUP_SEARCH_QUERIES={raw!r} has no keyword: give comma-separated keywords, "
                "e.g. 'python,data science'."
            )
    category = env.get(ENV["topic_category_id"], "").strip() or None
    if category is not None and not category.isdigit():
        raise SettingsError(
            f"MEETUP_SEARCH_TOPIC_CATEGORY={category!r} is not a Meetup category id (digits, "
            "e.g. 34 for Technology): fix it or unset it."
        )
    name = " ".join(env.get(ENV["region_name"], "").split())
    if not name:
        default_centre = (lat, lon) == DEFAULT_CENTRE
        name = DEFAULT_REGION_NAME if default_centre else f"the area around {lat:.2f}, {lon:.2f}"
    elif len(name) > 60:
        raise SettingsError(
            f"MEETUP_REGION_NAME is {len(name)} characters long: keep it to 60 or fewer."
        )
    return Region(
        lat=lat,
        lon=lon,
        radius_miles=radius,
        queries=queries,
        topic_category_id=category,
        timezone=parse_timezone(env),
        region_name=name,
    )


@cache
def region() -> Region:
    """This process's region (read once: partitions and schedules are built from it)."""
    return parse_region()


@cache
def local_timezone() -> str:
    """A partition is one calendar day in this zone (`MEETUP_TIMEZONE`, default Bay Area)."""
    return parse_timezone()


def __getattr__(name: str) -> Any:
    """`LOCAL_TIMEZONE`, resolved on first use: importing this module never fails, so a
    command that only needs `meetup_home` still runs, and a CLI can report a bad
    `MEETUP_TIMEZONE` as its one-line error instead of a traceback."""
    if name == "LOCAL_TIMEZONE":
        return local_timezone()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def meetup_home() -> Path:
    """Where local state lives (embedded PostgreSQL data, dashboard files).

    `MEETUP_HOME` wins; otherwise `.meetup/` in the working directory, so that a clone
    run from its root keeps everything beside the code and nothing in the user's home.
    """
    raw = os.environ.get("MEETUP_HOME", "").strip()
    home = Path(raw).expanduser() if raw else Path.cwd() / ".meetup"
    home = home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    return home
