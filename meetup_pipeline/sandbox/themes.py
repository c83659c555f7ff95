"""Group themes and the words groups and events are named with (split from `catalog`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Theme:
    """A kind of dating group: how it is named, when it meets, how it charges."""

    key: str
    names: tuple[str, ...]
    titles: tuple[str, ...]
    topics: tuple[str, ...]
    dating_topics: tuple[int, ...]
    category: str
    hours: tuple[int, ...]
    weekend_day: bool
    minutes: int
    fee_prob: float
    fee_range: tuple[int, int]
    max_tickets: tuple[int, int] | None
    weight: float


THEMES: tuple[Theme, ...] = (
    Theme(
        "speed",
        (
            "{c} Speed Dating",
            "Speed Dating {r}",
            "{r} Speed Dating for Professionals",
            "Lock & Key Singles {c}",
            "Pre-Dating {r}",
        ),
        (
            "Speed Dating Ages {a}",
            "Speed Dating: {a} Professionals",
            "Lock and Key Mixer",
            "Valentine's Speed Dating",
            "Speed Dating at {v}",
        ),
        ("speed-dating", "young-professionals"),
        (0, 6),
        "30",
        (19, 19, 20, 18),
        False,
        120,
        0.85,
        (20, 45),
        (20, 40),
        2.0,
    ),
    Theme(
        "hike",
        (
            "{r} Singles Hiking Club",
            "Single Hikers of {c}",
            "Trail Singles {r}",
            "Outdoor Singles {c}",
        ),
        (
            "Singles Hike: {v}",
            "Sunset Hike for Singles",
            "Saturday Trail Social",
            "Beginner-friendly Singles Hike",
        ),
        ("singles-hiking",),
        (0, 9),
        "23",
        (9, 9, 10, 8, 17),
        True,
        210,
        0.0,
        (0, 0),
        None,
        1.5,
    ),
    Theme(
        "lgbtq",
        (
            "{c} Gay Singles Social",
            "Lesbian Singles of {r}",
            "Queer Dating {r}",
            "{r} LGBTQ+ Singles",
            "Gay Men's Dating {c}",
        ),
        (
            "LGBTQ+ Singles Mixer",
            "Queer Speed Friending & Dating",
            "Lesbian Singles Happy Hour",
            "Pride Month Singles Social",
        ),
        ("lgbtq-social", "gay-men-s-social"),
        (3, 0),
        "12",
        (18, 19, 20, 21),
        False,
        150,
        0.2,
        (10, 25),
        None,
        1.3,
    ),
    Theme(
        "over40",
        (
            "Singles Over 40 {c}",
            "{c} 50+ Singles",
            "{r} Mature Singles",
            "Fabulous Over 45 Singles {r}",
        ),
        (
            "Over-40 Singles Dinner",
            "Mature Singles Happy Hour",
            "50+ Dance Night",
            "Over 40 Wine Social",
        ),
        ("over-40-social", "divorced-singles"),
        (1, 4, 7, 8),
        "30",
        (17, 18, 19, 11),
        False,
        150,
        0.3,
        (15, 40),
        None,
        1.4,
    ),
    Theme(
        "pros",
        (
            "Young Professionals Singles {c}",
            "Tech Singles {r}",
            "Silicon Valley Singles Professionals",
            "{c} Singles After Work",
        ),
        (
            "After-Work Singles Mixer",
            "Tech Singles Happy Hour",
            "Rooftop Singles Social",
            "Networking & Dating Night",
        ),
        ("young-professionals", "social-networking"),
        (0, 2),
        "31",
        (18, 18, 19),
        False,
        150,
        0.25,
        (10, 30),
        None,
        1.6,
    ),
    Theme(
        "dinner",
        ("Dinner for Singles {c}", "{r} Singles Supper Club", "Table for Six {c}"),
        ("Singles Dinner at {v}", "Supper Club: Tasting Menu", "Brunch for Singles"),
        ("dinner-parties", "wine-tasting"),
        (0, 8),
        "31",
        (19, 19, 11),
        False,
        150,
        0.6,
        (35, 80),
        (6, 12),
        1.0,
    ),
    Theme(
        "dance",
        ("Salsa Singles {c}", "{r} Swing & Singles", "Dance Singles {r}"),
        ("Salsa Night for Singles", "Bachata Beginners Mixer", "Swing Dance Social"),
        ("salsa-dancing",),
        (0, 9),
        "5",
        (20, 20, 21),
        False,
        180,
        0.5,
        (10, 20),
        None,
        0.8,
    ),
    Theme(
        "faith",
        (
            "Jewish Singles {r}",
            "Christian Singles {c}",
            "Asian American Singles {r}",
            "Interracial Dating {r}",
        ),
        (
            "Shabbat Dinner for Singles",
            "Singles Fellowship Night",
            "Mixer at {v}",
            "Cultural Singles Social",
        ),
        ("jewish-singles", "christian-singles", "asian-american-professionals"),
        (5, 0),
        "30",
        (19, 18, 11),
        False,
        150,
        0.3,
        (10, 30),
        None,
        1.0,
    ),
    Theme(
        "activity",
        (
            "Board Game Singles {c}",
            "Singles Book Club {r}",
            "Foodie Singles {c}",
            "Wine Tasting Singles {r}",
            "Dating Again {c}",
        ),
        (
            "Board Game Night for Singles",
            "Singles Book Club: Monthly Pick",
            "Wine Tasting Social",
            "Trivia Night Singles",
        ),
        ("board-games", "book-club", "wine-tasting", "divorced-singles"),
        (7, 2, 8),
        "31",
        (19, 19, 14),
        False,
        150,
        0.2,
        (5, 20),
        None,
        1.2,
    ),
)

REGIONS: tuple[str, ...] = (
    "Bay Area",
    "Peninsula",
    "South Bay",
    "East Bay",
    "SF",
    "Silicon Valley",
    "North Bay",
    "Tri-Valley",
    "Midpeninsula",
)

AGE_BANDS: tuple[str, ...] = ("25-35", "28-39", "30-45", "35-49", "40-55", "45-59")

DESCRIPTIONS: tuple[str, ...] = (
    "We are a friendly community of singles in {c} who would rather meet in person than swipe. "
    "Dating doesn't have to be awkward: come for the {t}, stay for the people.",
    "Welcome! This group organises {t} for single adults around {c} and the wider {r}. "
    "Everyone is welcome; our events are relaxed, inclusive and about real-life dating.",
    "Tired of dating apps? Join other singles from {c} for {t}. New members join every week "
    "and most come alone, so don't be shy.",
)

ORGANIZER_NAMES: tuple[str, ...] = (
    "Alex",
    "Jordan",
    "Priya",
    "Michael",
    "Sofia",
    "David",
    "Mei",
    "Carlos",
    "Rachel",
    "Kevin",
    "Linh",
    "Samantha",
    "Omar",
    "Jennifer",
    "Tomas",
    "Aisha",
    "Brian",
    "Nadia",
    "Erik",
    "Grace",
)
