"""Groups and venues of the simulated world, each from its own RNG (see `world.py`)."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime

from meetup_pipeline.sandbox import catalog, themes
from meetup_pipeline.sandbox.region import BAY_AREA, SandboxRegion
from meetup_pipeline.sandbox.world import FOUNDING_START, SimGroup, SimVenue, miles

NAME_VARIANTS = ("Social Club", "Meetup", "Circle", "Collective", "Society", "Network")


def _ts(dt: datetime) -> int:
    return int(dt.timestamp())


def build_venues(seed: int, count: int, region: SandboxRegion = BAY_AREA) -> list[SimVenue]:
    """Venues spread over the cities by weight, each with its own RNG."""
    weights = [c.weight for c in region.cities]
    venues: list[SimVenue] = []
    used: set[str] = set()
    for vi in range(count):
        rng = random.Random(f"venue:{seed}:{vi}")
        city = rng.choices(region.cities, weights)[0]
        kind, cap_lo, cap_hi = rng.choice(catalog.VENUE_KINDS)
        name = kind.format(w=rng.choice(region.venue_words))
        if name in used:
            name = f"{name} {city.name}"
        used.add(name)
        address = f"{rng.randint(10, 2999)} {rng.choice(region.streets)}"
        lat = round(city.lat + rng.uniform(-0.02, 0.02), 6)
        lon = round(city.lon + rng.uniform(-0.02, 0.02), 6)
        postal = city.zip if rng.random() > 0.05 else ""  # free text, sometimes empty
        venues.append(
            SimVenue(
                str(20_000_000 + vi * 7 + 3),
                name,
                address,
                city.name,
                region.state,
                postal,
                region.country,
                lat,
                lon,
                "",
                rng.randint(cap_lo, cap_hi),
            )
        )
    return venues


def _founded(rng: random.Random, region: SandboxRegion) -> datetime:
    """Founding dates 2006-2025, busiest 2012-2019."""
    year = rng.choices(
        range(2006, 2026),
        [2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 9, 8, 8, 7, 5, 5, 5, 5, 4, 3],
    )[0]
    day = rng.randint(0, 364)
    dt = datetime(year, 1, 1, rng.randint(7, 22), rng.randint(0, 59), rng.randint(0, 59))
    zone = region.zone
    return datetime.fromtimestamp(_ts(dt.replace(tzinfo=zone)) + day * 86400, zone)


def slug(name: str, title_case: bool) -> str:
    words = "".join(c if c.isalnum() else " " for c in name).split()
    return "-".join(w.capitalize() if title_case else w.lower() for w in words)


def build_group(
    seed: int,
    gi: int,
    venues_by_city: dict[str, list[SimVenue]],
    all_venues: list[SimVenue],
    region: SandboxRegion = BAY_AREA,
) -> SimGroup:
    """One group from its own RNG (independent of every other group and of `scale`)."""
    rng = random.Random(f"group:{seed}:{gi}")
    theme = rng.choices(themes.THEMES, [t.weight for t in themes.THEMES])[0]
    city = rng.choices(region.cities, [c.weight for c in region.cities])[0]
    area = rng.choice(region.area_words)
    name = rng.choice(theme.names).format(c=city.name, r=area)
    founded = _founded(rng, region)
    founded_ts = _ts(founded)
    closed_ts: int | None = None
    if rng.random() < 0.15 and founded.year <= 2023:
        span = _ts(datetime(2025, 6, 30, tzinfo=UTC)) - founded_ts - 365 * 86400
        closed_ts = founded_ts + 365 * 86400 + int(rng.random() * max(span, 86400))
    dating = [catalog.DATING_TOPICS[i] for i in theme.dating_topics]
    extra = [catalog.OTHER_TOPICS[k] for k in theme.topics]
    topics = tuple(dict.fromkeys([*dating, catalog.SINGLES_TOPIC, *extra]))
    local = venues_by_city.get(city.name) or all_venues
    pool = rng.sample(local, min(len(local), rng.randint(2, 6)))
    pool += rng.sample(all_venues, rng.randint(1, 3))
    desc = rng.choice(themes.DESCRIPTIONS).format(
        c=city.name, r=area, t=", ".join(t.name.lower() for t in topics[-2:])
    )
    final = int(min(15_000, max(25, rng.lognormvariate(math.log(700), 1.0))))
    day_index = (founded_ts - _ts(FOUNDING_START)) // 86400
    lat, lon = round(city.lat, 2), round(city.lon, 2)
    return SimGroup(
        index=gi,
        id=str(1_000_000 + max(0, day_index) * 10_000 + gi),
        urlname=slug(name, rng.random() < 0.3),
        name=name,
        description=desc,
        city=city,
        lat=lat,
        lon=lon,
        founded_ts=founded_ts,
        closed_ts=closed_ts,
        closed_status=rng.choice(("FROZEN", "DEAD", "ORG_CLOSED")),
        join_mode=rng.choices(("OPEN", "APPROVAL", "CLOSED"), [80, 17, 3])[0],
        is_private=rng.random() < 0.05,
        category_id=theme.category,
        topics=topics,
        theme=theme,
        final_members=final,
        growth_days=rng.randint(600, 3000),
        events_per_month=round(min(12.0, max(0.4, rng.lognormvariate(math.log(1.6), 0.7))), 2),
        venue_pool=tuple(dict.fromkeys(pool)),
        organizer_id=str(100_000_000 + gi * 7919 % 99_999_999),
        organizer_name=f"{rng.choice(themes.ORGANIZER_NAMES)} {chr(65 + rng.randint(0, 25))}.",
        has_photo=rng.random() < 0.8,
        timezone=region.timezone,
        distance_miles=miles(lat, lon, *region.centre),
    )
