"""The map's background for any region: land, and county lines where the package has them.

Derived when the page is built, from boundaries shipped in the package (never fetched):

- Land: `static/world-countries-50m.json`, the npm package world-atlas 2.0.2 unchanged
  (TopoJSON of Natural Earth 4.1.0 admin-0 countries at 1:50m; Natural Earth is public
  domain; world-atlas is ISC licensed, Copyright 2013-2019 Michael Bostock, notice in
  `static/world-atlas-LICENSE.txt`). Every country that meets the view is clipped to it,
  so what lies outside the outline is sea, not missing data.
- Lines: the Bay Area counties of `outline.py`, when the view meets the Bay Area.

The view is the venues' extent with a wide margin (the page fits the map to the venues and
pads the shorter side), so the clipped shapes always cover what the page shows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources
from typing import Any

from meetup_pipeline.dashboard.outline import BOX as BAY_AREA_BOX
from meetup_pipeline.dashboard.outline import _decode_arcs, _ring, load_outline

WORLD_FILE = "world-countries-50m.json"
Box = tuple[float, float, float, float]
"""west, south, east, north in degrees."""
Point = tuple[float, float]

LAND_NOTICE = "Natural Earth admin-0 (public domain) via world-atlas (ISC)"
COUNTY_NOTICE = "US Census Bureau cartographic boundaries (public domain) via us-atlas (ISC)"


@cache
def world_countries() -> tuple[tuple[str, tuple[tuple[Point, ...], ...], Box], ...]:
    """(name, rings, bounding box) of every country in the shipped TopoJSON, decoded once."""
    try:
        text = resources.files("meetup_pipeline.dashboard").joinpath("static", WORLD_FILE)
        topology = json.loads(text.read_text())
    except FileNotFoundError:
        return ()
    arcs = _decode_arcs(topology)
    out = []
    for geom in topology["objects"]["countries"]["geometries"]:
        if geom.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        polygons = geom["arcs"] if geom["type"] == "MultiPolygon" else [geom["arcs"]]
        rings = tuple(tuple(_ring(arcs, ring)) for polygon in polygons for ring in polygon)
        xs = [x for ring in rings for x, _ in ring]
        ys = [y for ring in rings for _, y in ring]
        name = str((geom.get("properties") or {}).get("name", ""))
        out.append((name, rings, (min(xs), min(ys), max(xs), max(ys))))
    return tuple(out)


def view_box(points: Iterable[Point]) -> Box | None:
    """The venues' extent with a margin wide enough for the page's padding and aspect."""
    pts = list(points)
    if not pts:
        return None
    west, east = min(p[0] for p in pts), max(p[0] for p in pts)
    south, north = min(p[1] for p in pts), max(p[1] for p in pts)
    margin = max(0.5, 1.5 * max(east - west, north - south))
    return (west - margin, max(-90.0, south - margin), east + margin, min(90.0, north + margin))


def _meets(a: Box, b: Box) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def clip_ring(ring: Sequence[Point], box: Box) -> list[Point]:
    """Sutherland-Hodgman: the part of a polygon ring inside `box` (still a closed ring)."""
    west, south, east, north = box
    edges = (
        (lambda p: p[0] >= west, lambda a, b: _at_x(a, b, west)),
        (lambda p: p[0] <= east, lambda a, b: _at_x(a, b, east)),
        (lambda p: p[1] >= south, lambda a, b: _at_y(a, b, south)),
        (lambda p: p[1] <= north, lambda a, b: _at_y(a, b, north)),
    )
    out = list(ring)
    for inside, cross in edges:
        if not out:
            break
        src, out = out, []
        prev = src[-1]
        for cur in src:
            if inside(cur):
                if not inside(prev):
                    out.append(cross(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cross(prev, cur))
            prev = cur
    return out


def _at_x(a: Point, b: Point, x: float) -> Point:
    t = (x - a[0]) / (b[0] - a[0])
    return (x, a[1] + t * (b[1] - a[1]))


def _at_y(a: Point, b: Point, y: float) -> Point:
    t = (y - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), y)


def flat_ring(ring: Iterable[Point], digits: int) -> list[float]:
    """A ring as [x0, y0, x1, y1, ...], rounded, with repeated points dropped."""
    coords: list[float] = []
    for x, y in ring:
        pair = [round(x, digits), round(y, digits)]
        if coords[-2:] != pair:
            coords.extend(pair)
    return coords


def basemap(box: Box | None) -> dict[str, Any]:
    """Land rings clipped to `box`, county rings if it meets the Bay Area, and credits."""
    if box is None:
        return {"land": [], "lines": [], "credits": []}
    digits = 3 if max(box[2] - box[0], box[3] - box[1]) < 10 else 2
    land = []
    for _, rings, bounds in world_countries():
        if not _meets(bounds, box):
            continue
        for ring in rings:
            flat = flat_ring(clip_ring(ring, box), digits)
            if len(flat) >= 6:
                land.append(flat)
    lines = []
    if _meets(BAY_AREA_BOX, box):
        lines = [ring for county in load_outline() for ring in county["rings"]]
    credits = ([LAND_NOTICE] if land else []) + ([COUNTY_NOTICE] if lines else [])
    return {"land": land, "lines": lines, "credits": credits}
