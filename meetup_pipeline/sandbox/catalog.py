"""Static tables the simulated world is drawn from: cities, topics, categories, group themes.

Kept apart from the generators so the tables can be read (and reviewed) on their own.
Coordinates are real city centres; distances are from the 2018 project's search centre,
zip 94305 (Stanford / Palo Alto).
"""

from __future__ import annotations

from dataclasses import dataclass

SEARCH_CENTRE: tuple[float, float] = (37.4241, -122.1661)
"""Zip 94305, the centre of the 2018 project's search (radius 35 miles)."""

DEFAULT_RADIUS_MILES = 35.0

DEFAULT_QUERIES: tuple[str, ...] = ("dating", "singles")
"""Each of these queries alone finds every open group (all groups carry a dating topic and
the Singles topic), subject only to the radius and to closed groups being hidden."""


@dataclass(frozen=True, slots=True)
class City:
    """A Bay Area city: centre coordinates, a real zip code, and how many groups it draws."""

    name: str
    lat: float
    lon: float
    zip: str
    weight: float


CITIES: tuple[City, ...] = (
    City("San Francisco", 37.7749, -122.4194, "94103", 24.0),
    City("San Jose", 37.3382, -121.8863, "95113", 11.0),
    City("Oakland", 37.8044, -122.2712, "94612", 7.0),
    City("Palo Alto", 37.4419, -122.1430, "94301", 6.0),
    City("Mountain View", 37.3861, -122.0839, "94041", 5.0),
    City("Sunnyvale", 37.3688, -122.0363, "94086", 4.0),
    City("Santa Clara", 37.3541, -121.9552, "95050", 3.0),
    City("Berkeley", 37.8716, -122.2727, "94704", 4.0),
    City("Redwood City", 37.4852, -122.2364, "94063", 3.0),
    City("San Mateo", 37.5630, -122.3255, "94401", 3.0),
    City("Menlo Park", 37.4530, -122.1817, "94025", 2.0),
    City("Cupertino", 37.3230, -122.0322, "95014", 2.0),
    City("Fremont", 37.5485, -121.9886, "94538", 3.0),
    City("Milpitas", 37.4323, -121.8996, "95035", 1.5),
    City("Campbell", 37.2872, -121.9500, "95008", 1.5),
    City("Los Gatos", 37.2358, -121.9624, "95030", 1.5),
    City("Burlingame", 37.5841, -122.3661, "94010", 1.5),
    City("Hayward", 37.6688, -122.0808, "94541", 1.5),
    City("Pleasanton", 37.6624, -121.8747, "94566", 2.0),
    City("Livermore", 37.6819, -121.7680, "94550", 1.0),
    City("Daly City", 37.6879, -122.4702, "94014", 1.0),
    City("Half Moon Bay", 37.4636, -122.4286, "94019", 1.0),
    City("Danville", 37.8216, -121.9999, "94526", 1.0),
    City("Santa Cruz", 36.9741, -122.0308, "95060", 2.0),
    # Beyond the 35-mile default radius on purpose (39-47 miles from 94305).
    City("Concord", 37.9780, -122.0311, "94520", 2.0),
    City("San Rafael", 37.9735, -122.5311, "94901", 2.0),
    City("Gilroy", 37.0058, -121.5683, "95020", 1.0),
    City("Vallejo", 38.1041, -122.2566, "94590", 1.0),
)

STREETS: tuple[str, ...] = (
    "Main St",
    "University Ave",
    "El Camino Real",
    "Castro St",
    "Market St",
    "Broadway",
    "Mission St",
    "Valencia St",
    "Shattuck Ave",
    "Telegraph Ave",
    "Santa Cruz Ave",
    "Lincoln Ave",
    "First St",
    "Second St",
    "Park Ave",
    "Grand Ave",
    "Oak St",
    "Pine St",
    "Webster St",
    "California Ave",
    "Murphy Ave",
    "Central Ave",
    "Washington Blvd",
    "Fillmore St",
    "Union St",
    "Polk St",
    "Hayes St",
    "Laurel St",
    "Center St",
    "Alameda",
)

