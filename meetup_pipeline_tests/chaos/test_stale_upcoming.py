"""The report survives a failing snapshot: when the upcoming-events refresh cannot reach
the API, the previous list is kept and marked stale, the dashboard is rebuilt and says so,
and the run says what failed (a WARN check) once, naming the variable to check."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer

from meetup_pipeline.preflight import PROBE_QUERY
from meetup_pipeline_tests.chaos.conftest import MATERIALIZE, RUN_TIMEOUT_S, Site

UPCOMING_MD5 = (
    "SELECT count(*), md5(coalesce(string_agg(event_id || title || snapshot_at::text, ',' "
    "ORDER BY event_id), '')) FROM marts.upcoming_events"
)


@contextmanager
def api_that_goes_away() -> Iterator[str]:
    """An API that answers the checks made before the run (GraphQL's cheapest probe) and
    is gone from the run's first real query on: its listening socket closed, so nothing
    answers any more, as when Meetup is down between the launch and the refresh."""
    gone = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if not gone.is_set() and json.loads(body or b"{}") == PROBE_QUERY:
                answer = json.dumps({"data": {"__typename": "Query"}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
                return
            gone.set()
            self.close_connection = True

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)

    def serve() -> None:
        while not gone.is_set():
            server.handle_request()
        server.server_close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/gql-ext"
    finally:
        gone.set()
        server.server_close()


def refresh(site: Site) -> subprocess.CompletedProcess[str]:
    """What the `upcoming_events_refresh` sensor runs: the snapshot and the dashboard."""
    return subprocess.run(
        [*MATERIALIZE, "--select", "upcoming_events,dashboard"],
        cwd=site.root / "cwd",
        env=site.env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )


def test_a_failed_upcoming_refresh_keeps_the_list_and_rebuilds_the_dashboard(
    site: Site,
) -> None:
    # the sandbox's own clock (no fixed "now"), so the next 60 days hold events
    site.env.pop("MEETUP_SANDBOX_NOW")
    first = site.materialize()
    assert first.code == 0, first.output[-3000:]
    with site.connect("meetup") as conn:
        before = conn.execute(UPCOMING_MD5).fetchone()
        title = conn.execute(
            "SELECT title FROM marts.upcoming_events WHERE title ~ '^[A-Za-z ]+$' LIMIT 1"
        ).fetchone()
    assert before[0] > 0 and title is not None
    page = site.root / "home" / "dashboard" / "index.html"
    assert "the last refresh failed" not in page.read_text()
    built = page.stat().st_mtime_ns

    with api_that_goes_away() as url:
        site.env["MEETUP_API_URL"] = url
        second = refresh(site)
    output = second.stdout + second.stderr
    assert second.returncode == 0, output[-3000:]
    # the run says what failed, and where nothing answers, once per attempt to refresh
    assert "upcoming_events_refreshed" in output
    assert output.count(f"Nothing answers at {url}: check MEETUP_API_URL") == 1, output[-3000:]
    with site.connect("meetup") as conn:
        assert conn.execute(UPCOMING_MD5).fetchone() == before
    html = page.read_text()
    assert page.stat().st_mtime_ns != built
    assert "Upcoming events as of " in html and ": the last refresh failed." in html
    assert title[0] in html
