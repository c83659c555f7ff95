"""The map's Bay Area county lines: shapes shipped with the package, never fetched (the
land of any region comes from `basemap.py`).

Provenance (why it is legal to ship): `static/bayarea-counties.json` is derived from
`counties-10m.json` of the npm package us-atlas 3.0.1 (ISC license, Copyright 2013-2019
Michael Bostock; notice kept in the file), itself the US Census Bureau's cartographic
county boundaries, 2017 edition (a US government work, public domain). Derivation: the
California counties that meet the Bay Area box, arcs decoded from TopoJSON and rounded to
0.001 degrees (~100 m), which is finer than the map ever draws.

Re-derive with: `npm pack us-atlas@3.0.1 && tar xzf us-atlas-3.0.1.tgz &&
python -m meetup_pipeline.dashboard.outline package/counties-10m.json`.
"""

import json
import sys
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

BOX = (-123.8, 36.6, -120.9, 38.95)
"""lon/lat box (west, south, east, north) a county must meet to be kept."""
CALIFORNIA = "06"
FILE = "bayarea-counties.json"
NOTICE = (
    "Derived from us-atlas 3.0.1 counties-10m.json (US Census Bureau cartographic boundaries "
    "2017, public domain). us-atlas: Copyright 2013-2019 Michael Bostock. Permission to use, "
    "copy, modify, and/or distribute this software for any purpose with or without fee is "
    "hereby granted, provided that the above copyright notice and this permission notice "
    "appear in all copies. THE SOFTWARE IS PROVIDED 'AS IS' AND THE AUTHOR DISCLAIMS ALL "
    "WARRANTIES WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF "
    "MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR ANY SPECIAL, "
    "DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES WHATSOEVER RESULTING FROM "
    "LOSS OF USE, DATA OR PROFITS, WHETHER IN AN ACTION OF CONTRACT, NEGLIGENCE OR OTHER "
    "TORTIOUS ACTION, ARISING OUT OF OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS "
    "SOFTWARE."
)


def _decode_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """Quantized, delta-encoded TopoJSON arcs -> lon/lat points."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _ring(arcs: list[list[tuple[float, float]]], indexes: list[int]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def derive(topojson: Path) -> dict[str, Any]:
    """The shipped outline from us-atlas's counties-10m.json."""
    topology = json.loads(topojson.read_text())
    arcs = _decode_arcs(topology)
    west, south, east, north = BOX
    counties = []
    for geom in topology["objects"]["counties"]["geometries"]:
        if not str(geom["id"]).startswith(CALIFORNIA):
            continue
        polygons = geom["arcs"] if geom["type"] == "MultiPolygon" else [geom["arcs"]]
        rings = [_ring(arcs, ring) for polygon in polygons for ring in polygon]
        points = [p for ring in rings for p in ring]
        if not any(west <= x <= east and south <= y <= north for x, y in points):
            continue
        flat = []
        for ring in rings:
            coords: list[float] = []
            for x, y in ring:
                pair = [round(x, 3), round(y, 3)]
                if coords[-2:] != pair:
                    coords.extend(pair)
            flat.append(coords)
        counties.append({"name": geom["properties"]["name"], "rings": flat})
    return {"notice": NOTICE, "counties": sorted(counties, key=lambda c: c["name"])}


@cache
def load_outline() -> list[dict[str, Any]]:
    """The counties (name, rings of flat lon/lat pairs), or [] if the file is not shipped."""
    try:
        text = resources.files("meetup_pipeline.dashboard").joinpath("static", FILE).read_text()
    except FileNotFoundError:
        return []
    return list(json.loads(text)["counties"])


if __name__ == "__main__":
    target = Path(__file__).with_name("static") / FILE
    target.write_text(json.dumps(derive(Path(sys.argv[1])), separators=(",", ":")) + "\n")
    print(f"wrote {target} ({target.stat().st_size:,} bytes)")
