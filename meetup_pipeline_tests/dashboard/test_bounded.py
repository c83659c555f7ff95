"""The dashboard's memory and page stay bounded however long the history grows.

Capped pages carry the newest whole months that fit `MEETUP_DASHBOARD_MAX_EVENTS` and say
so; the headline numbers still cover the whole history (computed by PostgreSQL).
"""

import tracemalloc
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from meetup_pipeline import preflight
from meetup_pipeline.dashboard.build import build_dashboard
from meetup_pipeline.dashboard.model import shape
from meetup_pipeline.dashboard.queries import fetch, snapshot
from meetup_pipeline.settings import SettingsError
from meetup_pipeline.settings.dashboard import DEFAULT_MAX_EVENTS, MAX_EVENTS_VAR, DashboardSettings
from meetup_pipeline_tests.dashboard import marts_data
from meetup_pipeline_tests.dashboard.marts_data import NOW


@pytest.fixture
def engine(warehouse_url: URL) -> Iterator[sa.Engine]:
    eng = sa.create_engine(warehouse_url)
    yield eng
    eng.dispose()


def _months(fx: marts_data.Fixture) -> Counter[str]:
    return Counter(e["local_start"].strftime("%Y-%m") for e in fx.history)


def test_a_capped_page_carries_the_newest_whole_months_and_says_so(
    engine: sa.Engine, tmp_path: Path
) -> None:
    fx = marts_data.fill(engine)
    per_month = _months(fx)
    newest = sorted(per_month, reverse=True)
    cap = sum(per_month[m] for m in newest[:5]) + per_month[newest[5]] - 1  # 5.9 months
    rows = fetch(engine, NOW, max_events=cap)
    assert rows is not None and rows.shown is not None and rows.summary is not None
    assert (rows.shown.total, rows.shown.limit) == (len(fx.history), cap)
    assert rows.shown.events == sum(per_month[m] for m in newest[:5]) < cap
    payload = shape(rows)
    assert payload["months"] == sorted(newest[:5])
    assert len(payload["events"]["m"]) == rows.shown.events
    assert payload["notes"]["shown"] == rows.shown.events
    assert payload["notes"]["total"] == len(fx.history)

    result = build_dashboard(engine, tmp_path / "index.html", NOW, max_events=cap)
    assert result.headline is not None
    assert result.headline.events == len(fx.history)  # the headline is the whole history
    assert result.headline.shown == rows.shown.events
    assert result.headline.first_day == min(e["local_start"] for e in fx.history).date().isoformat()
    page = result.path.read_text()
    note = f"newest {rows.shown.events:,} of {len(fx.history):,} past events"
    assert note in page and MAX_EVENTS_VAR in page
    assert "the page carries the newest" in result.summary_md()


def test_an_uncapped_page_says_nothing_about_a_cap(engine: sa.Engine, tmp_path: Path) -> None:
    fx = marts_data.fill(engine)
    result = build_dashboard(engine, tmp_path / "index.html", NOW, max_events=len(fx.history))
    assert result.headline is not None and result.headline.shown == len(fx.history)
    assert MAX_EVENTS_VAR not in result.path.read_text()
    assert "carries" not in result.summary_md()


def test_one_month_over_the_cap_keeps_its_newest_events(engine: sa.Engine) -> None:
    fx = marts_data.fill(engine)
    newest_first = sorted(fx.history, key=lambda e: (e["local_start"], e["event_id"]))[::-1]
    month = newest_first[0]["local_start"].strftime("%Y-%m")
    in_month = [e for e in newest_first if e["local_start"].strftime("%Y-%m") == month]
    assert len(in_month) > 3
    rows = fetch(engine, NOW, max_events=3)
    assert rows is not None and rows.shown is not None
    assert (rows.shown.events, rows.shown.total) == (3, len(fx.history))
    ids = [e["event_id"] for e in rows.events]
    assert ids == [e["event_id"] for e in reversed(newest_first[:3])]


