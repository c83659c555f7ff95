"""Shape the marts' rows into the page's compact, columnar payload.

Every per-event attribute is one small integer column (month index, weekday, hour, group,
venue, city, mode, title index, RSVPs, waitlist), and every string (group, venue, city,
title, word) is stored once in a dictionary: ~30k events fit in ~1.5 MB of JSON, and the
browser filters them with typed arrays. Nothing here is markup: strings stay data until
the browser puts them in `textContent`.
"""

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from meetup_pipeline.dashboard.basemap import basemap, view_box
from meetup_pipeline.dashboard.network import apply_network, network_name
from meetup_pipeline.dashboard.queries import MartRows
from meetup_pipeline.dashboard.text import safe_url, tokenize_titles
from meetup_pipeline.settings.region import Region

MODES = ("In person", "Online", "Hybrid")
UNKNOWN_CITY = "Unknown"
MAP_RADIUS_DEGREES = 3.0
"""Venues farther than this from the venues' median are not plotted (bad geocodes)."""


@dataclass(frozen=True)
class Headline:
    """The numbers the asset reports in the Dagster UI."""

    events: int
    groups: int
    venues: int
    rsvps: int
    first_day: str
    last_day: str
    upcoming: int
    top_group: str
    shown: int
    """Past events the page carries: `events`, or fewer when capped."""


def _mode(event_type: str | None, is_online: bool) -> int:
    kind = (event_type or "").upper()
    if kind == "HYBRID":
        return 2
    return 1 if kind == "ONLINE" or is_online else 0


def _month(dt: datetime) -> int:
    return dt.year * 12 + dt.month - 1


def _mappable(venues: list[dict[str, Any]], used: set[int]) -> set[int]:
    """Venue keys with plausible coordinates: never (0, 0), never far from the rest."""
    ok = {
        v["venue_key"]
        for v in venues
        if v["lat"] is not None
        and v["lon"] is not None
        and -90 <= v["lat"] <= 90
        and -180 <= v["lon"] <= 180
        and not (v["lat"] == 0 and v["lon"] == 0)
    }
    centre = [v for v in venues if v["venue_key"] in ok and v["venue_key"] in used]
    if not centre:
        return set()
    lat0 = statistics.median(v["lat"] for v in centre)
    lon0 = statistics.median(v["lon"] for v in centre)
    return {
        v["venue_key"]
        for v in venues
        if v["venue_key"] in ok
        and abs(v["lat"] - lat0) <= MAP_RADIUS_DEGREES
        and abs(v["lon"] - lon0) <= MAP_RADIUS_DEGREES
    }


def title_for(where: Region) -> str:
    """The page's title: the region's name, and the topic when it is the default one."""
    topic = "Dating & Singles Meetups" if where.is_default_topic else "Meetups"
    return f"{where.region_name} {topic}"


