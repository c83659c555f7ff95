"""The generated page in headless Chromium: views render, filters cross-filter, text is inert.

One browser and one built page per module (a new tab per test, so filters start clear).
Each view card exposes `data-total` (what it sums after filtering) and `data-marks`.
"""

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from meetup_pipeline.dashboard.build import build_dashboard
from meetup_pipeline.dashboard.model import shape
from meetup_pipeline.dashboard.queries import MartRows
from meetup_pipeline.dashboard.render import render_dashboard, render_empty
from meetup_pipeline.warehouse.embedded import EmbeddedServer
from meetup_pipeline_tests.conftest import create_database
from meetup_pipeline_tests.dashboard import marts_data
from meetup_pipeline_tests.dashboard.conftest import BROWSER_MARKS
from meetup_pipeline_tests.dashboard.marts_data import XSS_GROUP, XSS_IMG, XSS_TITLE, Fixture

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
VIEWS = (
    "timeline", "map", "heat", "groups", "venues", "modes", "trend", "words", "events",
    "upcoming", "table",
)  # fmt: skip
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

pytestmark = BROWSER_MARKS


@dataclass
class Site:
    page_path: Path
    empty_path: Path
    fx: Fixture
    capped_path: Path
    capped_events: int
    """Past events on the capped page: the newest six whole months."""


@dataclass
class Tab:
    page: Any
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def totals(self) -> dict[str, int]:
        return {v: int(self.page.get_attribute(f'[data-view="{v}"]', "data-total")) for v in VIEWS}

    def marks(self, view: str) -> int:
        return self.page.locator(f'[data-view="{view}"] .mark').count()

    def kpi_events(self) -> int:
        return int(self.page.inner_text('[data-kpi="events"] .v').replace(",", ""))


@pytest.fixture(scope="module")
def site(pg_server: EmbeddedServer, tmp_path_factory: pytest.TempPathFactory) -> Site:
    engine = sa.create_engine(pg_server.url(create_database(pg_server, "dash")))
    try:
        fx = marts_data.fill(engine)
        out = tmp_path_factory.mktemp("dashboard")
        build_dashboard(engine, out / "index.html", fx.now)
        months = Counter(e["local_start"].strftime("%Y-%m") for e in fx.history)
        capped = sum(months[m] for m in sorted(months)[-6:])
        build_dashboard(engine, out / "capped.html", fx.now, max_events=capped)
    finally:
        engine.dispose()
    (out / "empty.html").write_text(render_empty("Nothing here yet."))
    return Site(out / "index.html", out / "empty.html", fx, out / "capped.html", capped)


@pytest.fixture
def tab(browser: Any, site: Site) -> Iterator[Tab]:
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    tab = Tab(page)
    page.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: tab.errors.append(str(exc)))
    page.on("dialog", lambda d: (tab.dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: tab.requests.append(r.url))
    page.goto(site.page_path.as_uri())
    page.wait_for_selector("body[data-ready='1']", timeout=5000)
    yield tab
    page.close()
    assert tab.errors == [] and tab.dialogs == []
    assert all(u.startswith(("file://", "data:")) for u in tab.requests), tab.requests


def _month_index(label: str) -> tuple[int, int]:
    name, year = label.split()
    return int(year), MONTHS.index(name) + 1


def test_every_view_renders_its_marks(tab: Tab, site: Site) -> None:
    fx = site.fx
    assert tab.kpi_events() == len(fx.history)
    totals = tab.totals()
    for view in ("timeline", "heat", "modes", "table"):
        assert totals[view] == len(fx.history), view
    assert tab.marks("timeline") == 24  # every month of 2024-2025
    assert tab.marks("groups") == 5 and tab.marks("venues") == 5
    assert tab.marks("map") == 4  # Null Island (0, 0) is not plotted; online events neither
    assert totals["map"] == len(fx.history) - fx.count(is_online=True) - 1
    assert tab.page.locator('[data-view="map"] path.land').count() == 1  # shipped outline
    assert tab.marks("modes") == 2 and tab.marks("trend") == 2
    assert tab.marks("events") == 10 and tab.marks("table") == 5
    assert 10 <= tab.marks("words") <= 50 and tab.marks("upcoming") == len(fx.upcoming)
    assert tab.marks("heat") >= 4
    top = tab.page.locator('[data-view="events"] .title').all_inner_texts()
    assert top[:2] == ["Valentine's Gala", "Valentine's Gala"]  # distinct, not merged
    words = tab.page.locator('[data-view="words"] .mark').all_inner_texts()
    assert "wine" in words and "for" not in words and "&" not in words
    ARTIFACTS.mkdir(exist_ok=True)
    tab.page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)


def test_brushing_the_timeline_filters_every_other_view(tab: Tab, site: Site) -> None:
    before = tab.totals()
    box = tab.page.locator('[data-view="timeline"] .overlay').bounding_box()
    y = box["y"] + box["height"] / 2
    tab.page.mouse.move(box["x"] + box["width"] * 0.27, y)
    tab.page.mouse.down()
    tab.page.mouse.move(box["x"] + box["width"] * 0.52, y, steps=8)
    tab.page.mouse.up()
    chip = tab.page.locator("#chips .chip").first.inner_text()
    lo, hi = (_month_index(s.strip(" \u00d7")) for s in chip.split("\u2013"))
    months = [(e["local_start"].year, e["local_start"].month) for e in site.fx.history]
    expected = sum(1 for m in months if lo <= m <= hi)
    assert 0 < expected < len(site.fx.history)
    after = tab.totals()
    assert tab.kpi_events() == expected
    for view in ("heat", "modes", "table", "map", "groups", "venues", "words", "trend"):
        assert after[view] < before[view], view
    assert after["heat"] == after["table"] == expected
    assert after["timeline"] == before["timeline"]  # the brushed view keeps its context
    assert tab.page.locator('[data-view="timeline"] .bar.off').count() == 24 - (
        (hi[0] - lo[0]) * 12 + hi[1] - lo[1] + 1
    )
    tab.page.click("#reset")
    assert tab.totals() == before


