"""Two things a new user saw on the page, fixed and checked in headless Chromium: the
donut's centre said "7% online" where its legend said Online 3.3% and Hybrid 3.7%, and
the RSVP chart left ~250 px empty under it (its row is as tall as the word cloud)."""

from pathlib import Path
from typing import Any

import pytest

from meetup_pipeline.dashboard.render import render_dashboard
from meetup_pipeline_tests.dashboard.conftest import BROWSER_MARKS
from meetup_pipeline_tests.dashboard.test_browser_region import (  # noqa: F401
    open_page,
    payload,
)

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def mixed_modes(payload: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    """The same events, 1 in 30 online and 1 in 27 hybrid (3.3% and 3.7% of 270), and
    titles of many words, as the quickstart's: fifty words make the cloud taller than the
    RSVP chart beside it."""
    n = len(payload["events"]["k"])
    k = [0] * n
    for i in range(n):
        if i % 30 == 0:
            k[i] = 1
        elif i % 27 == 1:
            k[i] = 2
    words = [f"{stem}{n}" for n in range(6) for stem in WORDS]
    title_words = [
        [w for w in range(len(words)) if (w + t) % 4] for t in range(len(payload["titles"]))
    ]
    wordy = {
        **payload,
        "events": {**payload["events"], "k": k},
        "words": words,
        "titleWords": title_words,
    }
    page = tmp_path_factory.mktemp("dashboard-nits") / "modes.html"
    page.write_text(render_dashboard(wordy))
    return page


WORDS = ("singles", "speeddating", "happyhour", "wine", "tasting", "hiking", "mixer", "salsa")


def _donut(page: Any) -> dict[str, Any]:
    return page.evaluate(
        """() => {
          const view = document.querySelector('[data-view="modes"]');
          const texts = [...view.querySelectorAll("svg text")].map((t) => t.textContent);
          const legend = [...view.querySelectorAll(".legend div")].map((d) => d.textContent);
          return { centre: texts, legend: legend };
        }"""
    )


def test_the_donut_centre_says_what_its_legend_says(browser: Any, mixed_modes: Path) -> None:
    page = open_page(browser, mixed_modes)
    donut = _donut(page)
    legend = dict(line.split(" · ") for line in donut["legend"])
    assert set(legend) == {"In person", "Online", "Hybrid"}, donut
    assert legend["Online"] != legend["Hybrid"] and legend["Hybrid"] != "0.0%", donut
    # the centre is the Online slice, in the legend's own words and figure
    assert donut["centre"] == [legend["Online"], "online"], donut
    total = sum(float(v.rstrip("%")) for v in legend.values())
    assert abs(total - 100) < 0.2, donut


def _trend_room(page: Any) -> dict[str, float]:
    return page.evaluate(
        """() => {
          const card = document.querySelector('[data-view="trend"]');
          const body = card.querySelector(".body"), svg = body.querySelector("svg");
          const pad = parseFloat(getComputedStyle(card).paddingBottom);
          const words = document.querySelector('[data-view="words"]');
          return {
            empty: card.getBoundingClientRect().bottom - pad - body.getBoundingClientRect().bottom,
            chart: svg.height.baseVal.value,
            card: card.getBoundingClientRect().height,
            words: words.getBoundingClientRect().height,
          };
        }"""
    )


@pytest.mark.parametrize("width", [1440, 1100, 700])
def test_the_rsvp_chart_leaves_no_empty_room_under_it(
    browser: Any, mixed_modes: Path, width: int
) -> None:
    page = open_page(browser, mixed_modes, width=width)
    room = _trend_room(page)
    assert room["empty"] < 8, room
    assert room["chart"] >= 200, room
    # the filters redraw it: still no room left after one
    total = page.get_attribute('[data-view="trend"]', "data-total")
    page.locator('[data-view="modes"] path.arc').first.dispatch_event("click")
    assert page.get_attribute('[data-view="trend"]', "data-total") != total  # redrawn
    again = _trend_room(page)
    assert again["empty"] < 8, again
    page.close()
