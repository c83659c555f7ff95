"""Process-wide settings that do not belong to any single resource: where local state
lives, and the region (search centre, keywords, time zone, name) the pipeline covers.

The region is read from the environment once per process: the time zone shapes the
partitions definition, which Dagster needs when the code location loads. Defaults are the
2018 project's Bay Area dating search, so an unset environment changes nothing.
"""

from __future__ import annotations

import os
import re
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
from meetup_pipeline.meetup.sources import parse_places

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
    "pro_network": "MEETUP_PRO_NETWORK",
    "group_urlnames": "MEETUP_GROUP_URLNAMES",
    "places": "MEETUP_SEARCH_PLACES",
}
SEARCH_VARS = ("lat", "lon", "radius_miles", "queries", "topic_category_id", "places")
"""Setting any of these asks for a keyword search; with none, a network or named groups
alone are searched for nothing else (the Bay Area default applies only with no source)."""
_URLNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")

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
    pro_network: str | None = None
    group_urlnames: tuple[str, ...] = ()
    places: tuple[tuple[float, float, float], ...] = ()
    """Search centres (lat, lon, radius miles); empty: the one centre above."""
    search: bool = True
    """Whether to run the keyword search (False: only the network and/or named groups)."""

    @property
    def is_default_topic(self) -> bool:
        return self.queries == DEFAULT_QUERIES and self.topic_category_id is None

    def search_fields(self) -> dict[str, Any]:
        """`MeetupResource` fields for the sources (network, named groups, search)."""
        return {
            "lat": self.lat,
            "lon": self.lon,
            "radius_miles": self.radius_miles,
            "queries": list(self.queries),
            "topic_category_id": self.topic_category_id,
            "pro_network": self.pro_network,
            "group_urlnames": list(self.group_urlnames),
            "search_places": [f"{lat:g},{lon:g},{r:g}" for lat, lon, r in self.places],
            "search": self.search,
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
    network, urlnames, places = _sources(env)
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
        pro_network=network,
        group_urlnames=urlnames,
        places=places,
        search=not (network or urlnames) or any(env.get(ENV[f], "").strip() for f in SEARCH_VARS),
    )


def _sources(
    env: Mapping[str, str],
) -> tuple[str | None, tuple[str, ...], tuple[tuple[float, float, float], ...]]:
    """`MEETUP_PRO_NETWORK`, `MEETUP_GROUP_URLNAMES`, `MEETUP_SEARCH_PLACES`, validated."""
    network = env.get(ENV["pro_network"], "").strip() or None
    if network is not None and not _URLNAME.match(network):
        raise SettingsError(
            f"MEETUP_PRO_NETWORK={network!r} is not a network urlname: give the name in "
            "meetup.com/pro/<urlname>, e.g. rladies."
        )
    urlnames: tuple[str, ...] = ()
    if raw := env.get(ENV["group_urlnames"], "").strip():
        urlnames = tuple(dict.fromkeys(u.strip() for u in raw.split(",") if u.strip()))
        bad = [u for u in urlnames if not _URLNAME.match(u)]
        if bad or not urlnames:
            what = f"{bad[0]!r} is not a group urlname" if bad else "no urlname"
            raise SettingsError(
                f"MEETUP_GROUP_URLNAMES: {what}; give comma-separated urlnames as in "
                "meetup.com/<urlname>, e.g. 'rladies-sydney,pydata-london'."
            )
    places: tuple[tuple[float, float, float], ...] = ()
    if raw := env.get(ENV["places"], "").strip():
        try:
            parsed = parse_places(raw)
        except ValueError as exc:
            raise SettingsError(
                f"MEETUP_SEARCH_PLACES: {exc}; give 'lat,lon,radius_miles' items separated by "
                "';', e.g. '37.42,-122.17,35;51.5,-0.12,20'."
            ) from None
        if any(env.get(ENV[f], "").strip() for f in ("lat", "lon", "radius_miles")):
            raise SettingsError(
                "MEETUP_SEARCH_PLACES replaces MEETUP_SEARCH_LAT, MEETUP_SEARCH_LON and "
                "MEETUP_SEARCH_RADIUS_MILES: put that centre in the list and unset them."
            )
        places = tuple((p.lat, p.lon, p.radius_miles) for p in parsed)
    return network, urlnames, places


@cache
def region() -> Region:
    """This process's region (read once: partitions and schedules are built from it)."""
    return parse_region()


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
