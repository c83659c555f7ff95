"""The region and its sources: where to search, for what, which network and groups.

`RegionSettings` is the resource (one string field per variable, `dg.EnvVar`-backed by the
wiring); `Region` is what its parser makes of them. Defaults are the 2018 project's Bay
Area dating search, so an unset environment changes nothing. The region's clock is a
load-time input (`clock.py`) and is not a field here: the partitions are built from it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from meetup_pipeline.meetup.sources import DEFAULT_QUERIES as CLIENT_QUERIES
from meetup_pipeline.meetup.sources import DEFAULT_RADIUS_MILES as CLIENT_RADIUS_MILES
from meetup_pipeline.meetup.sources import (
    PALO_ALTO_94305,
    Place,
    SearchSettings,
    Sources,
    parse_places,
)
from meetup_pipeline.settings import SettingsError
from meetup_pipeline.settings.clock import DEFAULT_TIMEZONE, local_timezone, parse_timezone
from meetup_pipeline.settings.env import EnvSettings

DEFAULT_REGION_NAME = "Bay Area"
DEFAULT_CENTRE = PALO_ALTO_94305
"""Zip 94305 (Stanford / Palo Alto), the 2018 project's search centre."""
DEFAULT_RADIUS_MILES = CLIENT_RADIUS_MILES
DEFAULT_QUERIES: tuple[str, ...] = CLIENT_QUERIES
"""The client's own defaults (`meetup/sources.py`): one definition of the Bay Area search."""

MAX_RADIUS_MILES = 500.0

ENV = {
    "lat": "MEETUP_SEARCH_LAT",
    "lon": "MEETUP_SEARCH_LON",
    "radius_miles": "MEETUP_SEARCH_RADIUS_MILES",
    "queries": "MEETUP_SEARCH_QUERIES",
    "topic_category_id": "MEETUP_SEARCH_TOPIC_CATEGORY",
    "region_name": "MEETUP_REGION_NAME",
    "pro_network": "MEETUP_PRO_NETWORK",
    "group_urlnames": "MEETUP_GROUP_URLNAMES",
    "places": "MEETUP_SEARCH_PLACES",
}
SEARCH_VARS = ("lat", "lon", "radius_miles", "queries", "topic_category_id", "places")
"""Setting any of these asks for a keyword search; with none, a network or named groups
alone are searched for nothing else (the Bay Area default applies only with no source)."""
_URLNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")


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
    named: bool = False
    """Whether `region_name` was given (`MEETUP_REGION_NAME`), not derived."""
    pro_network: str | None = None
    group_urlnames: tuple[str, ...] = ()
    places: tuple[tuple[float, float, float], ...] = ()
    """Search centres (lat, lon, radius miles); empty: the one centre above."""
    search: bool = True
    """Whether to run the keyword search (False: only the network and/or named groups)."""

    @property
    def is_default_topic(self) -> bool:
        return self.queries == DEFAULT_QUERIES and self.topic_category_id is None

    def sources(self) -> Sources:
        """What the pipeline extracts, in the client's terms: the network, the named groups
        and (unless only those were asked for) the keyword search."""
        search = SearchSettings(
            self.queries,
            self.lat,
            self.lon,
            self.radius_miles,
            self.topic_category_id,
            tuple(Place(lat, lon, r) for lat, lon, r in self.places),
        )
        return Sources(self.pro_network, self.group_urlnames, search if self.search else None)


