"""The HTML page: one file, styles and script inlined, data as inert JSON.

The payload sits in a `<script type="application/json">` element (never executed) with
every `<`, `>` and `&` escaped, so no title can close the element. A Content-Security-
Policy allows only this page's own script and style (by hash) and no network at all:
even a bug that let markup through could not run a script or fetch anything.
"""

import base64
import hashlib
import html
import json
from collections.abc import Iterable, Iterator
from importlib import resources
from typing import Any

TITLE = "Bay Area Dating & Singles Meetups"
"""The title of the default region; a page takes its own from the payload's region."""

_CARDS = """
<div class="kpis" data-events="0">
  <div class="kpi" data-kpi="events"><div class="l">Events</div><div class="v">-</div></div>
  <div class="kpi" data-kpi="groups"><div class="l">Active groups</div><div class="v">-</div></div>
  <div class="kpi" data-kpi="venues"><div class="l">Venues</div><div class="v">-</div></div>
  <div class="kpi" data-kpi="rsvps"><div class="l">RSVPs</div><div class="v">-</div></div>
  <div class="kpi" data-kpi="avg"><div class="l">Avg RSVPs / event</div><div class="v">-</div></div>
  <div class="kpi" data-kpi="waitlist"><div class="l">Waitlisted</div><div class="v">-</div></div>
</div>
"""

# (view id, grid span, heading, hint)
_VIEWS = (
    (
        "timeline",
        12,
        "Events per month",
        "Drag across the bars to filter every view to a range of months; click to clear.",
    ),
    (
        "map",
        7,
        "Where events happen",
        "Venues sized by events; click one to filter. "
        "Online events and venues without coordinates are not plotted.",
    ),
    ("heat", 5, "When: weekday \u00d7 hour", "{region} local time; click a cell to filter."),
    ("groups", 4, "Top 10 groups by events", "Click to filter by group."),
    ("venues", 4, "Top 10 venues by events", "Click to filter by venue."),
    ("modes", 4, "Online vs in person", "Share of events; click a slice to filter."),
    ("trend", 7, "RSVPs and waitlists per month", "Within the selected range."),
    ("words", 5, "Top 50 words in event titles", "Stopwords removed; click a word to filter."),
    ("events", 6, "Top 10 events by RSVPs", "Distinct events, each with its own link."),
    (
        "upcoming",
        6,
        "Upcoming events",
        "Next scheduled events for the city, group and format filters.",
    ),
    ("table", 12, "Groups", "Click a column to sort; names link to the group on Meetup."),
)


NETWORK_VIEWS = (
    _VIEWS[0],
    (
        "chapters-map",
        7,
        "Chapters around the world",
        "Chapters sized by events; click one to filter. Equal Earth, centred on {centre}.",
    ),
    (
        "heat",
        5,
        "When: weekday \u00d7 hour",
        "In each event's own local time, where it takes place; click a cell to filter.",
    ),
    (
        "chapter-time",
        12,
        "Events per chapter over time",
        "The busiest chapters for the filters, by month; click a name to filter.",
    ),
    ("groups", 4, "Top 10 chapters by events", "Click to filter by chapter."),
    *_VIEWS[4:10],
    (
        "chapters",
        12,
        "Chapters",
        "Members now, growth and activity over the whole history; "
        "click a column to sort, a name to open the chapter on Meetup.",
    ),
)
"""A network's page: the venue map and groups table give way to the chapters' views."""


def _asset(name: str) -> str:
    return resources.files("meetup_pipeline.dashboard").joinpath("static", name).read_text()


SCRIPT_PARTS = ("core.js", "charts.js", "lists.js", "main.js")
"""The page script, in order; they share one function scope (see `page_script`)."""
NETWORK_PART = "network.js"
"""A network's views, before `main.js`; a region's page does without (its code calls them
only when the payload has a network)."""


def page_script(network: bool = False) -> str:
    """The parts joined inside one strict-mode function: nothing leaks to `window`."""
    names = (*SCRIPT_PARTS[:-1], NETWORK_PART, SCRIPT_PARTS[-1]) if network else SCRIPT_PARTS
    parts = "\n".join(_asset(name) for name in names)
    return (
        "// Crossfilter and views of the meetup-pipeline dashboard. Every string from the API\n"
        "// reaches the page through textContent or a checked http(s) href, never innerHTML.\n"
        f'(function () {{\n"use strict";\n{parts}}})();\n'
    )


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def json_chunks_for_html(payload: Any) -> Iterator[str]:
    """JSON that is safe inside an HTML element (no `<`, `>`, `&` or JS line breaks),
    encoded piece by piece so the page never exists twice in memory."""
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for chunk in encoder.iterencode(payload):
        yield chunk.translate(_ESCAPES)


def json_for_html(payload: Any) -> str:
    return "".join(json_chunks_for_html(payload))


