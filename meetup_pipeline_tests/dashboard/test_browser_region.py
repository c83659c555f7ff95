"""What a new user saw, fixed, checked in headless Chromium: labels clear of markers, land
and sea, the trend's grain, the events/upcoming pair, the table's scroll cue, narrow
screens; and a page for another region."""

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from meetup_pipeline.dashboard.model import shape
from meetup_pipeline.dashboard.queries import fetch
from meetup_pipeline.dashboard.render import render_dashboard
from meetup_pipeline.settings.region import Region
from meetup_pipeline.warehouse.embedded import EmbeddedServer
from meetup_pipeline_tests.conftest import create_database
from meetup_pipeline_tests.dashboard import marts_data
from meetup_pipeline_tests.dashboard.conftest import BROWSER_MARKS

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def payload(pg_server: EmbeddedServer) -> dict[str, Any]:
    engine = sa.create_engine(pg_server.url(create_database(pg_server, "dashregion")))
    try:
        fx = marts_data.fill(engine)
        rows = fetch(engine, fx.now)
    finally:
        engine.dispose()
    assert rows is not None
    return shape(rows, Region())


@pytest.fixture(scope="module")
def pages(payload: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dashboard-region")
    plain = out / "plain.html"
    plain.write_text(render_dashboard(payload))
    # A busy region: 45 groups (the table scrolls) and 30 upcoming events (a long list).
    busy = {**payload, "groups": {k: list(v) for k, v in payload["groups"].items()}}
    for n in range(40):
        for k, v in (("name", f"Group {n}"), ("url", ""), ("id", f"x{n}"), ("urlname", "")):
            busy["groups"][k].append(v)
    busy["events"] = {
        **payload["events"],
        "g": [i % 45 for i in range(len(payload["events"]["g"]))],
    }
    busy["upcoming"] = [
        dict(u, title=f"{u['title']} #{i}") for i in range(8) for u in payload["upcoming"]
    ]
    busy_path = out / "busy.html"
    busy_path.write_text(render_dashboard(busy))
    far = dict(
        payload, region={"name": "Lagos", "title": "Lagos Meetups", "timezone": "Africa/Lagos"}
    )
    lagos = out / "lagos.html"
    lagos.write_text(render_dashboard(far))
    return {"plain": plain, "busy": busy_path, "lagos": lagos}


def open_page(browser: Any, path: Path, width: int = 1440) -> Any:
    page = browser.new_page(viewport={"width": width, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready='1']", timeout=5000)
    assert errors == []
    return page


def test_city_labels_cover_no_marker_and_no_other_label(browser: Any, pages: dict) -> None:
    page = open_page(browser, pages["plain"])
    found = page.evaluate(
        """() => {
          const box = (e) => e.getBBox();
          const labels = [...document.querySelectorAll('[data-view="map"] text.city-label')];
          const dots = [...document.querySelectorAll('[data-view="map"] circle.venue')].map(
            (c) => [+c.getAttribute("cx"), +c.getAttribute("cy"), +c.getAttribute("r")]);
          const hits = [];
          labels.forEach((l, i) => {
            const b = box(l);
            for (const [cx, cy, r] of dots) {
              const nx = Math.max(b.x, Math.min(cx, b.x + b.width)),
                ny = Math.max(b.y, Math.min(cy, b.y + b.height));
              if ((nx - cx) ** 2 + (ny - cy) ** 2 < r * r)
                hits.push(l.textContent + " on a marker");
            }
            labels.slice(i + 1).forEach((o) => {
              const c = box(o);
              if (b.x < c.x + c.width && c.x < b.x + b.width &&
                  b.y < c.y + c.height && c.y < b.y + b.height)
                hits.push(l.textContent + " on " + o.textContent);
            });
          });
          return { labels: labels.map((l) => l.textContent), hits: hits };
        }"""
    )
    assert found["hits"] == [] and len(found["labels"]) >= 3, found


def test_land_is_drawn_so_the_rest_is_sea(browser: Any, pages: dict) -> None:
    page = open_page(browser, pages["plain"])
    assert page.locator('[data-view="map"] path.land').count() == 1
    assert page.locator('[data-view="map"] path.county-lines').count() == 1
    # The land covers the whole inland side of the view (the Central Valley), not just
    # the counties: a point far inland, east of every venue, is on land.
    inland = page.evaluate(
        """() => {
          const svg = document.querySelector('[data-view="map"] svg');
          const land = svg.querySelector('path.land');
          const p = svg.createSVGPoint();
          p.x = svg.width.baseVal.value - 20; p.y = svg.height.baseVal.value / 2;
          return land.isPointInFill(p);
        }"""
    )
    assert inland
    footer = page.inner_text("footer")
    assert "Natural Earth" in footer and "US Census Bureau" in footer
    assert "Bay Area local time (America/Los_Angeles)" in footer


def _brush(page: Any, first: int, last: int, months: int = 24) -> None:
    box = page.locator('[data-view="timeline"] .overlay').bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * (first + 0.2) / months, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * (last + 0.8) / months, y, steps=8)
    page.mouse.up()


def test_the_trend_is_finer_for_short_ranges(browser: Any, pages: dict) -> None:
    page = open_page(browser, pages["plain"])
    heading = '[data-view="trend"] h2'
    points = '[data-view="trend"] path.mark'
    assert page.inner_text(heading) == "RSVPs and waitlists per month"
    assert page.get_attribute(points, "data-points") == "24"
    _brush(page, 3, 5)  # a quarter: by week, not three points
    assert page.inner_text(heading) == "RSVPs and waitlists per week"
    assert 13 <= int(page.get_attribute(points, "data-points")) <= 15
    page.click("#reset")
    _brush(page, 1, 1)  # one month: by day
    assert page.inner_text(heading) == "RSVPs and waitlists per day"
    assert page.get_attribute(points, "data-points") == "29"  # February 2024
    total = int(page.get_attribute('[data-view="trend"]', "data-total"))
    assert total > 0


def test_a_long_upcoming_list_is_as_tall_as_the_top_events(browser: Any, pages: dict) -> None:
    page = open_page(browser, pages["busy"])
    sizes = page.evaluate(
        """() => {
          const card = (v) => document.querySelector('[data-view="' + v + '"]');
          const inner = (v) => card(v).querySelector('.body').getBoundingClientRect().height;
          const rows = card('upcoming').querySelector('.rows.up');
          return { events: inner('events'),
                   cardEvents: card('events').getBoundingClientRect().height,
                   upcoming: inner('upcoming'), scrolls: rows.classList.contains('scrolls'),
                   more: rows.scrollHeight > rows.clientHeight };
        }"""
    )
    assert sizes["scrolls"] and sizes["more"], sizes
    assert abs(sizes["upcoming"] - sizes["events"]) < 30, sizes
    assert sizes["events"] > 0.7 * sizes["cardEvents"], sizes  # the top events fill their card


def test_the_groups_table_says_it_scrolls(browser: Any, pages: dict) -> None:
    page = open_page(browser, pages["busy"])
    assert page.locator('[data-view="table"] .table-scroll.scrolls').count() == 1
    cue = page.inner_text('[data-view="table"] .scroll-cue')
    assert cue.startswith("45 groups;") and "scroll" in cue
    plain = open_page(browser, pages["plain"])
    assert plain.locator('[data-view="table"] .scroll-cue').count() == 0  # 5 groups fit


def test_event_titles_are_readable_at_400_px(browser: Any, pages: dict) -> None:
    page = open_page(browser, pages["plain"], width=400)
    titles = page.evaluate(
        """() => [...document.querySelectorAll('[data-view="events"] .title')].map((t) => ({
          text: t.textContent, width: t.getBoundingClientRect().width,
          cut: t.scrollHeight > t.clientHeight + 1 || t.scrollWidth > t.clientWidth + 1 }))"""
    )
    assert titles and all(t["width"] >= 200 for t in titles), titles
    assert not [t for t in titles if t["cut"]], titles


def test_another_region_names_itself(browser: Any, pages: dict) -> None:
    page = open_page(browser, pages["lagos"])
    assert page.title() == "Lagos Meetups" and page.inner_text("h1") == "Lagos Meetups"
    assert "Meetup events in Lagos" in page.inner_text("header .sub")
    assert "Lagos local time" in page.inner_text('[data-view="heat"] .hint')
    assert "Lagos local time (Africa/Lagos)" in page.inner_text("footer")
    assert "Bay Area" not in page.content()