class RegionSettings(EnvSettings):
    """The region and sources (`MEETUP_SEARCH_*`, `MEETUP_PRO_NETWORK`,
    `MEETUP_GROUP_URLNAMES`, `MEETUP_REGION_NAME`); empty fields are the defaults."""

    VARIABLES: ClassVar[Mapping[str, str]] = ENV

    lat: str = Field("", description="MEETUP_SEARCH_LAT (empty: 37.4241)")
    lon: str = Field("", description="MEETUP_SEARCH_LON (empty: -122.1661)")
    radius_miles: str = Field("", description="MEETUP_SEARCH_RADIUS_MILES (empty: 35)")
    queries: str = Field("", description="MEETUP_SEARCH_QUERIES, comma-separated keywords")
    topic_category_id: str = Field("", description="MEETUP_SEARCH_TOPIC_CATEGORY")
    region_name: str = Field("", description="MEETUP_REGION_NAME, the name on the dashboard")
    pro_network: str = Field("", description="MEETUP_PRO_NETWORK, a Pro network's urlname")
    group_urlnames: str = Field("", description="MEETUP_GROUP_URLNAMES, comma-separated")
    places: str = Field("", description="MEETUP_SEARCH_PLACES, 'lat,lon,radius;...'")

    def _number(self, field: str, low: float, high: float, default: float) -> float:
        raw = getattr(self, field).strip()
        if not raw:
            return default
        try:
            number = float(raw)
        except ValueError:
            number = float("nan")
        if not low <= number <= high:  # NaN fails too
            raise SettingsError(f"{ENV[field]}={raw!r} is not a number from {low:g} to {high:g}.")
        return number

    def sources(self) -> Sources:
        """The sources the extracting assets hand to the client (`SettingsError` if bad)."""
        return self.region().sources()

    def region(self, timezone: str | None = None) -> Region:
        """Every field parsed, or `SettingsError` for the first bad one; `timezone` is the
        clock (default: this process's, `clock.local_timezone`)."""
        lat = self._number("lat", -90.0, 90.0, DEFAULT_CENTRE[0])
        lon = self._number("lon", -180.0, 180.0, DEFAULT_CENTRE[1])
        radius = self._number("radius_miles", 0.1, MAX_RADIUS_MILES, DEFAULT_RADIUS_MILES)
        queries = DEFAULT_QUERIES
        if raw := self.queries.strip():
            queries = tuple(dict.fromkeys(q.strip() for q in raw.split(",") if q.strip()))
            if not queries:
                raise SettingsError(
                    f"MEETUP_SEARCH_QUERIES={raw!r} has no keyword: give comma-separated "
                    "keywords, e.g. 'python,data science'."
                )
        category = self.topic_category_id.strip() or None
        if category is not None and not category.isdigit():
            raise SettingsError(
                f"MEETUP_SEARCH_TOPIC_CATEGORY={category!r} is not a Meetup category id "
                "(digits, e.g. 34 for Technology): fix it or unset it."
            )
        network, urlnames, places = self._sources()
        name = " ".join(self.region_name.split())
        if len(name) > 60:
            raise SettingsError(
                f"MEETUP_REGION_NAME is {len(name)} characters long: keep it to 60 or fewer."
            )
        named = bool(name)
        if not name:
            default_centre = (lat, lon) == DEFAULT_CENTRE
            name = (
                DEFAULT_REGION_NAME if default_centre else f"the area around {lat:.2f}, {lon:.2f}"
            )
        wants_search = any(getattr(self, f).strip() for f in SEARCH_VARS)
        return Region(
            lat=lat,
            lon=lon,
            radius_miles=radius,
            queries=queries,
            topic_category_id=category,
            timezone=local_timezone() if timezone is None else timezone,
            region_name=name,
            named=named,
            pro_network=network,
            group_urlnames=urlnames,
            places=places,
            search=not (network or urlnames) or wants_search,
        )

    def _sources(
        self,
    ) -> tuple[str | None, tuple[str, ...], tuple[tuple[float, float, float], ...]]:
        """`MEETUP_PRO_NETWORK`, `MEETUP_GROUP_URLNAMES`, `MEETUP_SEARCH_PLACES`, validated."""
        network = self.pro_network.strip() or None
        if network is not None and not _URLNAME.match(network):
            raise SettingsError(
                f"MEETUP_PRO_NETWORK={network!r} is not a network urlname: give the name in "
                "meetup.com/pro/<urlname>, e.g. rladies."
            )
        urlnames: tuple[str, ...] = ()
        if raw := self.group_urlnames.strip():
            urlnames = tuple(dict.fromkeys(u.strip() for u in raw.split(",") if u.strip()))
            bad = [u for u in urlnames if not _URLNAME.match(u)]
            if bad or not urlnames:
                what = f"{bad[0]!r} is not a group urlname" if bad else "no urlname"
                raise SettingsError(
                    f"MEETUP_GROUP_URLNAMES: {what}; give comma-separated urlnames as in "
                    "meetup.com/<urlname>, e.g. 'rladies-sydney,pydata-london'."
                )
        places: tuple[tuple[float, float, float], ...] = ()
        if raw := self.places.strip():
            try:
                parsed = parse_places(raw)
            except ValueError as exc:
                raise SettingsError(
                    f"MEETUP_SEARCH_PLACES: {exc}; give 'lat,lon,radius_miles' items separated "
                    "by ';', e.g. '37.42,-122.17,35;51.5,-0.12,20'."
                ) from None
            if any(getattr(self, f).strip() for f in ("lat", "lon", "radius_miles")):
                raise SettingsError(
                    "MEETUP_SEARCH_PLACES replaces MEETUP_SEARCH_LAT, MEETUP_SEARCH_LON and "
                    "MEETUP_SEARCH_RADIUS_MILES: put that centre in the list and unset them."
                )
            places = tuple((p.lat, p.lon, p.radius_miles) for p in parsed)
        return network, urlnames, places


def parse_region(environ: Mapping[str, str] | None = None) -> Region:
    """The region `environ`'s variables describe (default: this process's), or
    `SettingsError` for the first bad one: `RegionSettings` built from their values."""
    settings = RegionSettings.from_environ(environ)
    timezone = None if environ is None else parse_timezone(environ)
    return settings.region(timezone)