def _page(
    body: str, css: str, script: str | None, data: Iterable[str] | None, title: str = TITLE
) -> Iterator[str]:
    csp = f"default-src 'none'; style-src {_sha256(css)}; img-src data:; base-uri 'none'; "
    csp += "form-action 'none'"
    if script is not None:
        csp += f"; script-src {_sha256(script)}"
    yield "\n".join(
        [
            "<!doctype html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{html.escape(title)}</title>",
            f"<style>{css}</style></head><body>",
            body,
        ]
    )
    if data is not None and script is not None:
        yield '\n<script id="dashboard-data" type="application/json">'
        yield from data
        yield f"</script>\n<script>{script}</script>"
    yield "\n</body></html>"


def _shown_note(notes: dict[str, Any]) -> str:
    """The truth about a capped page, for its subtitle and footer."""
    if notes.get("limit") is None or notes["shown"] >= notes["total"]:
        return ""
    return (
        f"This page carries the newest {notes['shown']:,} of {notes['total']:,} past events "
        f"(at most {notes['limit']:,}, in whole months where they fit: "
        "MEETUP_DASHBOARD_MAX_EVENTS); the older ones are in the warehouse, not on this page. "
    )


def _centre(lon: float) -> str:
    return f"{abs(lon):g}\u00b0{'E' if lon > 0 else 'W' if lon < 0 else ''}"


def dashboard_chunks(payload: dict[str, Any]) -> Iterator[str]:
    """The full dashboard for a non-empty payload (see `model.shape`), piece by piece."""
    months = payload["months"]
    notes = payload["notes"]
    where = payload["region"]
    title = where["title"]
    net = payload.get("network")
    scope = where["name"]
    if net:
        chapters = sum(1 for n in net["chapters"]["eventsAll"] if n)
        scope = f"{chapters:,} chapters in {len(net['countries']):,} countries"
    sub = (
        f"{len(months)} months of Meetup events in {scope}, {months[0]} to "
        f"{months[-1]} · generated {payload['generated']}"
    )
    shown_note = _shown_note(notes)
    if shown_note:
        sub += f" · newest {notes['shown']:,} of {notes['total']:,} events"
    credits = "; ".join(payload["outline"]["credits"]) or "none shipped for this area"
    cards = [_CARDS]
    centre = _centre(net["map"]["centre"]) if net else ""
    for view, span, heading, hint in NETWORK_VIEWS if net else _VIEWS:
        hint = hint.format(region=where["name"], centre=centre)
        # a stale upcoming list says so on its card (the last refresh failed)
        stale = notes.get(view) if view == "upcoming" else None
        cards.append(
            f'<section class="card span-{span}" data-view="{view}"><h2>{html.escape(heading)}'
            f'</h2><div class="hint">{html.escape(hint)}</div>'
            + (f'<div class="stale-note" role="status">{html.escape(stale)}</div>' if stale else "")
            + '<div class="body"></div></section>'
        )
    country = '<label for="country">Country</label><select id="country"></select>' if net else ""
    where_note = (
        f"{notes['unmapped']:,} events have no mappable venue (online or not geocoded) and "
        f"are counted everywhere but the map. Times are {html.escape(where['name'])} local "
        f"time ({html.escape(where['timezone'])})."
    )
    if net:
        where_note = (
            "Chapters with events but no coordinates, not on the map: "
            f"{net['unlocated']:,}. Times and days are each event's own local time, where it "
            "takes place. "
            f"Dormant: no event in the last {net['dormantMonths']} months (since "
            f"{net['dormantSince']})."
        )
    body = (
        f'<header class="top"><h1>{html.escape(title)}</h1>'
        f'<div class="sub">{html.escape(sub)}</div>'
        f'<div class="filters">{country}<label for="city">City</label><select id="city"></select>'
        '<span id="chips"></span><button type="button" class="reset" id="reset" disabled>'
        "Reset all filters</button></div></header>"
        '<noscript><p class="empty-note">This dashboard draws its views with JavaScript; '
        "please enable it for this file.</p></noscript>"
        f"<main>{''.join(cards)}</main>"
        f"<footer>{html.escape(shown_note)}"
        f"Cancelled events ({notes['cancelled']:,}) are left out. {where_note} "
        "Data: Meetup.com via the meetup-pipeline "
        f"marts. Map outline: {html.escape(credits)}.</footer>"
    )
    yield from _page(
        body, _asset("dashboard.css"), page_script(bool(net)), json_chunks_for_html(payload), title
    )


def render_dashboard(payload: dict[str, Any]) -> str:
    return "".join(dashboard_chunks(payload))


def render_empty(reason: str, title: str = TITLE) -> str:
    """The friendly page for a warehouse with nothing to show yet."""
    body = (
        '<div class="nodata" data-state="empty"><h1>No data yet</h1>'
        f"<p>{html.escape(reason)}</p>"
        "<p>Materialize the pipeline's assets (for example <code>dagster asset materialize "
        "--select '*'</code>), then rebuild this page with "
        "<code>meetup-pipeline dashboard --build</code>.</p></div>"
    )
    return "".join(_page(body, _asset("dashboard.css"), None, None, title))
