"""What to extract: a Pro network, named groups and keyword searches, in any combination.

Each source has a label that the raw layer stores with every record it saw
(``network:<urlname>``, ``group:<urlname>``, ``search:<query>@<lat>,<lon>,<radius>``), so a
record found by two sources is stored once and says both.
"""

from __future__ import annotations

from dataclasses import dataclass

PALO_ALTO_94305 = (37.4241, -122.1661)
DEFAULT_RADIUS_MILES = 35.0
DEFAULT_QUERIES: tuple[str, ...] = (
    "dating",
    "singles",
    "speed dating",
    "single professionals",
    "singles over 40",
    "lgbtq singles",
    "singles hiking",
    "relationships",
)
"""The 2018 project searched categories 30/31 and ten dating topics; gql-ext searches text."""


@dataclass(frozen=True)
class Place:
    """One search centre and radius (miles)."""

    lat: float
    lon: float
    radius_miles: float

    @property
    def label(self) -> str:
        return f"{self.lat:g},{self.lon:g},{self.radius_miles:g}"


@dataclass(frozen=True)
class SearchSettings:
    """Where and what to look for (defaults: the 2018 project's Palo Alto dating scene).

    ``places`` lists several centres searched with the same keywords; empty means the one
    centre ``lat``, ``lon``, ``radius_miles``.
    """

    queries: tuple[str, ...] = DEFAULT_QUERIES
    lat: float = PALO_ALTO_94305[0]
    lon: float = PALO_ALTO_94305[1]
    radius_miles: float = DEFAULT_RADIUS_MILES
    topic_category_id: str | None = None
    places: tuple[Place, ...] = ()

    def all_places(self) -> tuple[Place, ...]:
        return self.places or (Place(self.lat, self.lon, self.radius_miles),)


@dataclass(frozen=True)
class Sources:
    """The configured sources; ``search`` None means no keyword search."""

    network: str | None = None
    group_urlnames: tuple[str, ...] = ()
    search: SearchSettings | None = None


DEFAULT_SOURCES = Sources(search=SearchSettings())
"""What a caller that names no sources gets: the Bay Area dating search. The pipeline always
names them (the `region` resource's)."""


def network_label(urlname: str) -> str:
    return f"network:{urlname}"


def group_label(urlname: str) -> str:
    return f"group:{urlname}"


def search_label(query: str, place: Place) -> str:
    return f"search:{query}@{place.label}"


def union(*labels: tuple[str, ...]) -> tuple[str, ...]:
    """Every label once, sorted: the same whatever order the copies arrived in."""
    return tuple(sorted({label for group in labels for label in group}))


def parse_places(raw: str) -> tuple[Place, ...]:
    """``"lat,lon,radius;lat,lon,radius"`` -> places; ValueError names the bad item."""
    places = []
    for item in (p.strip() for p in raw.split(";")):
        if not item:
            continue
        parts = [x.strip() for x in item.split(",")]
        try:
            lat, lon, radius = (float(x) for x in parts)
        except ValueError:
            raise ValueError(f"{item!r} is not lat,lon,radius_miles") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 0.1 <= radius <= 500):
            raise ValueError(
                f"{item!r} is out of range (lat -90..90, lon -180..180, radius 0.1..500 miles)"
            )
        places.append(Place(lat, lon, radius))
    if not places:
        raise ValueError("no place given")
    return tuple(dict.fromkeys(places))
