"""Where the simulated world is: the Bay Area by default, or a generic region anywhere.

A generic region stands in for any city the pipeline is pointed at (Lagos, Berlin, Sydney):
towns with plausible-but-generic names ("Riverside", "Old Town") scattered around the
centre, venues and streets without local colour, and the region's own time zone, so the
events happen at local evening hours and DST follows the zone's own rule. Everything is
derived from the centre and the zone, so the same settings give the same world.

Environment (read by `SandboxConfig.from_env`): `MEETUP_SANDBOX_LAT`, `MEETUP_SANDBOX_LON`,
`MEETUP_SANDBOX_TIMEZONE`, each falling back to the pipeline's `MEETUP_SEARCH_LAT`,
`MEETUP_SEARCH_LON` and `MEETUP_TIMEZONE`; with none of them set the world is the Bay Area.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from meetup_pipeline.sandbox import catalog, themes
from meetup_pipeline.sandbox.catalog import City

BAY_AREA_TIMEZONE = "America/Los_Angeles"


@dataclass(frozen=True)
class SandboxRegion:
    """The place a world is generated in (hashable: worlds are cached by it)."""

    lat: float
    lon: float
    timezone: str
    cities: tuple[City, ...]
    streets: tuple[str, ...]
    venue_words: tuple[str, ...]
    area_words: tuple[str, ...]
    state: str
    country: str
    is_bay_area: bool = False

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def centre(self) -> tuple[float, float]:
        return (self.lat, self.lon)

    def dst_eves(self, year: int) -> list[date]:
        """The days before this zone's clock changes in `year` (US rule for the Bay Area)."""
        if self.is_bay_area:
            out = []
            for month, nth in ((3, 2), (11, 1)):
                first = date(year, month, 1)
                sunday = first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (nth - 1))
                out.append(sunday - timedelta(days=1))
            return out
        eves = []
        day = date(year, 1, 1)
        offset = datetime(year, 1, 1, 12, tzinfo=self.zone).utcoffset()
        while day.year == year:
            nxt = day + timedelta(days=1)
            later = datetime(nxt.year, nxt.month, nxt.day, 12, tzinfo=self.zone).utcoffset()
            if later != offset:
                eves.append(day)
                offset = later
            day = nxt
        return eves


BAY_AREA = SandboxRegion(
    lat=catalog.SEARCH_CENTRE[0],
    lon=catalog.SEARCH_CENTRE[1],
    timezone=BAY_AREA_TIMEZONE,
    cities=catalog.CITIES,
    streets=catalog.STREETS,
    venue_words=catalog.VENUE_WORDS,
    area_words=themes.REGIONS,
    state="CA",
    country="us",
    is_bay_area=True,
)

TOWN_NAMES: tuple[str, ...] = (
    "Central City",
    "Riverside",
    "Old Town",
    "Northgate",
    "Eastfield",
    "Westbrook",
    "Hillcrest",
    "Lakeside",
    "Southport",
    "Harbour Point",
    "Greenway",
    "Stonebridge",
    "Meadowvale",
    "Kingsbury",
    "Fairview",
    "Brookside",
    # beyond the default 35-mile radius, like the Bay Area's outliers
    "Far Hills",
    "Outer Ridge",
)
TOWN_WEIGHTS = (24.0, 11, 7, 6, 5, 4, 3, 4, 3, 3, 2, 2, 3, 1.5, 1.5, 1.5, 2, 1)

GENERIC_STREETS: tuple[str, ...] = (
    "Main Street",
    "High Street",
    "Market Road",
    "Station Road",
    "Church Street",
    "Park Avenue",
    "River Road",
    "Garden Lane",
    "Hill Road",
    "Harbour Way",
    "Central Avenue",
    "Mill Lane",
    "Bridge Street",
    "King's Road",
    "Queen's Drive",
    "North Avenue",
)
GENERIC_VENUE_WORDS: tuple[str, ...] = (
    "Cedar",
    "Harbor",
    "Summit",
    "Willow",
    "Pioneer",
    "Juniper",
    "Sunset",
    "Alder",
    "Bluebird",
    "Orchard",
    "Lantern",
    "Copper",
    "Ivy",
    "Saffron",
    "Tamarind",
    "Starling",
    "Granite",
    "Mosaic",
    "Nimbus",
    "Velvet",
)
GENERIC_AREA_WORDS: tuple[str, ...] = ("Metro", "City", "Downtown", "Central", "Greater Area")

MILES_PER_DEGREE = 69.0


def generic_region(lat: float, lon: float, timezone: str) -> SandboxRegion:
    """Towns around (lat, lon): 16 within 30 miles, 2 at 38-45 miles; deterministic."""
    ZoneInfo(timezone)  # refuse an unknown zone here, not at the first event
    rng = random.Random(f"region:{lat:.5f}:{lon:.5f}:{timezone}")
    cities = []
    cos_lat = max(0.05, math.cos(math.radians(lat)))
    for i, (name, weight) in enumerate(zip(TOWN_NAMES, TOWN_WEIGHTS, strict=True)):
        if i == 0:
            distance = 0.0
        elif name in ("Far Hills", "Outer Ridge"):
            distance = rng.uniform(38.0, 45.0)
        else:
            distance = rng.uniform(3.0, 28.0)
        bearing = rng.uniform(0, 2 * math.pi)
        dlat = distance * math.cos(bearing) / MILES_PER_DEGREE
        dlon = distance * math.sin(bearing) / (MILES_PER_DEGREE * cos_lat)
        city_lat = max(-89.0, min(89.0, lat + dlat))
        city_lon = (lon + dlon + 180.0) % 360.0 - 180.0
        postal = f"{rng.randint(10000, 99999)}"
        cities.append(City(name, round(city_lat, 4), round(city_lon, 4), postal, float(weight)))
    return SandboxRegion(
        lat=lat,
        lon=lon,
        timezone=timezone,
        cities=tuple(cities),
        streets=GENERIC_STREETS,
        venue_words=GENERIC_VENUE_WORDS,
        area_words=GENERIC_AREA_WORDS,
        state="",
        country="",
    )


def region_for(lat: float | None, lon: float | None, timezone: str | None) -> SandboxRegion:
    """The Bay Area when nothing differs from it; otherwise a generic region."""
    lat = BAY_AREA.lat if lat is None else lat
    lon = BAY_AREA.lon if lon is None else lon
    timezone = timezone or BAY_AREA_TIMEZONE
    if (lat, lon, timezone) == (BAY_AREA.lat, BAY_AREA.lon, BAY_AREA_TIMEZONE):
        return BAY_AREA
    return generic_region(lat, lon, timezone)