def shape(
    rows: MartRows, where: Region | None = None, upcoming_note: str | None = None
) -> dict[str, Any]:
    """The JSON payload the page's script reads; `rows.events` is consumed once, streaming.

    `where` is the region (default: the Bay Area default's); `upcoming_note` says the
    upcoming list is stale (its last refresh failed)."""
    where = where or Region()
    group_pos = {g["group_key"]: i for i, g in enumerate(rows.groups)}
    groups = list(rows.groups)
    unknown_group = len(groups)
    groups.append({"group_id": "", "urlname": "", "name": "(unknown group)", "link": None})
    venue_pos = {v["venue_key"]: i for i, v in enumerate(rows.venues)}
    venue_uses: Counter[int] = Counter()

    cities: dict[str, int] = {}
    titles: dict[str, int] = {}
    cols: dict[str, list[Any]] = {
        k: [] for k in ("m", "d", "w", "h", "g", "v", "c", "r", "q", "k", "t", "id", "url")
    }
    base: int | None = None
    for e in rows.events:
        start: datetime = e["local_start"]
        base = _month(start) if base is None else base
        gi = group_pos.get(e["group_key"], unknown_group)
        vi = venue_pos.get(e["venue_key"], -1)
        venue_uses[e["venue_key"]] += 1
        group = groups[gi]
        venue_city = rows.venues[vi]["city"] if vi >= 0 else None
        city = (venue_city or group.get("city") or UNKNOWN_CITY).strip() or UNKNOWN_CITY
        default_url = f"https://www.meetup.com/{group['urlname']}/events/{e['event_id']}/"
        url = safe_url(e["event_url"])
        cols["m"].append(_month(start) - base)
        cols["d"].append(start.day)
        cols["w"].append(start.weekday())
        cols["h"].append(start.hour)
        cols["g"].append(gi)
        cols["v"].append(vi)
        cols["c"].append(cities.setdefault(city, len(cities)))
        cols["r"].append(e["rsvp_yes_count"] or 0)
        cols["q"].append(e["waitlist_count"] or 0)
        cols["k"].append(_mode(e["event_type"], e["is_online"]))
        cols["t"].append(titles.setdefault(e["title"], len(titles)))
        cols["id"].append(e["event_id"])
        cols["url"].append(0 if url == default_url and group["urlname"] else (url or ""))
    if base is None:
        raise ValueError("the dashboard needs at least one past event to shape")
    if unknown_group not in cols["g"]:
        groups.pop()

    used_venues = set(venue_uses)
    mappable = _mappable(rows.venues, used_venues)
    group_ids = {g["group_id"]: i for i, g in enumerate(groups) if g["group_id"]}
    words: dict[str, int] = {}
    title_words = [[words.setdefault(w, len(words)) for w in ws] for ws in tokenize_titles(titles)]
    months = [f"{(base + i) // 12}-{(base + i) % 12 + 1:02d}" for i in range(max(cols["m"]) + 1)]
    unmapped = sum(n for key, n in venue_uses.items() if key not in mappable)
    shown = rows.shown
    payload = {
        "generated": rows.now.astimezone(ZoneInfo(where.timezone)).strftime("%Y-%m-%d %H:%M %Z"),
        "region": {
            "name": where.region_name,
            "title": title_for(where),
            "timezone": where.timezone,
        },
        "months": months,
        "modes": list(MODES),
        "cities": list(cities),
        "groups": {
            "name": [g["name"] for g in groups],
            "url": [safe_url(g.get("link")) or "" for g in groups],
            "id": [g["group_id"] for g in groups],
            "urlname": [g["urlname"] for g in groups],
        },
        "venues": {
            "name": [v["name"] or "(unnamed venue)" for v in rows.venues],
            "city": [v["city"] or "" for v in rows.venues],
            "lat": [v["lat"] if v["venue_key"] in mappable else None for v in rows.venues],
            "lon": [v["lon"] if v["venue_key"] in mappable else None for v in rows.venues],
        },
        "titles": list(titles),
        "titleWords": title_words,
        "words": list(words),
        "events": cols,
        "upcoming": [_upcoming(u, group_ids, cities) for u in rows.upcoming],
        "notes": {
            "cancelled": rows.cancelled,
            "unmapped": unmapped,
            "shown": len(cols["m"]),
            "total": shown.total if shown else len(cols["m"]),
            "limit": shown.limit if shown else None,
            "upcoming": upcoming_note,
        },
        "outline": None,
    }
    if rows.network is not None:
        name = network_name(where.region_name if where.named else None, where.pro_network)
        apply_network(payload, rows.network, groups, name)
    else:
        payload["outline"] = basemap(
            view_box(
                (v["lon"], v["lat"])
                for v in rows.venues
                if v["venue_key"] in mappable and v["venue_key"] in used_venues
            )
        )
    return payload


def _upcoming(u: dict[str, Any], ids: dict[str, int], cities: dict[str, int]) -> dict[str, Any]:
    city = (u["city"] or "").strip()
    return {
        "title": u["title"],
        "url": safe_url(u["event_url"]) or "",
        "when": u["local_start"].strftime("%Y-%m-%dT%H:%M"),
        "g": ids.get(u["group_id"], -1),
        "group": u["group_name"] or "",
        "venue": u["venue_name"] or "",
        "city": cities.get(city, -1),
        "cityName": city,
        "online": bool(u["is_online"]),
        "rsvp": u["rsvp_yes_count"] or 0,
        "waitlist": u["waitlist_count"] or 0,
    }


def headline(rows: MartRows | None) -> Headline | None:
    """Headline numbers over the whole history, or None for an empty warehouse."""
    if rows is None or rows.summary is None:
        return None
    s = rows.summary
    return Headline(
        events=s.events,
        groups=s.groups,
        venues=s.venues,
        rsvps=s.rsvps,
        first_day=s.first_day.isoformat(),
        last_day=s.last_day.isoformat(),
        upcoming=len(rows.upcoming),
        top_group=s.top_group,
        shown=rows.shown.events if rows.shown else s.events,
    )
