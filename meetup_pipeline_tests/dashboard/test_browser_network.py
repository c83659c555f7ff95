"""A network's page in headless Chromium: the chapters on a world map, events per chapter
over time, the chapter table, the country filter, each event's own wall time; offline,
cross-filtered and inert to hostile names."""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from meetup_pipeline.dashboard.build import build_dashboard
from meetup_pipeline.dashboard.render import page_script
from meetup_pipeline.dashboard.worldmap import central_meridian
from meetup_pipeline.warehouse.embedded import EmbeddedServer
from meetup_pipeline_tests.conftest import create_database
from meetup_pipeline_tests.dashboard import network_data
from meetup_pipeline_tests.dashboard.conftest import BROWSER_MARKS
from meetup_pipeline_tests.dashboard.marts_data import key
from meetup_pipeline_tests.dashboard.network_data import (
    CHAPTERS,
    XSS_CHAPTER,
    XSS_CITY,
    XSS_COUNTRY,
    XSS_TITLE,
)

pytestmark = BROWSER_MARKS
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
NETWORK_VIEWS = (
    "timeline", "chapters-map", "heat", "chapter-time", "groups", "venues", "modes", "trend",
    "words", "events", "upcoming", "chapters",
)  # fmt: skip
LOCATED = [c for c in CHAPTERS if c[5] is not None]