def test_clicking_a_group_filters_and_the_table_sorts(tab: Tab, site: Site) -> None:
    expected = site.fx.count(group_key=marts_data.key("g2"))
    tab.page.locator('[data-view="groups"] .row', has_text="Oakland Speed Dating").click()
    assert tab.kpi_events() == expected
    totals = tab.totals()
    assert totals["heat"] == totals["table"] == totals["timeline"] == expected
    assert tab.marks("table") == 1 and tab.marks("groups") == 5  # the chosen view keeps context
    assert tab.marks("venues") == 2  # Lake Merritt Cafe and Null Island Bar
    assert tab.page.locator('[data-view="groups"] .row.sel').count() == 1
    tab.page.click("#chips .chip")
    tab.page.click('[data-view="table"] th[data-key="name"] button')
    names = tab.page.locator('[data-view="table"] tbody td:first-child').all_inner_texts()
    assert names == sorted(names, key=str.lower) and len(names) == 5
    links = tab.page.eval_on_selector_all(
        '[data-view="table"] tbody a', "as => as.map(a => [a.textContent, a.getAttribute('href')])"
    )  # every row links its own group after re-sorting (the 2018 table kept stale links)
    expected = {name: link for _, name, _, link in marts_data.GROUPS if link.startswith("https")}
    assert dict(links) == expected


def test_city_filter(tab: Tab, site: Site) -> None:
    value = tab.page.eval_on_selector(
        "#city", "s => [...s.options].find(o => o.text.startsWith('Oakland')).value"
    )
    tab.page.select_option("#city", value)
    expected = site.fx.count(venue_key=marts_data.key("v2"))
    assert tab.kpi_events() == expected
    assert tab.marks("map") == 1 and tab.marks("venues") == 1
    assert tab.marks("upcoming") == 1
    assert re.match(r"City: Oakland", tab.page.locator("#chips .chip").inner_text())


def test_hostile_text_stays_inert(tab: Tab) -> None:
    page = tab.page
    assert XSS_TITLE in page.inner_text('[data-view="upcoming"]')
    page.locator('[data-view="upcoming"] .title', has_text=XSS_TITLE).click()
    page.locator('[data-view="groups"] .row', has_text=XSS_GROUP).click()
    texts = page.locator('[data-view="events"] .title').all_inner_texts()
    assert XSS_TITLE in texts and XSS_IMG in texts
    assert XSS_GROUP in page.inner_text('[data-view="table"]')
    assert page.locator("img, main script, [onmouseover], [onerror]").count() == 0
    assert page.locator("script").count() == 2  # the data and the page's own script
    hrefs = page.eval_on_selector_all("a[href]", "as => as.map(a => a.getAttribute('href'))")
    assert hrefs and all(re.match(r"https?://", h) for h in hrefs), hrefs
    page.locator('[data-view="table"] td', has_text=XSS_GROUP).hover()
    assert tab.dialogs == []


def test_a_capped_page_shows_its_newest_months_and_says_so(browser: Any, site: Site) -> None:
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(site.capped_path.as_uri())
    page.wait_for_selector("body[data-ready='1']", timeout=5000)
    events = int(page.inner_text('[data-kpi="events"] .v').replace(",", ""))
    assert events == site.capped_events < len(site.fx.history)
    assert page.locator('[data-view="timeline"] .mark').count() == 6
    total = f"{len(site.fx.history):,}"
    assert f"newest {site.capped_events:,} of {total} events" in page.inner_text(".sub")
    footer = page.inner_text("footer")
    assert f"newest {site.capped_events:,} of {total} past events" in footer
    assert "MEETUP_DASHBOARD_MAX_EVENTS" in footer
    page.close()
    assert errors == []


def test_empty_warehouse_page(browser: Any, site: Site) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(site.empty_path.as_uri())
    assert page.locator('[data-state="empty"]').is_visible()
    assert "No data yet" in page.inner_text("h1")
    page.close()
    assert errors == []


def test_one_online_event_without_dimensions(browser: Any, tmp_path: Path) -> None:
    """Degenerate data (one month, no groups or venues, nothing mappable) still renders."""
    event = {
        "event_id": "e1", "group_key": 7, "venue_key": -1,
        "local_start": datetime(2025, 5, 1, 19), "title": "Online Speed Dating",
        "event_url": None, "event_type": "ONLINE", "is_online": True,
        "rsvp_yes_count": None, "waitlist_count": None,
    }  # fmt: skip
    rows = MartRows([], [], [event], [], 0, marts_data.NOW)
    path = tmp_path / "one.html"
    path.write_text(render_dashboard(shape(rows)))
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready='1']", timeout=5000)
    assert page.inner_text('[data-kpi="events"] .v') == "1"
    assert page.locator('[data-view="timeline"] .mark').count() == 1
    assert page.locator('[data-view="map"] .mark').count() == 0
    assert "(unknown group)" in page.inner_text('[data-view="table"]')
    page.close()
    assert errors == []
