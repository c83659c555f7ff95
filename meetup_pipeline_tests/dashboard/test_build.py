"""The dashboard without a browser: tokenizing, URL safety, queries, shaping, asset, CLI."""

import argparse
import json
import os
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from meetup_pipeline.dashboard import cli
from meetup_pipeline.dashboard.build import build_dashboard, write_atomically
from meetup_pipeline.dashboard.model import shape
from meetup_pipeline.dashboard.outline import NOTICE, load_outline
from meetup_pipeline.dashboard.queries import fetch
from meetup_pipeline.dashboard.render import json_for_html
from meetup_pipeline.dashboard.text import safe_url, tokenize
from meetup_pipeline.defs.assets.dashboard import dashboard
from meetup_pipeline.defs.resources import settings_resources
from meetup_pipeline.tables import marts
from meetup_pipeline.warehouse.ddl import ensure_table
from meetup_pipeline.warehouse.resource import Warehouse
from meetup_pipeline_tests.dashboard import marts_data
from meetup_pipeline_tests.dashboard.marts_data import JS_LINK, NOW, XSS_GROUP, XSS_TITLE


@pytest.fixture
def engine(warehouse_url: URL) -> Iterator[sa.Engine]:
    eng = sa.create_engine(warehouse_url)
    yield eng
    eng.dispose()


