"""The network's world map: Equal Earth, centred where the chapters are, land projected once.

Why Equal Earth: a network's chapters sit on every continent, and a map that compares
chapters by area must not inflate the north (Mercator) or bend the Pacific away
(orthographic); Equal Earth (Savric, Jenny, Patterson 2018) is equal-area, shows the whole
world in one familiar frame, and is a closed formula (no library).

Why a chosen central meridian: the map's edge is a cut through the globe. Chapters in
Auckland (174.8E) and Honolulu (157.9W) are 27 degrees apart across the antimeridian, so a
map cut there puts them at opposite edges, and a map fitted to the chapters' west-most and
east-most longitude spans the whole world for two Pacific chapters. The rule
(`central_meridian`): chapters within half the globe are centred on the middle of their arc
(the map then fits them); a network around the world is centred on Greenwich, or on 150E
(cut through the Atlantic) when a chapter lies within `CUT_MARGIN` of the antimeridian, or
else opposite the widest empty arc between chapters. No chapter is ever split by the edge.

Land is the shipped Natural Earth countries (`basemap.world_countries`): each ring rotated,
unwrapped, cut at the new edge (rings that wrap the pole, like Antarctica's, included),
densified along the cut, projected and clipped to the view, so the page only scales it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import pairwise
from typing import Any

from meetup_pipeline.dashboard.basemap import LAND_NOTICE, clip_ring, flat_ring, world_countries

Point = tuple[float, float]
Box = tuple[float, float, float, float]
"""x0, y0, x1, y1 in projected units (north up: y grows northwards)."""

CUT_MARGIN = 10.0
"""Degrees of longitude kept between every chapter and the map's edge."""
GLOBE_CENTRES = (0.0, 150.0)
"""Central meridians tried, in order, for a network around the world."""
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2
DENSIFY_DEGREES = 2.0


def equal_earth(lon: float, lat: float) -> Point:
    """Equal Earth projection of a (rotated) longitude and latitude, in degrees."""
    lam, phi = math.radians(lon), math.radians(lat)
    t = math.asin(_M * math.sin(phi))
    t2 = t * t
    t6 = t2 * t2 * t2
    x = lam * math.cos(t) / (_M * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    y = t * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return (x, y)


WORLD: Box = (
    equal_earth(-180, 0)[0],
    equal_earth(0, -90)[1],
    equal_earth(180, 0)[0],
    equal_earth(0, 90)[1],
)
"""The projected globe's bounding box."""


def _wrap(deg: float) -> float:
    """Into [-180, 180)."""
    return (deg + 180.0) % 360.0 - 180.0


def _arc(lons: Sequence[float]) -> tuple[float, float]:
    """(start, length) of the widest empty arc between the longitudes, going east."""
    ordered = sorted(lon % 360.0 for lon in lons)
    best = (ordered[-1], 360.0 - ordered[-1] + ordered[0])
    for a, b in pairwise(ordered):
        if b - a > best[1]:
            best = (a, b - a)
    return best


def central_meridian(lons: Sequence[float]) -> float:
    """The map's centre for chapters at `lons` (see the module docstring)."""
    if not lons:
        return 0.0
    start, gap = _arc(lons)
    if gap >= 180.0:  # every chapter within half the globe: centre on them
        return round(_wrap(start + gap + (360.0 - gap) / 2), 1)
    for centre in GLOBE_CENTRES:
        cut = centre + 180.0
        if all(abs(_wrap(lon - cut)) >= CUT_MARGIN for lon in lons):
            return centre
    return round(_wrap(start + gap / 2 + 180.0), 1)


def project(lon: float, lat: float, centre: float) -> Point:
    return equal_earth(_wrap(lon - centre), max(-90.0, min(90.0, lat)))


def _densify(ring: Sequence[Point]) -> list[Point]:
    out: list[Point] = []
    for i, a in enumerate(ring):
        b = ring[(i + 1) % len(ring)]
        out.append(a)
        steps = int(max(abs(b[0] - a[0]), abs(b[1] - a[1])) / DENSIFY_DEGREES)
        for k in range(1, steps + 1):
            t = k / (steps + 1)
            out.append((a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])))
    return out


def rotated_pieces(ring: Sequence[Point], centre: float) -> list[list[Point]]:
    """A lon/lat ring as rings in rotated longitude, cut at the map's edge (+-180)."""
    if len(ring) < 3:
        return []
    pts = [(_wrap(ring[0][0] - centre), ring[0][1])]
    for prev, cur in pairwise(ring):
        pts.append((pts[-1][0] + _wrap(cur[0] - prev[0]), cur[1]))
    turn = pts[-1][0] - pts[0][0] + _wrap(ring[0][0] - ring[-1][0])
    if abs(turn) > 180.0:  # the ring goes round a pole: close it along that pole
        pole = -90.0 if sum(y for _, y in ring) < 0 else 90.0
        pts += [(pts[-1][0], pole), (pts[0][0], pole)]
    pieces = []
    for shift in (-360.0, 0.0, 360.0):
        clipped = clip_ring([(x + shift, y) for x, y in pts], (-180.0, -90.0, 180.0, 90.0))
        if len(clipped) >= 3:
            pieces.append(clipped)
    return pieces


def view_of(points: Iterable[Point]) -> Box:
    """The projected box the page fits: the chapters with a margin, or the whole globe when
    they span more than half of it."""
    pts = list(points)
    if not pts:
        return WORLD
    x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
    y0, y1 = min(p[1] for p in pts), max(p[1] for p in pts)
    if x1 - x0 > (WORLD[2] - WORLD[0]) / 2:
        return WORLD
    margin = max(0.03, 0.12 * max(x1 - x0, y1 - y0))
    return (
        max(WORLD[0], x0 - margin),
        max(WORLD[1], y0 - margin),
        min(WORLD[2], x1 + margin),
        min(WORLD[3], y1 + margin),
    )


def sphere(centre: float) -> list[Point]:
    """The projected globe's outline (the sea)."""
    east = [project(centre + 180.0 - 1e-9, lat, centre) for lat in range(-90, 91, 5)]
    west = [project(centre - 180.0, lat, centre) for lat in range(90, -91, -5)]
    return east + west


@lru_cache(maxsize=4)
def projected_land(centre: float, box: Box = WORLD) -> list[list[float]]:
    """Every country's rings, rotated to `centre`, cut at the edge, projected, clipped
    (cached: a network's centre and view rarely change between builds; read-only)."""
    span = max(box[2] - box[0], box[3] - box[1])
    digits = 4 if span < 0.3 else 3 if span < 2.0 else 2
    land = []
    for _, rings, _bounds in world_countries():
        for ring in rings:
            for piece in rotated_pieces(ring, centre):
                projected = [equal_earth(x, y) for x, y in _densify(piece)]
                flat = flat_ring(clip_ring(projected, box), digits)
                if len(flat) >= 6:
                    land.append(flat)
    return land


def world_map(chapters: Iterable[Point]) -> dict[str, Any]:
    """Centre, projected chapter points and land for chapters at (lon, lat)."""
    pts = list(chapters)
    centre = central_meridian([lon for lon, _ in pts])
    xy = [project(lon, lat, centre) for lon, lat in pts]
    box = view_of(xy)
    land = projected_land(centre, box)
    return {
        "centre": centre,
        "points": [(round(x, 4), round(y, 4)) for x, y in xy],
        "view": [round(v, 4) for v in box],
        "land": land,
        "sphere": flat_ring(clip_ring(sphere(centre), box), 3),
        "credits": [LAND_NOTICE] if land else [],
    }
