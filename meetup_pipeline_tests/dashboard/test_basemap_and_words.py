"""The map background derived for any region from the shipped boundaries, and word-cloud
terms that keep place names whole."""

from pathlib import Path

from meetup_pipeline.dashboard.basemap import (
    COUNTY_NOTICE,
    LAND_NOTICE,
    basemap,
    clip_ring,
    view_box,
    world_countries,
)
from meetup_pipeline.dashboard.text import common_bigrams, tokenize_titles

STATIC = Path(__file__).parents[2] / "meetup_pipeline/dashboard/static"


def test_the_world_boundaries_ship_with_their_licence() -> None:
    licence = (STATIC / "world-atlas-LICENSE.txt").read_text()
    assert "Copyright 2013-2019 Michael Bostock" in licence
    names = {name for name, _, _ in world_countries()}
    assert {"Nigeria", "Germany", "Australia", "United States of America"} <= names


def test_clipping_keeps_the_part_inside_the_box() -> None:
    square = [(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0)]
    clipped = clip_ring(square, (1.0, 1.0, 2.0, 3.0))
    assert sorted(clipped) == [(1.0, 1.0), (1.0, 3.0), (2.0, 1.0), (2.0, 3.0)]
    assert clip_ring(square, (10.0, 10.0, 11.0, 11.0)) == []


def test_lagos_gets_land_and_no_us_counties() -> None:
    box = view_box([(3.3792, 6.5244), (3.2, 6.4), (3.6, 6.7)])
    assert box is not None
    west, south, east, north = box
    assert west < 3.2 and east > 3.6 and south < 6.4 and north > 6.7
    result = basemap(box)
    assert result["lines"] == [] and result["credits"] == [LAND_NOTICE]
    points = [(x, y) for ring in result["land"] for x, y in zip(ring[::2], ring[1::2], strict=True)]
    eps = 0.001  # rings are rounded to 0.001 degrees
    inside = all(
        west - eps <= x <= east + eps and south - eps <= y <= north + eps for x, y in points
    )
    assert points and inside
    # The coast is in view: land does not fill the whole box (the sea south of Lagos is sea).
    assert min(y for _, y in points) > south


def test_the_bay_area_gets_land_and_its_county_lines() -> None:
    result = basemap(view_box([(-122.42, 37.77), (-121.89, 37.33)]))
    assert result["land"] and result["lines"]
    assert result["credits"] == [LAND_NOTICE, COUNTY_NOTICE]
    assert basemap(None) == {"land": [], "lines": [], "credits": []}


def test_common_bigrams_stay_whole_in_the_word_cloud() -> None:
    titles = [
        "Singles Night in San Francisco",
        "San Francisco Wine Walk",
        "Speed Dating in San Jose",
        "Speed Dating for Professionals",
        "Wine and Cheese Social",
        "Board Games Night",
    ]
    assert common_bigrams(titles) == {("san", "francisco"), ("speed", "dating")}
    terms = tokenize_titles(titles)
    assert terms[0] == ["singles", "night", "san francisco"]
    assert terms[2] == ["speed dating", "san", "jose"]  # one San Jose is not a term yet
    assert terms[4] == ["wine", "cheese", "social"]  # a stopword between is no bigram
    assert all("francisco" not in t for t in terms)