@pytest.fixture(scope="module")
def page_path(pg_server: EmbeddedServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    engine = sa.create_engine(pg_server.url(create_database(pg_server, "dashnet")))
    try:
        network_data.fill(engine)
        path = tmp_path_factory.mktemp("dashboard-network") / "index.html"
        build_dashboard(engine, path, network_data.NOW)
    finally:
        engine.dispose()
    return path


@dataclass
class Tab:
    page: Any
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def total(self, view: str) -> int:
        return int(self.page.get_attribute(f'[data-view="{view}"]', "data-total"))

    def marks(self, view: str) -> int:
        return self.page.locator(f'[data-view="{view}"] .mark').count()

    def kpi_events(self) -> int:
        return int(self.page.inner_text('[data-kpi="events"] .v').replace(",", ""))

    def table_names(self) -> list[str]:
        return self.page.locator('[data-view="chapters"] tbody td:first-child').all_inner_texts()


@pytest.fixture
def tab(browser: Any, page_path: Path) -> Iterator[Tab]:
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    tab = Tab(page)
    page.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: tab.errors.append(str(exc)))
    page.on("dialog", lambda d: (tab.dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: tab.requests.append(r.url))
    page.goto(page_path.as_uri())
    page.wait_for_selector("body[data-ready='1']", timeout=5000)
    yield tab
    page.close()
    assert tab.errors == [] and tab.dialogs == []
    assert all(u.startswith(("file://", "data:")) for u in tab.requests), tab.requests


def _dot(tab: Tab, gid: str) -> Any:
    index = tab.page.evaluate(
        "(gid) => JSON.parse(document.getElementById('dashboard-data').textContent)"
        ".groups.id.indexOf(gid)",
        gid,
    )
    return tab.page.locator(f'[data-view="chapters-map"] circle[data-g="{index}"]')


def test_the_network_views_replace_the_regions(tab: Tab) -> None:
    fx = network_data.FILLED
    views = tab.page.eval_on_selector_all("[data-view]", "ns => ns.map(n => n.dataset.view)")
    assert tuple(views) == NETWORK_VIEWS  # no venue map, no groups table
    assert tab.kpi_events() == len(fx.history)
    for view in ("timeline", "heat", "modes", "chapters", "chapter-time"):
        assert tab.total(view) == len(fx.history), view
    with_events = [c for c in LOCATED if fx.chapter_events(c[0])]
    assert tab.marks("chapters-map") == len(with_events)
    online_only = fx.chapter_events("n9")
    assert tab.total("chapters-map") == len(fx.history) - online_only
    assert tab.page.locator('[data-view="chapters-map"] path.land').count() == 1
    assert tab.marks("chapter-time") == len({e["group_key"] for e in fx.history})
    assert tab.marks("chapters") == len(CHAPTERS)  # the new chapter without events too
    sub = tab.page.inner_text("header .sub")
    assert "9 chapters in 8 countries" in sub and "Bay Area" not in tab.page.content()
    assert "each event's own local time" in tab.page.inner_text("footer")
    assert "last 6 months" in tab.page.inner_text("footer")
    ARTIFACTS.mkdir(exist_ok=True)
    tab.page.screenshot(path=str(ARTIFACTS / "dashboard-network.png"), full_page=True)


def test_the_world_map_fits_every_chapter_and_keeps_the_pacific_together(tab: Tab) -> None:
    found = tab.page.evaluate(
        """() => {
          const svg = document.querySelector('[data-view="chapters-map"] svg');
          const w = svg.width.baseVal.value, h = svg.height.baseVal.value;
          const dots = [...svg.querySelectorAll('circle.chapter')].map((c) => ({
            g: +c.dataset.g, x: +c.getAttribute('cx'), y: +c.getAttribute('cy'),
            r: +c.getAttribute('r') }));
          return { w: w, h: h, dots: dots };
        }"""
    )
    assert len(found["dots"]) == len(LOCATED)
    for d in found["dots"]:
        assert d["r"] <= d["x"] <= found["w"] - d["r"] and d["r"] <= d["y"] <= found["h"] - d["r"]
    akl, hnl = (_dot(tab, gid).bounding_box() for gid in ("n1", "n2"))
    # neighbours across the antimeridian, not at opposite edges of the map
    assert abs(akl["x"] - hnl["x"]) < 0.2 * found["w"], (akl, hnl)
    # Greenwich would cut Auckland (5 degrees from the edge), 150E Reykjavik (8): the map
    # is cut through the widest empty arc, between Kathmandu and Auckland
    assert central_meridian([c[6] for c in LOCATED]) == -50.0
    assert "Equal Earth, centred on 50°W" in tab.page.inner_text('[data-view="chapters-map"]')


def test_the_country_filter_filters_every_view(tab: Tab) -> None:
    fx = network_data.FILLED
    option = tab.page.eval_on_selector(
        "#country", "s => [...s.options].find(o => o.text.startsWith('New Zealand')).value"
    )
    tab.page.select_option("#country", option)
    expected = fx.count(group_key=key("n1"))
    assert tab.kpi_events() == expected
    assert tab.total("heat") == tab.total("timeline") == tab.total("chapters") == expected
    assert tab.marks("chapters-map") == 1 and tab.marks("chapter-time") == 1
    assert sorted(tab.table_names()) == ["R-Ladies Auckland", "R-Ladies Wellington"]
    assert tab.marks("upcoming") == 1  # Auckland's
    assert tab.page.locator("#chips .chip").inner_text().startswith("Country: New Zealand")
    us = tab.page.eval_on_selector(
        "#country", "s => [...s.options].find(o => o.text.startsWith('United States')).value"
    )
    tab.page.select_option("#country", us)
    assert tab.kpi_events() == fx.count(group_key=key("n2")) + fx.count(group_key=key("n6"))
    assert tab.marks("upcoming") == 0
    tab.page.click("#reset")
    assert tab.kpi_events() == len(fx.history)


def test_a_chapter_on_the_map_filters_and_its_hours_are_its_own(tab: Tab) -> None:
    fx = network_data.FILLED
    _dot(tab, "n3").click()  # Kathmandu, +05:45
    expected = fx.count(group_key=key("n3"))
    assert tab.kpi_events() == expected
    assert tab.total("heat") == tab.total("chapters") == expected
    # events per chapter keeps its context: every chapter, the chosen one marked
    assert tab.total("chapter-time") == len(fx.history)
    assert tab.page.locator('[data-view="chapter-time"] .chapter-row.sel').count() == 1
    assert tab.table_names() == ["R-Ladies Kathmandu"]
    # 18:30 on a Tuesday in Kathmandu: the heat map's Tuesday 18:00, not a Bay Area hour
    cells = tab.page.locator('[data-view="heat"] rect.cell.mark')
    assert cells.count() == 1
    assert cells.first.locator("title").text_content().startswith("Tue 18:00")
    tab.page.click("#chips .chip")
    tab.page.locator('[data-view="chapter-time"] .chapter-row', has_text="Auckland").click()
    assert tab.kpi_events() == fx.count(group_key=key("n1"))
    assert tab.page.locator('[data-view="heat"] rect.cell.mark').count() == 1


def test_the_chapter_table_says_who_grows_and_who_sleeps(tab: Tab) -> None:
    rows = tab.page.eval_on_selector_all(
        '[data-view="chapters"] tbody tr',
        "trs => trs.map(tr => [...tr.cells].map(td => td.textContent))",
    )
    by_name = {r[0]: r for r in rows}
    akl = by_name["R-Ladies Auckland"]
    assert akl[1:4] == ["New Zealand", "Auckland", "330"] and akl[4] == "+20"
    assert akl[5] == "2025-12-09" and akl[9] == "Active"
    rey = by_name["R-Ladies Reykjavik"]
    assert rey[5] == network_data.LAST_REYKJAVIK.isoformat() and rey[6] == "2"
    assert rey[9] == "Dormant"
    assert by_name["R-Ladies Wellington"][5] == "never"
    assert by_name["R-Ladies Wellington"][9] == "Dormant"
    summary = tab.page.inner_text('[data-view="chapters"] .chapter-summary')
    assert summary == "10 chapters · 2 dormant (no event in the last 6 months)"
    tab.page.click('[data-view="chapters"] th[data-key="members"] button')
    members = [r[3] for r in tab.page.eval_on_selector_all(
        '[data-view="chapters"] tbody tr',
        "trs => trs.map(tr => [...tr.cells].map(td => td.textContent))",
    )]  # fmt: skip
    assert members[0] == "1,530"  # Chicago, the largest
    # A filter on events keeps only the chapters that have some
    tab.page.select_option("#country", "-1")
    tab.page.locator('[data-view="words"] .mark').first.click()
    assert "R-Ladies Wellington" not in tab.table_names()


def test_hostile_names_stay_inert_in_the_network_views(tab: Tab) -> None:
    page = tab.page
    assert XSS_CHAPTER in page.inner_text('[data-view="chapters"]')
    assert XSS_CITY in page.inner_text('[data-view="chapters"]')
    assert XSS_CHAPTER in page.text_content('[data-view="chapter-time"]')  # in full in its tip
    assert XSS_COUNTRY.upper() in page.inner_text("#country")
    tips = page.eval_on_selector_all(
        '[data-view="chapters-map"] circle title', "ts => ts.map(t => t.textContent)"
    )
    assert any(XSS_CHAPTER in t and XSS_CITY in t for t in tips)
    option = page.eval_on_selector(
        "#country", "s => [...s.options].find(o => o.text.startsWith('\"')).value"
    )
    page.select_option("#country", option)
    assert page.locator("#chips .chip").inner_text().startswith("Country: " + XSS_COUNTRY.upper())
    page.click("#reset")
    assert XSS_TITLE in page.inner_text('[data-view="upcoming"]')
    page.locator('[data-view="chapter-time"] .chapter-row', has_text="Oslo").click()
    assert tab.table_names() == [XSS_CHAPTER]
    page.locator('[data-view="chapters"] td', has_text="Oslo").first.hover()
    assert (
        page.locator("img, svg svg, main script, [onmouseover], [onerror], [onload]").count() == 0
    )
    assert page.locator("script").count() == 2
    hrefs = page.eval_on_selector_all("a[href]", "as => as.map(a => a.getAttribute('href'))")
    assert hrefs and all(re.match(r"https?://", h) for h in hrefs), hrefs
    assert tab.dialogs == []


def test_a_narrow_screen_still_shows_the_network(browser: Any, page_path: Path) -> None:
    page = browser.new_page(viewport={"width": 400, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(page_path.as_uri())
    page.wait_for_selector("body[data-ready='1']", timeout=5000)
    widths = page.evaluate(
        """() => ['chapters-map', 'chapter-time'].map((v) =>
             document.querySelector('[data-view="' + v + '"] svg').getBoundingClientRect().right)"""
    )
    assert all(0 < right <= 400 for right in widths), widths
    assert page.locator('[data-view="chapters-map"] circle.chapter.mark').count() > 0
    page.close()
    assert errors == []


def test_a_regions_page_ships_no_network_code() -> None:
    assert "function chapterMap" not in page_script()
    assert "function chapterMap" in page_script(network=True)