@pytest.mark.parametrize("raw", ["abc", "0", "-5", "99", "1e6", "12.5"])
def test_a_bad_cap_is_a_clear_settings_error(raw: str) -> None:
    with pytest.raises(SettingsError, match=MAX_EVENTS_VAR) as info:
        DashboardSettings.from_environ({MAX_EVENTS_VAR: raw}).event_cap()
    assert repr(raw) in str(info.value)
    with pytest.raises(SettingsError, match=MAX_EVENTS_VAR):
        preflight.check_dashboard({MAX_EVENTS_VAR: raw})


def test_the_cap_reads_from_the_environment() -> None:
    assert DashboardSettings.from_environ({}).event_cap() == DEFAULT_MAX_EVENTS
    assert DashboardSettings.from_environ({MAX_EVENTS_VAR: " 250_000 "}).event_cap() == 250_000
    assert "250,000" in preflight.check_dashboard({MAX_EVENTS_VAR: "250000"})


FILL_MONTHS_SQL = """
INSERT INTO marts.fact_events
    (event_key, event_id, date_key, group_key, venue_key, event_date, starts_at, local_start,
     title, event_url, status, event_type, is_online, rsvp_yes_count, waitlist_count,
     observed_at)
SELECT -1000000 - n, 'bulk' || n, to_char(t, 'YYYYMMDD')::int, :group_key, :venue_key,
       t::date, t AT TIME ZONE 'America/Los_Angeles', t,
       'Bulk mixer number ' || n, 'https://www.meetup.com/x/events/bulk' || n || '/',
       'PAST', 'PHYSICAL', false, n % 50, n % 3, :now
FROM generate_series(:first, :first + :count - 1) AS n,
     LATERAL (SELECT :until - ((n - :first + 1) * interval '37 minutes')) AS s(t)
"""


def _add_older_events(engine: sa.Engine, first: int, count: int, until: datetime) -> None:
    params = {
        "first": first,
        "group_key": marts_data.key("g1"),
        "venue_key": marts_data.key("v1"),
        "now": NOW,
        "count": count,
        "until": until,
    }
    with engine.begin() as conn:
        conn.execute(sa.text(FILL_MONTHS_SQL), params)


def _peak(engine: sa.Engine, out: Path, max_events: int) -> tuple[int, int]:
    tracemalloc.start()
    try:
        result = build_dashboard(engine, out, NOW, max_events=max_events)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.headline is not None
    return peak, result.headline.events


def test_memory_stays_flat_as_the_history_grows(engine: sa.Engine, tmp_path: Path) -> None:
    """Allocation, not time: the same cap over 10x the history peaks the same."""
    fx = marts_data.fill(engine)
    oldest = min(e["local_start"] for e in fx.history)
    cap = len(fx.history)
    out = tmp_path / "index.html"
    build_dashboard(engine, out, NOW, max_events=cap)  # warm imports and caches
    _add_older_events(engine, 1, 2_000, oldest)
    small, small_events = _peak(engine, out, cap)
    _add_older_events(engine, 2_001, 18_000, oldest - timedelta(minutes=37 * 2_000))
    large, large_events = _peak(engine, out, cap)
    assert large_events == small_events + 18_000 >= 10 * (small_events - len(fx.history))
    assert large < 1.25 * small, (small, large)
    # The measurement sees rows: without the cap the same history costs several times more.
    uncapped, _ = _peak(engine, out, 10**6)
    assert uncapped > 2.5 * large, (large, uncapped)


def test_counts_and_rows_come_from_one_snapshot(engine: sa.Engine) -> None:
    """A run committing new events mid-build changes neither the counts nor the rows."""
    fx = marts_data.fill(engine)
    newest = max(e["local_start"] for e in fx.history)
    with snapshot(engine) as conn:
        rows = fetch(conn, NOW, max_events=10**6)
        assert rows is not None and rows.shown is not None
        _add_older_events(engine, 1, 50, newest + timedelta(days=20))  # committed elsewhere
        payload = shape(rows)
    assert len(payload["events"]["m"]) == rows.shown.events == len(fx.history)
    after = fetch(engine, NOW, max_events=10**6)
    assert after is not None and after.shown is not None
    assert after.shown.events == len(fx.history) + 50