def test_tokenize_drops_stopwords_punctuation_and_numbers() -> None:
    title = "The Women\u2019s Wine-Tasting & Speed Dating for 30s and 40s, 2nd night! (2024)"
    assert tokenize(title) == ["women", "wine-tasting", "speed", "dating", "30s", "40s", "night"]
    assert tokenize("Singles singles SINGLES") == ["singles"]
    assert tokenize("Café Rencontres à Paris") == ["café", "rencontres", "paris"]
    assert tokenize(XSS_TITLE) == ["script", "alert"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.meetup.com/a/", "https://www.meetup.com/a/"),
        ("http://example.org/x?y=1", "http://example.org/x?y=1"),
        (JS_LINK, None),
        (" JavaScript:alert(1)", None),
        ("data:text/html,<b>x</b>", None),
        ("//evil.example/x", None),
        ('https://x.org/"onmouseover="alert(1)', None),
        ("", None),
        (None, None),
    ],
)
def test_safe_url_allows_only_http_links(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected


def test_json_for_html_cannot_close_its_element() -> None:
    text = json_for_html({"t": "</script><script>alert(1)</script>&\u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"t": "</script><script>alert(1)</script>&\u2028"}


def test_the_shipped_outline_keeps_its_notice_and_covers_the_bay() -> None:
    path = Path(__file__).parents[2] / "meetup_pipeline/dashboard/static/bayarea-counties.json"
    shipped = json.loads(path.read_text())
    assert shipped["notice"] == NOTICE and "Copyright 2013-2019 Michael Bostock" in NOTICE
    names = {c["name"] for c in load_outline()}
    assert {"San Francisco", "San Mateo", "Santa Clara", "Alameda", "Marin"} <= names
    for county in load_outline():
        for ring in county["rings"]:
            assert len(ring) % 2 == 0 and len(ring) >= 6
            assert all(-125 < x < -117 for x in ring[::2]) and all(35 < y < 41 for y in ring[1::2])


def test_missing_or_empty_marts_are_no_data(engine: sa.Engine, tmp_path: Path) -> None:
    assert fetch(engine, NOW) is None
    ensure_table(engine, marts.fact_events)
    assert fetch(engine, NOW) is None
    result = build_dashboard(engine, tmp_path / "index.html", NOW)
    page = result.path.read_text()
    assert result.headline is None and 'data-state="empty"' in page and "<script" not in page


def test_shape_keeps_distinct_events_and_drops_unsafe_or_unmappable(engine: sa.Engine) -> None:
    fx = marts_data.fill(engine)
    rows = fetch(engine, NOW)
    assert rows is not None
    payload = shape(rows)
    ev = payload["events"]
    assert len(ev["m"]) == len(fx.history)
    assert rows.cancelled == sum(1 for e in fx.events if e["status"] == "CANCELLED")
    assert payload["months"][0] == "2024-01" and payload["months"][-1] == "2025-12"
    gala = payload["titles"].index("Valentine's Gala")
    assert sorted(r for r, t in zip(ev["r"], ev["t"], strict=True) if t == gala) == [800, 900]
    venues = payload["venues"]
    null_island = venues["name"].index("Null Island Bar")
    assert venues["lat"][null_island] is None and venues["lon"][null_island] is None
    assert all(lat is not None for i, lat in enumerate(venues["lat"]) if i != null_island)
    assert payload["groups"]["url"][payload["groups"]["name"].index(XSS_GROUP)] == ""
    xss = ev["t"].index(payload["titles"].index(XSS_TITLE))
    assert ev["url"][xss] == ""
    assert all(u.get("url") != JS_LINK for u in payload["upcoming"])
    assert payload["modes"] == ["In person", "Online", "Hybrid"]
    assert sum(1 for k in ev["k"] if k == 1) == fx.count(group_key=marts_data.key("g5"))


def test_asset_materializes_the_page_with_metadata(warehouse_url: URL) -> None:
    now = datetime.now(UTC)
    engine = sa.create_engine(warehouse_url)
    fx = marts_data.fill(engine, now)
    engine.dispose()
    url = warehouse_url.render_as_string(hide_password=False)
    result = dg.materialize(
        [dashboard], resources={"warehouse": Warehouse(url=url), **settings_resources()}
    )
    assert result.success
    meta = result.asset_materializations_for_node("dashboard")[0].metadata
    path = Path(meta["path"].value)
    assert path.name == "index.html" and path.parent.name == "dashboard"
    assert meta["events"].value == len(fx.history)
    assert meta["bytes"].value == path.stat().st_size
    assert f"{len(fx.history):,} events" in meta["summary"].value
    assert [p.name for p in path.parent.iterdir()] == ["index.html"]  # no temp files left
    page = path.read_text()
    assert XSS_TITLE not in page and "Content-Security-Policy" in page


def test_a_run_overrides_the_dashboard_settings(
    warehouse_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cap and the region's name are resources: the environment's values are what the
    code location wires (`dg.EnvVar`), and a run's config overrides them."""
    fx = marts_data.fill(sa.create_engine(warehouse_url), datetime.now(UTC))
    assert len(fx.history) > 100
    monkeypatch.setenv("MEETUP_DASHBOARD_MAX_EVENTS", "100")
    monkeypatch.setenv("MEETUP_REGION_NAME", "Env Region")
    url = warehouse_url.render_as_string(hide_password=False)
    resources = {"warehouse": Warehouse(url=url), **settings_resources()}
    from_env = dg.materialize([dashboard], resources=resources)
    meta = from_env.asset_materializations_for_node("dashboard")[0].metadata
    assert meta["events_on_page"].value <= 100 < meta["events"].value
    assert "Env Region" in Path(meta["path"].value).read_text()

    run_config = {
        "resources": {
            "dashboard_settings": {"config": {"max_events": "100000"}},
            "region": {"config": {"region_name": "Run Region"}},
        }
    }
    overridden = dg.materialize([dashboard], resources=resources, run_config=run_config)
    meta = overridden.asset_materializations_for_node("dashboard")[0].metadata
    assert meta["events_on_page"].value == meta["events"].value == len(fx.history)
    page = Path(meta["path"].value).read_text()
    assert "Run Region" in page and "Env Region" not in page

    bad = {"resources": {"dashboard_settings": {"config": {"max_events": "lots"}}}}
    failed = dg.materialize([dashboard], resources=resources, run_config=bad, raise_on_error=False)
    (failure,) = failed.get_step_failure_events()
    error = failure.step_failure_data.error
    assert error is not None and error.cause is not None  # the step's error wraps the setting's
    assert error.cause.message.startswith(
        "meetup_pipeline.settings.SettingsError: MEETUP_DASHBOARD_MAX_EVENTS='lots' is not"
    )


def test_asset_on_an_empty_warehouse_writes_the_no_data_page(warehouse_url: URL) -> None:
    url = warehouse_url.render_as_string(hide_password=False)
    result = dg.materialize(
        [dashboard], resources={"warehouse": Warehouse(url=url), **settings_resources()}
    )
    meta = result.asset_materializations_for_node("dashboard")[0].metadata
    assert meta["events"].value == 0 and "No data" in meta["summary"].value
    assert 'data-state="empty"' in Path(meta["path"].value).read_text()


def test_cli_builds_and_serves(
    warehouse_url: URL, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = sa.create_engine(warehouse_url)
    marts_data.fill(engine, datetime.now(UTC))
    engine.dispose()
    monkeypatch.setenv("MEETUP_WAREHOUSE_URL", warehouse_url.render_as_string(False))
    parser = argparse.ArgumentParser()
    cli.add_subcommand(parser.add_subparsers(dest="command"))
    out = tmp_path / "site" / "dash.html"
    args = parser.parse_args(["dashboard", "--build", "--output", str(out)])
    assert (args.serve, args.port, args.host) == (False, 8050, "127.0.0.1")
    assert args.func(args) == 0
    assert out.read_text().startswith("<!doctype html>")

    server = cli.make_server(out, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as resp:
            assert resp.status == 200 and resp.read() == out.read_bytes()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/dash.html?x=1", timeout=10) as r:
            assert r.status == 200 and r.read() == out.read_bytes()
        # Nothing else in the folder, nor the folder itself, nor above it.
        (out.parent / "secret.txt").write_text("not for the web")
        (out.parent / "sub").mkdir()
        for other in ("secret.txt", "sub/", "./secret.txt", "../", "%2e%2e/", "index.html"):
            with pytest.raises(urllib.error.HTTPError) as info:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/{other}", timeout=10)
            assert info.value.code == 404, other
            assert b"secret" not in info.value.read()
    finally:
        server.shutdown()
        server.server_close()
    assert re.search(r"script-src 'sha256-[A-Za-z0-9+/=]+'", out.read_text())


def test_a_build_removes_pages_left_half_written_by_killed_builds(tmp_path: Path) -> None:
    """A build killed mid-write leaves `.index-*.html.tmp`; the next build removes it, but
    never a temporary page another build is writing right now."""
    left = tmp_path / ".index-killed.html.tmp"
    left.write_text("<html>half")
    an_hour_ago = time.time() - 3600
    os.utime(left, (an_hour_ago, an_hour_ago))
    writing = tmp_path / ".index-live.html.tmp"
    writing.write_text("<html>being written")

    write_atomically(tmp_path / "index.html", "<html>the page</html>")

    assert not left.exists()
    assert writing.exists()
    assert (tmp_path / "index.html").read_text() == "<html>the page</html>"