VENUE_KINDS: tuple[tuple[str, int, int], ...] = (
    # (name pattern, min capacity, max capacity)
    ("{w} Wine Bar", 30, 80),
    ("The {w} Lounge", 40, 120),
    ("{w} Brewing Co.", 60, 200),
    ("Cafe {w}", 15, 40),
    ("{w} Tavern", 40, 120),
    ("{w} Kitchen", 30, 90),
    ("{w} Park", 200, 1000),
    ("{w} Trailhead", 100, 500),
    ("{w} Dance Studio", 40, 150),
    ("{w} Community Center", 80, 300),
    ("{w} Bowling & Billiards", 60, 200),
    ("{w} Rooftop", 50, 150),
    ("{w} Social Club", 50, 160),
    ("{w} Board Game Cafe", 20, 60),
)

VENUE_WORDS: tuple[str, ...] = (
    "Redwood",
    "Bayside",
    "Golden Gate",
    "Cypress",
    "Harbor",
    "Summit",
    "Willow",
    "Pioneer",
    "Sequoia",
    "Mission",
    "Juniper",
    "Foghorn",
    "Sunset",
    "Madrone",
    "Alder",
    "Marina",
    "Bluebird",
    "Poppy",
    "Coastal",
    "Orchard",
    "Vineyard",
    "Lantern",
    "Copper",
    "Ivy",
    "Saffron",
    "Tamarind",
    "Pelican",
    "Starling",
    "Granite",
    "Mosaic",
    "Nimbus",
    "Velvet",
)


@dataclass(frozen=True, slots=True)
class TopicDef:
    """A topic; the ten ids marked `known` are the 2018 project's real dating topic ids."""

    id: str
    name: str
    urlkey: str
    known: bool = False


def _slug(name: str) -> str:
    out = "".join(c.lower() if c.isalnum() else "-" for c in name)
    return "-".join(p for p in out.split("-") if p)


def _topic(tid: str, name: str, known: bool = False) -> TopicDef:
    return TopicDef(tid, name, _slug(name), known)


DATING_TOPICS: tuple[TopicDef, ...] = (
    _topic("20246", "Dating and Relationships", True),
    _topic("124696", "Dating for Mature Cool Singles", True),
    _topic("40347", "Online Dating", True),
    _topic("16766", "Lesbian Dating", True),
    _topic("19639", "Dating over 45's", True),
    _topic("25504", "Interracial Dating", True),
    _topic("20662", "Dating over 35", True),
    _topic("20814", "Dating Again", True),
    _topic("30376", "Single and Dating Again", True),
    _topic("34247", "Dating & Relationships / Romance", True),
)

SINGLES_TOPIC = _topic("900001", "Singles")

OTHER_TOPICS: dict[str, TopicDef] = {
    t.urlkey: t
    for t in (
        _topic("900002", "Speed Dating"),
        _topic("900003", "Singles Hiking"),
        _topic("900004", "LGBTQ Social"),
        _topic("900005", "Gay Men's Social"),
        _topic("900006", "Young Professionals"),
        _topic("900007", "Over 40 Social"),
        _topic("900008", "Wine Tasting"),
        _topic("900009", "Salsa Dancing"),
        _topic("900010", "Dinner Parties"),
        _topic("900011", "Board Games"),
        _topic("900012", "Jewish Singles"),
        _topic("900013", "Christian Singles"),
        _topic("900014", "Asian American Professionals"),
        _topic("900015", "Divorced Singles"),
        _topic("900016", "Book Club"),
        _topic("900017", "Social Networking"),
    )
}

CATEGORIES: dict[str, tuple[str, str]] = {
    # id -> (name, urlkey). 30 and 31 are the 2018 project's categories.
    "30": ("Singles", "singles"),
    "31": ("Socializing", "socializing"),
    "12": ("LGBTQ", "lgbtq"),
    "23": ("Outdoors & Adventure", "outdoors-adventure"),
    "5": ("Dancing", "dancing"),
}
